package inbox

import (
	"slices"
	"time"
)

// Source is where a booking or conversation came from (a website, a portal).
type Source struct {
	ID        int64
	AccountID int64
	Name      string
	Position  int
	// Internal sources belong to the platform itself and cannot be referenced
	// by API writes.
	Internal  bool
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Validate checks a source before it is stored.
func (s *Source) Validate() error {
	if isBlank(s.Name) {
		return FieldError("name", MsgBlank)
	} else if tooLong(s.Name, 50) {
		return FieldError("name", "is too long (maximum is 50 characters)")
	}
	return nil
}

// SourceUpdate holds the source fields to change.
type SourceUpdate struct {
	Name     *string
	Position *int
}

// Booking statuses.
const (
	BookingBooked      = "Booked"
	BookingTentative   = "Tentative"
	BookingUnavailable = "Unavailable"
	BookingCanceled    = "Canceled"
)

// BookingStatuses lists the valid booking statuses.
var BookingStatuses = []string{BookingBooked, BookingTentative, BookingUnavailable, BookingCanceled}

// Booking is a minimal stay record, kept so conversations can link to it.
type Booking struct {
	ID         int64
	AccountID  int64
	RentalID   *int64
	ClientID   *int64
	SourceID   *int64
	StartAt    time.Time
	EndAt      time.Time
	Status     string
	Reference  string
	CanceledAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Validate checks a booking before it is stored.
func (b *Booking) Validate() error {
	if b.StartAt.IsZero() {
		return FieldError("start_at", MsgBlank)
	} else if b.EndAt.IsZero() {
		return FieldError("end_at", MsgBlank)
	} else if !b.EndAt.After(b.StartAt) {
		return FieldError("end_at", "must be after start_at")
	} else if !slices.Contains(BookingStatuses, b.Status) {
		return FieldError("status", MsgInclusion)
	}
	return nil
}

// BookingUpdate holds the booking fields to change.
type BookingUpdate struct {
	StartAt   *time.Time
	EndAt     *time.Time
	Status    *string
	Reference *string
	ClientID  **int64
	SourceID  **int64
}

// Inquiry is a minimal request for a stay, kept so conversations can link to it.
type Inquiry struct {
	ID          int64
	AccountID   int64
	Firstname   string
	Lastname    string
	Email       string
	Phone       string
	CountryCode string
	Adults      int
	Children    int
	Message     string
	// Locked says why the inquiry is locked ("" when it is not: null).
	Locked         string
	StartAt        *time.Time
	EndAt          *time.Time
	RentalID       *int64
	SourceID       *int64
	BookingID      *int64
	ConversationID *int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Validate checks an inquiry before it is stored.
func (q *Inquiry) Validate() error {
	if isBlank(q.Firstname) && isBlank(q.Lastname) {
		return FieldError("lastname", MsgBlank)
	} else if q.Email != "" && !ValidEmail(q.Email) {
		return FieldError("email", MsgInvalid)
	} else if q.Adults < 0 {
		return FieldError("adults", MsgInvalid)
	} else if q.Children < 0 {
		return FieldError("children", MsgInvalid)
	} else if q.StartAt != nil && q.EndAt != nil && !q.EndAt.After(*q.StartAt) {
		return FieldError("end_at", "must be after start_at")
	}
	return nil
}

// InquiryUpdate holds the inquiry fields to change.
type InquiryUpdate struct {
	Firstname      *string
	Lastname       *string
	Email          *string
	Phone          *string
	CountryCode    *string
	Adults         *int
	Children       *int
	Message        *string
	StartAt        **time.Time
	EndAt          **time.Time
	ConversationID **int64
	BookingID      **int64
}

// ListFilter is the filter shared by the simple listings (sources, bookings,
// inquiries): ids, an updated-since bound and a page.
type ListFilter struct {
	IDs          []int64
	UpdatedSince *time.Time
	Page         Page
}
