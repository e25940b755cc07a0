package inbox

import (
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// Conversation statuses. One field drives both dialects: BookingSync shows
// closed_at (set only while resolved), Chatwoot shows the status itself.
const (
	StatusOpen     = "open"
	StatusResolved = "resolved"
	StatusPending  = "pending"
	StatusSnoozed  = "snoozed"
)

// Statuses lists the valid conversation statuses.
var Statuses = []string{StatusOpen, StatusResolved, StatusPending, StatusSnoozed}

// Priorities lists the valid conversation priorities ("" means none).
var Priorities = []string{"low", "medium", "high", "urgent"}

// Creator types of records created through the API.
const (
	CreatorUser        = "User"
	CreatorApplication = "Doorkeeper::Application"
)

// Conversation is a thread in one inbox of one account.
type Conversation struct {
	ID        int64 // global id (BookingSync)
	AccountID int64
	DisplayID int64 // per-account sequence (Chatwoot path id)
	UUID      string
	InboxID   int64
	// ClientID is the conversation's contact (Chatwoot meta.sender): the first
	// Client participant; nil while there is none.
	ClientID *int64
	// ContactSourceID is the contact's id in the inbox's channel
	// (Chatwoot contact_inbox.source_id).
	ContactSourceID string
	HMACVerified    bool

	Subject              string
	DefaultChannel       string // "" or one of MessageChannels
	Status               string
	SnoozedUntil         *time.Time
	AssigneeID           *int64
	SourceID             *int64
	Priority             string // "" or one of Priorities
	Labels               []string
	CustomAttributes     Attributes
	AdditionalAttributes Attributes

	ClosedAt            *time.Time
	MarkedAsSpamAt      *time.Time
	DeadlineResponseAt  *time.Time
	LastMessageAt       *time.Time // newest message's sent_at (or created_at)
	LastActivityAt      time.Time  // newest message of any kind, or CreatedAt
	WaitingSince        *time.Time
	FirstReplyCreatedAt *time.Time

	CreatedByID   *int64
	CreatedByType string

	CreatedAt time.Time
	UpdatedAt time.Time
}

// Closed reports whether the conversation is resolved.
func (c *Conversation) Closed() bool { return c.Status == StatusResolved }

// ValidStatus reports whether s is a conversation status.
func ValidStatus(s string) bool { return slices.Contains(Statuses, s) }

// ValidPriority reports whether s is a priority ("" is valid: no priority).
func ValidPriority(s string) bool { return s == "" || slices.Contains(Priorities, s) }

// Validate checks the invariants of a conversation before it is stored.
func (c *Conversation) Validate() error {
	if !ValidStatus(c.Status) {
		return FieldError("status", MsgInclusion)
	} else if c.DefaultChannel != "" && !ValidMessageChannel(c.DefaultChannel) {
		return FieldError("default_channel", MsgInclusion)
	} else if !ValidPriority(c.Priority) {
		return FieldError("priority", MsgInclusion)
	} else if tooLong(c.Subject, 1000) {
		return FieldError("subject", "is too long (maximum is 1000 characters)")
	}
	for _, l := range c.Labels {
		if err := ValidateLabel(l); err != nil {
			return err
		}
	}
	if err := c.CustomAttributes.Validate("custom_attributes"); err != nil {
		return err
	}
	return c.AdditionalAttributes.Validate("additional_attributes")
}

// ValidateLabel checks one label name.
func ValidateLabel(l string) error {
	if isBlank(l) {
		return FieldError("labels", MsgBlank)
	} else if tooLong(l, 255) {
		return FieldError("labels", "is too long (maximum is 255 characters)")
	}
	return nil
}

// ConversationFilter selects conversations of one account. Zero fields do not
// filter.
type ConversationFilter struct {
	IDs               []int64
	DisplayIDs        []int64
	UpdatedSince      *time.Time
	Statuses          []string
	InboxIDs          []int64 // restrict to these inboxes (agents' membership); nil = all
	InboxID           *int64
	AssigneeID        *int64   // conversations assigned to this host
	Assigned          *bool    // true: has an assignee; false: has none
	Labels            []string // any of
	ClientID          *int64
	ContactSourceID   string
	Query             string // substring of a message's content
	ParticipantHostID *int64 // the host is a participant
	Unattended        bool   // no first reply yet, or waiting
	// Conditions is an advanced filter, AND-ed with the fields above.
	Conditions []ConversationCondition
	Sort       string // "" (id asc), or one of the ConversationSort values
	// Before continues a listing sorted by SortLastActivityDesc after the
	// conversation it names: a keyset cursor, so a deep page costs what the
	// first one does (no OFFSET).
	Before *ActivityCursor
	Page   Page
}

// ActivityCursor is a place in a listing by last activity, newest first:
// the last conversation of the previous page.
type ActivityCursor struct {
	LastActivityAt time.Time
	ID             int64
}

// Bounds of a conversation filter's free-form inputs. Larger ones are
// refused as invalid rather than turned into SQL that an engine refuses
// (SQLite caps LIKE patterns at 50,000 bytes, expressions at 1,000 levels
// and parameters at 32,766) or that takes minutes per request.
const (
	// MaxFilterConditions bounds the conditions of an advanced filter.
	MaxFilterConditions = 20
	// MaxFilterValues bounds the values of a filter, all conditions
	// together (one IN list of 10,000 ids is fine on both engines), and
	// the labels of a list.
	MaxFilterValues = 10000
	// MaxFilterPatterns bounds the contains and does_not_contain values of
	// a filter: each is a LIKE pattern, tested against every row.
	MaxFilterPatterns = 100
	// MaxFilterValueLength bounds one value, and a search, in characters
	// (at most four times as many bytes).
	MaxFilterValueLength = 2048
)

// Validate checks a filter's free-form inputs against the bounds above.
func (f *ConversationFilter) Validate() error {
	if utf8.RuneCountInString(f.Query) > MaxFilterValueLength {
		return &Error{Code: EINVALID, Field: "q",
			Message: fmt.Sprintf("Search query is too long (maximum is %d characters)", MaxFilterValueLength)}
	}
	if f.Before != nil && f.Sort != SortLastActivityDesc {
		return FieldError("before", "needs the listing sorted by last activity, newest first")
	}
	if len(f.Labels) > MaxFilterValues {
		return FieldError("labels", fmt.Sprintf("is too long (maximum is %d labels)", MaxFilterValues))
	}
	return ValidateConditions(f.Conditions)
}

// ValidateConditions checks an advanced filter's conditions against the
// bounds above (conversation and contact filters alike).
func ValidateConditions(conds []ConversationCondition) error {
	if len(conds) > MaxFilterConditions {
		return FieldError("payload", fmt.Sprintf("is too long (maximum is %d conditions)", MaxFilterConditions))
	}
	values, patterns := 0, 0
	for _, c := range conds {
		values += len(c.Values)
		if c.Operator == OpContains || c.Operator == OpNotContains || c.Operator == OpStartsWith {
			patterns += len(c.Values)
		}
		for _, v := range c.Values {
			if utf8.RuneCountInString(v) > MaxFilterValueLength {
				return FieldError("values", fmt.Sprintf("is too long (maximum is %d characters)", MaxFilterValueLength))
			}
		}
	}
	if values > MaxFilterValues {
		return FieldError("values", fmt.Sprintf("is too long (maximum is %d values in a filter)", MaxFilterValues))
	}
	if patterns > MaxFilterPatterns {
		return FieldError("values", fmt.Sprintf("is too long (maximum is %d values to search for in a filter)", MaxFilterPatterns))
	}
	return nil
}

// Conversation sort orders beyond the default ascending id.
const (
	SortLastActivityDesc = "last_activity_at_desc"
	SortLastActivityAsc  = "last_activity_at_asc"
	SortCreatedAtAsc     = "created_at_asc"
	SortCreatedAtDesc    = "created_at_desc"
	SortPriorityAsc      = "priority_asc"
	SortPriorityDesc     = "priority_desc"
	SortWaitingSinceAsc  = "waiting_since_asc"
	SortWaitingSinceDesc = "waiting_since_desc"
)

// ConversationSorts lists the accepted sort orders.
var ConversationSorts = []string{SortLastActivityDesc, SortLastActivityAsc, SortCreatedAtAsc, SortCreatedAtDesc,
	SortPriorityAsc, SortPriorityDesc, SortWaitingSinceAsc, SortWaitingSinceDesc}

// ConversationCounts are the Chatwoot list counters.
type ConversationCounts struct {
	Mine       int
	Unassigned int
	All        int
}

// ConversationUpdate holds conversation fields to change; nil leaves a field
// unchanged. It is what the store writes: the application layer has already
// decided timestamps (ClosedAt follows Status) and validated references.
type ConversationUpdate struct {
	Status               *string
	SnoozedUntil         **time.Time
	ClosedAt             **time.Time
	AssigneeID           **int64
	ClientID             **int64
	DefaultChannel       *string
	Priority             *string
	MarkedAsSpamAt       **time.Time
	CustomAttributes     *Attributes
	AdditionalAttributes *Attributes
	LastMessageAt        **time.Time
	LastActivityAt       *time.Time
	WaitingSince         **time.Time
	FirstReplyCreatedAt  **time.Time
	// Touch bumps updated_at even when nothing else changes.
	Touch bool
}

// MaxUnreadCount caps a conversation's unread counter in read models, as
// Chatwoot caps its unread_count.
const MaxUnreadCount = 10

// ConversationStats are derived figures used to render conversations: the
// read state of its participants and its unread counter.
type ConversationStats struct {
	ClientReadAt   *time.Time // contact_last_seen_at
	HostReadAt     *time.Time // newest host read_at: agent_last_seen_at, BookingSync read_at
	AssigneeReadAt *time.Time
	// UnreadCount is the number of incoming messages after HostReadAt. The
	// store counts them all; read models cap it at MaxUnreadCount.
	UnreadCount    int
	LastIncomingAt *time.Time
}

// ConversationLinks are the ids of records linked to a conversation.
type ConversationLinks struct {
	BookingIDs     []int64
	InquiryIDs     []int64
	MessageIDs     []int64
	ParticipantIDs []int64
}
