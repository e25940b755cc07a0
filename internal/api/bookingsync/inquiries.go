package bookingsync

import (
	"context"
	"net/http"
	"strconv"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

var inquirySchema = schema{
	create: []string{"firstname", "lastname", "email", "phone", "country_code", "adults", "children", "message",
		"start_at", "end_at", "rental_id", "source_id", "booking_id", "conversation_id"},
	update: []string{"firstname", "lastname", "email", "phone", "country_code", "adults", "children", "message",
		"start_at", "end_at", "booking_id", "conversation_id"},
	readOnly: []string{"locked"},
}

func (a *API) listInquiries(w http.ResponseWriter, r *http.Request) { a.inquiries(w, r, false) }

func (a *API) getInquiries(w http.ResponseWriter, r *http.Request) { a.inquiries(w, r, true) }

func (a *API) inquiries(w http.ResponseWriter, r *http.Request, byIDs bool) {
	list(a, w, r, byIDs, a.inquirySpec(r))
}

// inquirySpec describes the GET of inquiries, also the stored record a write compares
// read-only attributes with.
func (a *API) inquirySpec(r *http.Request) listSpec[*inbox.Inquiry] {
	return listSpec[*inbox.Inquiry]{
		scope: inbox.ScopeInquiriesRead, plural: "inquiries",
		fetch: func(l *app.Loader, q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Inquiry, int, error) {
			return l.Inquiries(inbox.ListFilter{IDs: ids, UpdatedSince: q.since, Page: pg})
		},
		idOf: func(q *inbox.Inquiry) int64 { return q.ID },
		render: func(l *app.Loader, items []*inbox.Inquiry) ([]object, object, error) {
			return records(items, inquiryRecord), templates(a.base(r), "inquiries", inquiryRels...), nil
		},
	}
}

// inquiryAttrs decodes the writable inquiry attributes common to create and
// update.
func inquiryAttrs(at attrs, errs *fieldErrors) inbox.InquiryUpdate {
	u := inbox.InquiryUpdate{}
	for _, f := range []struct {
		name string
		dst  **string
	}{{"firstname", &u.Firstname}, {"lastname", &u.Lastname}, {"email", &u.Email}, {"phone", &u.Phone},
		{"country_code", &u.CountryCode}, {"message", &u.Message}} {
		if at.has(f.name) {
			s, _ := at.String(errs, f.name)
			*f.dst = &s
		}
	}
	if n, ok := at.Int(errs, "adults"); ok {
		u.Adults = &n
	}
	if n, ok := at.Int(errs, "children"); ok {
		u.Children = &n
	}
	if t, ok := at.OptTime(errs, "start_at"); ok {
		u.StartAt = ptrTo(t)
	}
	if t, ok := at.OptTime(errs, "end_at"); ok {
		u.EndAt = ptrTo(t)
	}
	for _, f := range []struct {
		name string
		dst  ***int64
	}{{"booking_id", &u.BookingID}, {"conversation_id", &u.ConversationID}} {
		if at.has(f.name) {
			var id *int64
			if v, ok := at.ID(errs, f.name); ok {
				id = &v
			}
			*f.dst = &id
		}
	}
	return u
}

// createInquiry serves POST /inquiries and POST /rentals/{rental_id}/inquiries
// (the ruby gem's create_inquiry), where the path names the rental: a
// rental_id in the body must then be the same.
func (a *API) createInquiry(w http.ResponseWriter, r *http.Request) {
	var pathRental *int64
	if s := r.PathValue("rental_id"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			a.notFound(w, r)
			return
		}
		pathRental = &n
	}
	at, err := readRecord(r, "inquiries")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := inquirySchema.check(at, true); err != nil {
		a.writeError(w, r, err)
		return
	}
	var errs fieldErrors
	u := inquiryAttrs(at, &errs)
	q := &inbox.Inquiry{}
	if id, ok := at.ID(&errs, "rental_id"); ok {
		q.RentalID = &id
		if pathRental != nil && id != *pathRental {
			errs.add(invalid("rental_id", "does not match the rental of the path"))
		}
	}
	if pathRental != nil {
		q.RentalID = pathRental
	}
	if id, ok := at.ID(&errs, "source_id"); ok {
		q.SourceID = &id
	}
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	for _, f := range []struct{ dst, src *string }{{&q.Firstname, u.Firstname}, {&q.Lastname, u.Lastname},
		{&q.Email, u.Email}, {&q.Phone, u.Phone}, {&q.CountryCode, u.CountryCode}, {&q.Message, u.Message}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if u.Adults != nil {
		q.Adults = *u.Adults
	}
	if u.Children != nil {
		q.Children = *u.Children
	}
	if u.StartAt != nil {
		q.StartAt = *u.StartAt
	}
	if u.EndAt != nil {
		q.EndAt = *u.EndAt
	}
	if u.BookingID != nil {
		q.BookingID = *u.BookingID
	}
	if u.ConversationID != nil {
		q.ConversationID = *u.ConversationID
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.Inquiry, error) {
		return a.app.CreateInquiry(ctx, q)
	}, recordResponse(a, r, true, "/inquiries", "inquiries", templates(a.base(r), "inquiries", inquiryRels...),
		func(q *inbox.Inquiry) int64 { return q.ID }, inquiryRecord))
}

func (a *API) updateInquiry(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	at, err := readRecord(r, "inquiries")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ro, err := inquirySchema.checkUpdate(at)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	r = guardReadOnly(r, a.inquirySpec(r), id, ro)
	var errs fieldErrors
	u := inquiryAttrs(at, &errs)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.Inquiry, error) {
		return a.app.UpdateInquiry(ctx, id, u)
	}, recordResponse(a, r, false, "/inquiries", "inquiries", templates(a.base(r), "inquiries", inquiryRels...),
		func(q *inbox.Inquiry) int64 { return q.ID }, inquiryRecord))
}
