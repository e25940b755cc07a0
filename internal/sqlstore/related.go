package sqlstore

import (
	"context"
	"database/sql"

	inbox "github.com/inboxd/inbox"
)

// simpleList lists rows of a table by ascending id with the shared filter.
func simpleList[T any](ctx context.Context, tx *Tx, table, columns string, accountID int64, f inbox.ListFilter,
	scan func(scanner) (T, error)) ([]T, int, error) {
	w := &where{}
	w.add("account_id = ?", accountID)
	if f.IDs != nil {
		w.in("id", f.IDs)
	}
	if f.UpdatedSince != nil {
		w.add("updated_at >= ?", ts(*f.UpdatedSince))
	}
	q, args, c := pageQuery(w, columns, table, "id", "", f.Page)
	return list(ctx, tx, q, args, c, scan)
}

const sourceColumns = `
	id,
	account_id,
	name,
	position,
	internal,
	created_at,
	updated_at`

func scanSource(s scanner) (*inbox.Source, error) {
	var src inbox.Source
	var created, updated int64
	dest := []any{&src.ID, &src.AccountID, &src.Name, &src.Position, &src.Internal, &created, &updated}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	src.CreatedAt, src.UpdatedAt = fromTS(created), fromTS(updated)
	return &src, nil
}

// CreateSource stores a new source.
func (tx *Tx) CreateSource(ctx context.Context, s *inbox.Source) error {
	s.CreatedAt, s.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO sources (
			account_id,
			name,
			position,
			internal,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?)`, s.AccountID, s.Name, s.Position, s.Internal, ts(tx.now), ts(tx.now))
	s.ID = id
	return err
}

// FindSourceByID returns one source of the account.
func (tx *Tx) FindSourceByID(ctx context.Context, accountID, id int64) (*inbox.Source, error) {
	s, err := scanSource(tx.queryRow(ctx, `SELECT `+sourceColumns+` FROM sources WHERE account_id = ? AND id = ?`, accountID, id))
	return s, notFound(err, "Source")
}

// FindSources lists sources of the account.
func (tx *Tx) FindSources(ctx context.Context, accountID int64, f inbox.ListFilter) ([]*inbox.Source, int, error) {
	return simpleList(ctx, tx, "sources", sourceColumns, accountID, f, scanSource)
}

// UpdateSource changes a source.
func (tx *Tx) UpdateSource(ctx context.Context, accountID, id int64, u inbox.SourceUpdate) (*inbox.Source, error) {
	s := &setList{}
	if u.Name != nil {
		s.set("name", *u.Name)
	}
	if u.Position != nil {
		s.set("position", *u.Position)
	}
	s.set("updated_at", ts(tx.now))
	res, err := tx.exec(ctx, `UPDATE sources SET `+s.sql()+` WHERE account_id = ? AND id = ?`, append(s.args, accountID, id)...)
	if err := affected(res, err, "Source"); err != nil {
		return nil, err
	}
	return tx.FindSourceByID(ctx, accountID, id)
}

const bookingColumns = `
	id,
	account_id,
	rental_id,
	client_id,
	source_id,
	start_at,
	end_at,
	status,
	reference,
	canceled_at,
	created_at,
	updated_at`

func scanBooking(s scanner) (*inbox.Booking, error) {
	var b inbox.Booking
	var start, end, created, updated int64
	var canceled sql.NullInt64
	dest := []any{&b.ID, &b.AccountID, &b.RentalID, &b.ClientID, &b.SourceID, &start, &end, &b.Status, &b.Reference,
		&canceled, &created, &updated}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	b.StartAt, b.EndAt, b.CanceledAt = fromTS(start), fromTS(end), fromNullTS(canceled)
	b.CreatedAt, b.UpdatedAt = fromTS(created), fromTS(updated)
	return &b, nil
}

// CreateBooking stores a new booking.
func (tx *Tx) CreateBooking(ctx context.Context, b *inbox.Booking) error {
	b.CreatedAt, b.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO bookings (
			account_id,
			rental_id,
			client_id,
			source_id,
			start_at,
			end_at,
			status,
			reference,
			canceled_at,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		b.AccountID, b.RentalID, b.ClientID, b.SourceID, ts(b.StartAt), ts(b.EndAt), b.Status, b.Reference,
		tsp(b.CanceledAt), ts(tx.now), ts(tx.now))
	b.ID = id
	return err
}

// FindBookingByID returns one booking of the account.
func (tx *Tx) FindBookingByID(ctx context.Context, accountID, id int64) (*inbox.Booking, error) {
	b, err := scanBooking(tx.queryRow(ctx, `SELECT `+bookingColumns+` FROM bookings WHERE account_id = ? AND id = ?`, accountID, id))
	return b, notFound(err, "Booking")
}

// FindBookings lists bookings of the account.
func (tx *Tx) FindBookings(ctx context.Context, accountID int64, f inbox.ListFilter) ([]*inbox.Booking, int, error) {
	return simpleList(ctx, tx, "bookings", bookingColumns, accountID, f, scanBooking)
}

// UpdateBooking changes a booking.
func (tx *Tx) UpdateBooking(ctx context.Context, accountID, id int64, u inbox.BookingUpdate) (*inbox.Booking, error) {
	s := &setList{}
	if u.StartAt != nil {
		s.set("start_at", ts(*u.StartAt))
	}
	if u.EndAt != nil {
		s.set("end_at", ts(*u.EndAt))
	}
	if u.Status != nil {
		s.set("status", *u.Status)
		if *u.Status == inbox.BookingCanceled {
			s.set("canceled_at", ts(tx.now))
		} else {
			s.set("canceled_at", nil)
		}
	}
	if u.Reference != nil {
		s.set("reference", *u.Reference)
	}
	if u.ClientID != nil {
		s.set("client_id", *u.ClientID)
	}
	if u.SourceID != nil {
		s.set("source_id", *u.SourceID)
	}
	s.set("updated_at", ts(tx.now))
	res, err := tx.exec(ctx, `UPDATE bookings SET `+s.sql()+` WHERE account_id = ? AND id = ?`, append(s.args, accountID, id)...)
	if err := affected(res, err, "Booking"); err != nil {
		return nil, err
	}
	return tx.FindBookingByID(ctx, accountID, id)
}

// FindBookingConversationIDs maps booking ids to their linked conversations.
func (tx *Tx) FindBookingConversationIDs(ctx context.Context, accountID int64, bookingIDs []int64) (map[int64][]int64, error) {
	out := make(map[int64][]int64, len(bookingIDs))
	if len(bookingIDs) == 0 {
		return out, nil
	}
	rows, err := tx.query(ctx, `
		SELECT booking_id, conversation_id
		FROM conversation_bookings
		WHERE account_id = ? AND booking_id IN (`+placeholders(len(bookingIDs))+`)
		ORDER BY booking_id, conversation_id`, append([]any{accountID}, int64Args(bookingIDs)...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var b, c int64
		if err := rows.Scan(&b, &c); err != nil {
			return nil, err
		}
		out[b] = append(out[b], c)
	}
	return out, rows.Err()
}

const inquiryColumns = `
	id,
	account_id,
	firstname,
	lastname,
	email,
	phone,
	country_code,
	adults,
	children,
	message,
	locked_reason,
	start_at,
	end_at,
	rental_id,
	source_id,
	booking_id,
	conversation_id,
	created_at,
	updated_at`

func scanInquiry(s scanner) (*inbox.Inquiry, error) {
	var q inbox.Inquiry
	var start, end sql.NullInt64
	var locked sql.NullString
	var created, updated int64
	dest := []any{&q.ID, &q.AccountID, &q.Firstname, &q.Lastname, &q.Email, &q.Phone, &q.CountryCode, &q.Adults,
		&q.Children, &q.Message, &locked, &start, &end, &q.RentalID, &q.SourceID, &q.BookingID, &q.ConversationID,
		&created, &updated}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	q.Locked = locked.String
	q.StartAt, q.EndAt = fromNullTS(start), fromNullTS(end)
	q.CreatedAt, q.UpdatedAt = fromTS(created), fromTS(updated)
	return &q, nil
}

// CreateInquiry stores a new inquiry.
func (tx *Tx) CreateInquiry(ctx context.Context, q *inbox.Inquiry) error {
	q.CreatedAt, q.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO inquiries (
			account_id,
			firstname,
			lastname,
			email,
			phone,
			country_code,
			adults,
			children,
			message,
			locked_reason,
			start_at,
			end_at,
			rental_id,
			source_id,
			booking_id,
			conversation_id,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		q.AccountID, q.Firstname, q.Lastname, q.Email, q.Phone, q.CountryCode, q.Adults, q.Children, q.Message,
		nullText(q.Locked), tsp(q.StartAt), tsp(q.EndAt), q.RentalID, q.SourceID, q.BookingID, q.ConversationID,
		ts(tx.now), ts(tx.now))
	q.ID = id
	return err
}

// FindInquiryByID returns one inquiry of the account.
func (tx *Tx) FindInquiryByID(ctx context.Context, accountID, id int64) (*inbox.Inquiry, error) {
	q, err := scanInquiry(tx.queryRow(ctx, `SELECT `+inquiryColumns+` FROM inquiries WHERE account_id = ? AND id = ?`, accountID, id))
	return q, notFound(err, "Inquiry")
}

// FindInquiries lists inquiries of the account.
func (tx *Tx) FindInquiries(ctx context.Context, accountID int64, f inbox.ListFilter) ([]*inbox.Inquiry, int, error) {
	return simpleList(ctx, tx, "inquiries", inquiryColumns, accountID, f, scanInquiry)
}

// UpdateInquiry changes an inquiry.
func (tx *Tx) UpdateInquiry(ctx context.Context, accountID, id int64, u inbox.InquiryUpdate) (*inbox.Inquiry, error) {
	s := &setList{}
	for col, v := range map[string]*string{"firstname": u.Firstname, "lastname": u.Lastname, "email": u.Email,
		"phone": u.Phone, "country_code": u.CountryCode, "message": u.Message} {
		if v != nil {
			s.set(col, *v)
		}
	}
	if u.Adults != nil {
		s.set("adults", *u.Adults)
	}
	if u.Children != nil {
		s.set("children", *u.Children)
	}
	if u.StartAt != nil {
		s.set("start_at", tsp(*u.StartAt))
	}
	if u.EndAt != nil {
		s.set("end_at", tsp(*u.EndAt))
	}
	if u.ConversationID != nil {
		s.set("conversation_id", *u.ConversationID)
	}
	if u.BookingID != nil {
		s.set("booking_id", *u.BookingID)
	}
	s.set("updated_at", ts(tx.now))
	res, err := tx.exec(ctx, `UPDATE inquiries SET `+s.sql()+` WHERE account_id = ? AND id = ?`, append(s.args, accountID, id)...)
	if err := affected(res, err, "Inquiry"); err != nil {
		return nil, err
	}
	return tx.FindInquiryByID(ctx, accountID, id)
}

// nullText stores an empty string as NULL.
func nullText(s string) any {
	if s == "" {
		return nil
	}
	return s
}
