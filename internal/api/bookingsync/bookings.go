package bookingsync

import (
	"net/http"
	"strconv"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

var bookingSchema = schema{
	create:   []string{"start_at", "end_at", "status", "reference", "client_id", "source_id"},
	update:   []string{"start_at", "end_at", "status", "reference", "client_id", "source_id"},
	readOnly: []string{"canceled_at"},
}

func (a *API) listBookings(w http.ResponseWriter, r *http.Request) { a.bookings(w, r, false) }

func (a *API) getBookings(w http.ResponseWriter, r *http.Request) { a.bookings(w, r, true) }

// bookings lists bookings; a token with only the public scope sees their
// public fields and no links.
func (a *API) bookings(w http.ResponseWriter, r *http.Request, byIDs bool) {
	var last *app.BookingListing
	q, items, total, ok := listing(a, w, r, byIDs, func(q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Booking, int, error) {
		l, err := a.app.BrowseBookings(r.Context(), inbox.ListFilter{IDs: ids, UpdatedSince: q.since, Page: pg})
		if err != nil {
			return nil, 0, err
		}
		last = l
		return l.Items, l.Total, nil
	}, func(b *inbox.Booking) int64 { return b.ID })
	if !ok {
		return
	}
	recs := make([]object, len(items))
	for i, b := range items {
		recs[i] = bookingRecord(b, last.ConversationIDs[b.ID], last.PublicOnly)
	}
	var tpl object
	if !last.PublicOnly {
		tpl = templates(a.base(r), "bookings", bookingRels...)
	}
	a.respondList(w, r, q, total, "", tpl, "bookings", recs)
}

// bookingAttrs decodes the writable booking attributes.
func bookingAttrs(at attrs, errs *fieldErrors) inbox.BookingUpdate {
	u := inbox.BookingUpdate{}
	if t, ok := at.Time(errs, "start_at"); ok {
		u.StartAt = &t
	}
	if t, ok := at.Time(errs, "end_at"); ok {
		u.EndAt = &t
	}
	if s, ok := at.String(errs, "status"); ok {
		u.Status = &s
	}
	if at.has("reference") {
		s, _ := at.String(errs, "reference")
		u.Reference = &s
	}
	for _, f := range []struct {
		name string
		dst  ***int64
	}{{"client_id", &u.ClientID}, {"source_id", &u.SourceID}} {
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

// writeBooking answers a booking write with the whole record.
func (a *API) writeBooking(w http.ResponseWriter, r *http.Request, b *inbox.Booking, created bool) {
	l, err := a.app.BrowseBookings(r.Context(), inbox.ListFilter{IDs: []int64{b.ID}, Page: inbox.Page{Limit: 1}})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	rec := bookingRecord(b, l.ConversationIDs[b.ID], l.PublicOnly)
	tpl := templates(a.base(r), "bookings", bookingRels...)
	if created {
		a.writeCreated(w, r, "/bookings", b.ID, tpl, "bookings", rec)
		return
	}
	a.writeEnvelope(w, http.StatusOK, tpl, "bookings", []object{rec}, nil)
}

func (a *API) createBooking(w http.ResponseWriter, r *http.Request) {
	rentalID, err := strconv.ParseInt(r.PathValue("rental_id"), 10, 64)
	if err != nil || rentalID <= 0 {
		a.notFound(w, r)
		return
	}
	at, err := readRecord(r, "bookings")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := bookingSchema.check(at, true); err != nil {
		a.writeError(w, r, err)
		return
	}
	var errs fieldErrors
	at.require(&errs, "start_at", "end_at")
	u := bookingAttrs(at, &errs)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	b := &inbox.Booking{RentalID: &rentalID, StartAt: *u.StartAt, EndAt: *u.EndAt}
	if u.Status != nil {
		b.Status = *u.Status
	}
	if u.Reference != nil {
		b.Reference = *u.Reference
	}
	if u.ClientID != nil {
		b.ClientID = *u.ClientID
	}
	if u.SourceID != nil {
		b.SourceID = *u.SourceID
	}
	b, err = a.app.CreateBooking(r.Context(), b)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeBooking(w, r, b, true)
}

func (a *API) updateBooking(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	at, err := readRecord(r, "bookings")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := bookingSchema.check(at, false); err != nil {
		a.writeError(w, r, err)
		return
	}
	var errs fieldErrors
	u := bookingAttrs(at, &errs)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	b, err := a.app.UpdateBooking(r.Context(), id, u)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeBooking(w, r, b, false)
}

// cancelBooking is DELETE /bookings/:id: the booking is canceled, not
// removed, and the answer is 204.
func (a *API) cancelBooking(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	status := inbox.BookingCanceled
	if _, err := a.app.UpdateBooking(r.Context(), id, inbox.BookingUpdate{Status: &status}); err != nil {
		a.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
