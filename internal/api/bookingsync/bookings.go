package bookingsync

import (
	"context"
	"net/http"
	"strconv"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// booked, which recorded production requests carry, is the older spelling
// of a status: true is Booked, false (without a status) Tentative; with a
// status it must agree (docs/bookingsync.md).
var bookingSchema = schema{
	create:   []string{"start_at", "end_at", "status", "reference", "client_id", "source_id", "booked"},
	update:   []string{"start_at", "end_at", "status", "reference", "client_id", "source_id", "booked"},
	readOnly: []string{"canceled_at"},
}

func (a *API) listBookings(w http.ResponseWriter, r *http.Request) { a.bookings(w, r, false) }

func (a *API) getBookings(w http.ResponseWriter, r *http.Request) { a.bookings(w, r, true) }

// bookings lists bookings; a token with only the public scope sees their
// public fields and no links.
func (a *API) bookings(w http.ResponseWriter, r *http.Request, byIDs bool) {
	list(a, w, r, byIDs, a.bookingSpec(r))
}

// bookingSpec describes the GET of bookings, also the stored record a write
// compares read-only attributes with.
func (a *API) bookingSpec(r *http.Request) listSpec[*inbox.Booking] {
	var last *app.BookingListing
	return listSpec[*inbox.Booking]{
		scope: inbox.ScopePublic, plural: "bookings",
		fetch: func(l *app.Loader, q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Booking, int, error) {
			b, err := l.Bookings(inbox.ListFilter{IDs: ids, UpdatedSince: q.since, Page: pg})
			if err != nil {
				return nil, 0, err
			}
			last = b
			return b.Items, b.Total, nil
		},
		idOf: func(b *inbox.Booking) int64 { return b.ID },
		render: func(l *app.Loader, items []*inbox.Booking) ([]object, object, error) {
			recs := records(items, func(b *inbox.Booking) object {
				return bookingRecord(b, last.ConversationIDs[b.ID], last.PublicOnly)
			})
			if last.PublicOnly {
				return recs, nil, nil
			}
			return recs, templates(a.base(r), "bookings", bookingRels...), nil
		},
	}
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
	if booked, ok := at.Bool(errs, "booked"); ok {
		want := inbox.BookingTentative
		if booked {
			want = inbox.BookingBooked
		}
		switch {
		case u.Status == nil:
			u.Status = &want
		case booked != (*u.Status == inbox.BookingBooked):
			errs.add(invalid("booked", "contradicts status"))
		}
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

// bookingResponse renders a booking write's answer: the whole record.
func (a *API) bookingResponse(r *http.Request, created bool) func(*app.BookingView) httpx.Response {
	return recordResponse(a, r, created, "/bookings", "bookings", templates(a.base(r), "bookings", bookingRels...),
		func(b *app.BookingView) int64 { return b.ID },
		func(b *app.BookingView) object { return bookingRecord(b.Booking, b.ConversationIDs, false) })
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
	reply(a, w, r, func(ctx context.Context) (*app.BookingView, error) {
		return a.app.CreateBooking(ctx, b)
	}, a.bookingResponse(r, true))
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
	ro, err := bookingSchema.checkUpdate(at)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	r = guardReadOnly(r, a.bookingSpec(r), id, ro)
	var errs fieldErrors
	u := bookingAttrs(at, &errs)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.BookingView, error) {
		return a.app.UpdateBooking(ctx, id, u)
	}, a.bookingResponse(r, false))
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
	reply(a, w, r, func(ctx context.Context) (*app.BookingView, error) {
		return a.app.UpdateBooking(ctx, id, inbox.BookingUpdate{Status: &status})
	}, func(*app.BookingView) httpx.Response { return httpx.Response{Status: http.StatusNoContent} })
}
