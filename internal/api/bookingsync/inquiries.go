package bookingsync

import (
	"net/http"

	inbox "github.com/inboxd/inbox"
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
	q, items, total, ok := listing(a, w, r, byIDs, func(q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Inquiry, int, error) {
		return a.app.ListInquiries(r.Context(), inbox.ListFilter{IDs: ids, UpdatedSince: q.since, Page: pg})
	}, func(q *inbox.Inquiry) int64 { return q.ID })
	if !ok {
		return
	}
	recs := make([]object, len(items))
	for i, iq := range items {
		recs[i] = inquiryRecord(iq)
	}
	a.respondList(w, r, q, total, "", templates(a.base(r), "inquiries", inquiryRels...), "inquiries", recs)
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

func (a *API) createInquiry(w http.ResponseWriter, r *http.Request) {
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
	q, err = a.app.CreateInquiry(r.Context(), q)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeCreated(w, r, "/inquiries", q.ID, templates(a.base(r), "inquiries", inquiryRels...), "inquiries", inquiryRecord(q))
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
	if err := inquirySchema.check(at, false); err != nil {
		a.writeError(w, r, err)
		return
	}
	var errs fieldErrors
	u := inquiryAttrs(at, &errs)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	q, err := a.app.UpdateInquiry(r.Context(), id, u)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeEnvelope(w, http.StatusOK, templates(a.base(r), "inquiries", inquiryRels...), "inquiries", []object{inquiryRecord(q)}, nil)
}
