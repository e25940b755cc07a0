package bookingsync_test

import (
	"context"
	"fmt"
	"testing"

	inbox "github.com/inboxd/inbox"
)

// What BookingSync's own clients (the ruby gem, synced, a Python client)
// send and expect, beyond the Inbox resources' examples.
func TestBookingSyncClientsGaps(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})

	t.Run("CreatorOfATokenWithoutApp", func(t *testing.T) {
		// A token made without naming an application belongs to the
		// account's only one, so what it creates names its creator.
		tok := e.newToken(e.account.ID, allScopes, nil, 0)
		conv := e.do("POST", "/api/v3/inbox/conversations", tok, wrap("conversations", map[string]any{"subject": "Parking"})).
			must(t, 201).one(t, "conversations")
		if conv["created_by_type"] != inbox.CreatorApplication || id(t, conv, "created_by_id") != e.appID {
			t.Fatalf("created_by=%v/%v, want %s/%d", conv["created_by_type"], conv["created_by_id"], inbox.CreatorApplication, e.appID)
		}
	})

	t.Run("InquiryThroughItsRental", func(t *testing.T) {
		rec := e.do("POST", "/api/v3/rentals/42/inquiries", e.token, wrap("inquiries", map[string]any{
			"firstname": "Rita", "lastname": "Rossi", "email": "rita@example.com", "adults": 2,
			"start_at": "2031-07-01T15:00:00Z", "end_at": "2031-07-08T10:00:00Z"})).must(t, 201).one(t, "inquiries")
		if got := link(t, rec, "rental"); fmt.Sprint(got) != "42" {
			t.Fatalf("links.rental=%v, want 42", got)
		}
		// locked is a string or null, as production types it.
		if v, ok := rec["locked"]; !ok || v != nil {
			t.Fatalf("locked=%v (present %v), want null", v, ok)
		}
		// The path names the rental: another one in the body is a mistake.
		r := e.do("POST", "/api/v3/rentals/42/inquiries", e.token, wrap("inquiries", map[string]any{"firstname": "Rita",
			"rental_id": 43})).must(t, 422)
		if f := r.firstError(t); f["field"] != "rental_id" {
			t.Fatalf("error=%v, want one on rental_id", f)
		}
		e.do("POST", "/api/v3/rentals/0/inquiries", e.token, wrap("inquiries", map[string]any{"firstname": "Rita"})).must(t, 404)
		// A token without an inquiries scope may not.
		narrow := e.newToken(e.account.ID, inbox.Scopes{inbox.ScopeInboxWrite}, &e.appID, 0)
		e.do("POST", "/api/v3/rentals/42/inquiries", narrow, wrap("inquiries", map[string]any{"firstname": "Rita"})).must(t, 403)
	})

	t.Run("ClientCityAndCountryCode", func(t *testing.T) {
		rec := e.do("POST", "/api/v3/clients", e.token, wrap("clients", map[string]any{"fullname": "Ines Costa",
			"city": "Porto", "country_code": "PT"})).must(t, 201).one(t, "clients")
		if _, shown := rec["city"]; shown {
			t.Fatalf("client record shows city: %v (BookingSync clients have none)", rec)
		}
		c := e.storedClient(id(t, rec, "id"))
		if c.AdditionalAttributes["city"] != "Porto" || c.AdditionalAttributes["country_code"] != "PT" {
			t.Fatalf("stored additional attributes %v, want city Porto and country_code PT", c.AdditionalAttributes)
		}
		e.do("PUT", fmt.Sprintf("/api/v3/clients/%d", c.ID), e.token, wrap("clients", map[string]any{"city": "Lisboa"})).must(t, 200)
		if c := e.storedClient(c.ID); c.AdditionalAttributes["city"] != "Lisboa" || c.AdditionalAttributes["country_code"] != "PT" {
			t.Fatalf("after update %v, want city Lisboa, country_code kept", c.AdditionalAttributes)
		}
	})

	t.Run("BookingBooked", func(t *testing.T) {
		for _, tt := range []struct {
			body   map[string]any
			status int
			want   string
		}{
			{map[string]any{"booked": true}, 201, inbox.BookingBooked},
			{map[string]any{"booked": false}, 201, inbox.BookingTentative},
			{map[string]any{"booked": true, "status": "Booked"}, 201, inbox.BookingBooked},
			{map[string]any{"booked": true, "status": "Tentative"}, 422, ""},
		} {
			tt.body["start_at"], tt.body["end_at"] = "2031-08-01T15:00:00Z", "2031-08-03T10:00:00Z"
			r := e.do("POST", "/api/v3/rentals/7/bookings", e.token, wrap("bookings", tt.body)).must(t, tt.status)
			if tt.status == 422 {
				if f := r.firstError(t); f["field"] != "booked" {
					t.Fatalf("%v: error %v, want one on booked", tt.body, f)
				}
				continue
			}
			if got := r.one(t, "bookings")["status"]; got != tt.want {
				t.Fatalf("%v: status=%v, want %v", tt.body, got, tt.want)
			}
		}
	})

	t.Run("ParticipantAccount", func(t *testing.T) {
		conv := e.do("POST", "/api/v3/inbox/conversations", e.token, wrap("conversations", map[string]any{"subject": "Keys"})).
			must(t, 201).one(t, "conversations")
		host := e.do("POST", "/api/v3/hosts", e.token, wrap("hosts", map[string]any{"firstname": "Ada", "lastname": "Host"})).
			must(t, 201).one(t, "hosts")
		r := e.do("POST", "/api/v3/inbox/participants", e.token, wrap("participants", map[string]any{
			"conversation_id": id(t, conv, "id"), "member_id": id(t, host, "id"), "member_type": "Host"})).must(t, 201)
		if got := link(t, r.one(t, "participants"), "account"); fmt.Sprint(got) != fmt.Sprint(e.account.ID) {
			t.Fatalf("links.account=%v, want %d", got, e.account.ID)
		}
		links, _ := r.body["links"].(map[string]any)
		if want := e.srv.URL + "/api/v3/accounts/{participants.account}"; links["participants.account"] != want {
			t.Fatalf("template participants.account=%v, want %s", links["participants.account"], want)
		}
	})
}

// A record read can be sent back: read-only attributes equal to the stored
// ones are ignored, a changed one is a 422 that writes nothing.
func TestReadOnlyAttributesSentBack(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	conv := e.do("POST", "/api/v3/inbox/conversations", e.token, wrap("conversations", map[string]any{"subject": "Late",
		"closed": true})).must(t, 201).one(t, "conversations")
	path := fmt.Sprintf("/api/v3/inbox/conversations/%d", id(t, conv, "id"))
	read := e.do("GET", path, e.token, nil).must(t, 200).one(t, "conversations")

	// Sent back as read, with one writable change: accepted.
	back := map[string]any{"closed_at": read["closed_at"], "created_by_id": read["created_by_id"],
		"created_by_type": read["created_by_type"], "marked_as_spam_at": read["marked_as_spam_at"],
		"read_at": read["read_at"], "default_channel": "email", "id": read["id"], "links": read["links"],
		"updated_at": read["updated_at"], "created_at": read["created_at"]}
	got := e.do("PUT", path, e.token, wrap("conversations", back)).must(t, 200).one(t, "conversations")
	if got["default_channel"] != "email" || got["closed_at"] != read["closed_at"] {
		t.Fatalf("after sending back: default_channel=%v closed_at=%v", got["default_channel"], got["closed_at"])
	}
	// The same instant written another way is the same value.
	if s, ok := read["closed_at"].(string); ok {
		back["closed_at"] = s[:len(s)-1] + ".000+00:00"
		e.do("PUT", path, e.token, wrap("conversations", back)).must(t, 200)
	}

	// A changed read-only attribute: 422 on it, and nothing written.
	for _, change := range []map[string]any{{"closed_at": "2001-01-01T00:00:00Z"}, {"created_by_id": 999},
		{"read_at": "2001-01-01T00:00:00Z"}} {
		body := map[string]any{"default_channel": "airbnb"}
		for k, v := range change {
			body[k] = v
		}
		r := e.do("PUT", path, e.token, wrap("conversations", body)).must(t, 422)
		for k := range change {
			if f := r.firstError(t); f["field"] != k || f["title"] != "is read-only" {
				t.Fatalf("change %v: error %v, want %q is read-only", change, f, k)
			}
		}
		if now := e.do("GET", path, e.token, nil).must(t, 200).one(t, "conversations"); now["default_channel"] != "email" {
			t.Fatalf("change %v: default_channel=%v, want email (nothing written)", change, now["default_channel"])
		}
	}
	// A read-only attribute is still refused on create.
	e.do("POST", "/api/v3/inbox/conversations", e.token, wrap("conversations", map[string]any{"subject": "X",
		"closed_at": nil})).must(t, 422)

	// Participants: read_at sent back unchanged is fine.
	host := e.do("POST", "/api/v3/hosts", e.token, wrap("hosts", map[string]any{"firstname": "Bo", "lastname": "Host"})).
		must(t, 201).one(t, "hosts")
	pt := e.do("POST", "/api/v3/inbox/participants", e.token, wrap("participants", map[string]any{
		"conversation_id": id(t, conv, "id"), "member_id": id(t, host, "id"), "member_type": "Host", "read": true})).
		must(t, 201).one(t, "participants")
	ppath := fmt.Sprintf("/api/v3/inbox/participants/%d", id(t, pt, "id"))
	e.do("PUT", ppath, e.token, wrap("participants", map[string]any{"read": true, "read_at": pt["read_at"]})).must(t, 200)
	e.do("PUT", ppath, e.token, wrap("participants", map[string]any{"read_at": "2001-01-01T00:00:00Z"})).must(t, 422)
}

// storedClient reads a client of the env's account from the store.
func (e *env) storedClient(id int64) *inbox.Client {
	e.t.Helper()
	var c *inbox.Client
	err := e.store.View(context.Background(), func(tx inbox.Tx) (err error) {
		c, err = tx.FindClientByID(context.Background(), e.account.ID, id)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}
