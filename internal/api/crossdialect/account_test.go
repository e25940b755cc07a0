package crossdialect_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// TestContactIsClient: a Chatwoot contact and a BookingSync client are one
// record, whichever dialect creates, changes or deletes it.
func TestContactIsClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("ChatwootToBookingSync", func(t *testing.T) {
		created := e.cw("POST", "/contacts", map[string]any{"name": "Carl Cruz", "email": "carl@example.com",
			"phone_number": "+4712345678", "identifier": "crm-carl",
			"additional_attributes": map[string]any{"company_name": "Cruz AS", "city": "Bergen"}})
		id := num(t, field(t, created, "payload", "contact", "id"))
		c := one(t, e.bs(200, "GET", fmt.Sprintf("/clients/%d", id), nil), "clients")
		for _, tc := range []struct {
			what      string
			got, want any
		}{
			{"fullname", c["fullname"], "Carl Cruz"},
			{"company", c["company"], "Cruz AS"},
			{"email", field(t, c["emails"].([]any)[0], "email"), "carl@example.com"},
			{"phone", field(t, c["phones"].([]any)[0], "number"), "+4712345678"},
		} {
			if tc.got != tc.want {
				t.Errorf("%s=%v, want %v", tc.what, tc.got, tc.want)
			}
		}
		listed := false
		for _, r := range records(t, e.bs(200, "GET", "/clients", nil), "clients") {
			listed = listed || num(t, r["id"]) == id
		}
		if !listed {
			t.Fatalf("BookingSync does not list the contact %d", id)
		}

		// Renamed through Chatwoot, renamed in BookingSync; BookingSync's
		// company change shows as Chatwoot's company_name.
		e.cw("PUT", fmt.Sprintf("/contacts/%d", id), map[string]any{"name": "Carla Cruz"})
		if got := one(t, e.bs(200, "GET", fmt.Sprintf("/clients/%d", id), nil), "clients")["fullname"]; got != "Carla Cruz" {
			t.Fatalf("BookingSync fullname=%v after the Chatwoot rename", got)
		}
		e.bs(200, "PUT", fmt.Sprintf("/clients/%d", id), map[string]any{"clients": []any{map[string]any{"company": "Cruz Group"}}})
		shown := e.cw("GET", fmt.Sprintf("/contacts/%d", id), nil)
		if got := field(t, shown, "payload", "additional_attributes", "company_name"); got != "Cruz Group" {
			t.Fatalf("Chatwoot company_name=%v after the BookingSync change", got)
		}
		if got := field(t, shown, "payload", "additional_attributes", "city"); got != "Bergen" {
			t.Fatalf("Chatwoot city=%v, want it kept", got)
		}

		// Deleted through Chatwoot, gone from BookingSync.
		e.call(http.StatusOK, "DELETE", fmt.Sprintf("/api/v1/accounts/%d/contacts/%d", e.account.ID, id),
			map[string]string{"api_access_token": e.cwAdmin}, nil)
		e.bs(404, "GET", fmt.Sprintf("/clients/%d", id), nil)
	})

	t.Run("BookingSyncToChatwoot", func(t *testing.T) {
		c := one(t, e.bs(201, "POST", "/clients", map[string]any{"clients": []any{map[string]any{
			"fullname": "Dora Dune", "emails": []any{map[string]any{"label": "default", "email": "dora@example.com"}},
			"phones": []any{map[string]any{"label": "mobile", "number": "+4798765432"}},
			"city":   "Oslo", "country_code": "NO"}}}), "clients")
		id := num(t, c["id"])
		shown := field(t, e.cw("GET", fmt.Sprintf("/contacts/%d", id), nil), "payload")
		for _, tc := range []struct {
			what      string
			got, want any
		}{
			{"name", field(t, shown, "name"), "Dora Dune"},
			{"email", field(t, shown, "email"), "dora@example.com"},
			{"phone_number", field(t, shown, "phone_number"), "+4798765432"},
			{"city", field(t, shown, "additional_attributes", "city"), "Oslo"},
			{"country_code", field(t, shown, "additional_attributes", "country_code"), "NO"},
		} {
			if tc.got != tc.want {
				t.Errorf("%s=%v, want %v", tc.what, tc.got, tc.want)
			}
		}
		// Chatwoot's searches find it by any of its words, at once.
		for _, path := range []string{"/contacts/search?q=dora", "/contacts?page=1"} {
			found := false
			for _, x := range e.cw("GET", path, nil)["payload"].([]any) {
				found = found || num(t, field(t, x, "id")) == id
			}
			if !found {
				t.Errorf("GET %s does not find the client %d", path, id)
			}
		}
		hits := field(t, e.cw("GET", "/search/contacts?q="+url.QueryEscape("+4798765432"), nil), "payload", "contacts").([]any)
		if len(hits) != 1 || num(t, field(t, hits[0], "id")) != id {
			t.Fatalf("search by phone: %v", hits)
		}
		e.bs(200, "PUT", fmt.Sprintf("/clients/%d", id), map[string]any{"clients": []any{map[string]any{"fullname": "Dora Dahl"}}})
		if got := field(t, e.cw("GET", fmt.Sprintf("/contacts/%d", id), nil), "payload", "name"); got != "Dora Dahl" {
			t.Fatalf("Chatwoot name=%v after the BookingSync rename", got)
		}
	})
}

// TestN8nFlow is what an n8n workflow does through Chatwoot only: find the
// contact by e-mail, create it when absent, give it an identity in the API
// inbox, open a conversation by that identity, post the guest's message,
// assign it and resolve it. BookingSync then reads all of it.
func TestN8nFlow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	box := e.defaultInbox()

	// 1. Search: not there yet.
	found := e.cw("GET", "/contacts/search?q="+url.QueryEscape("nina@example.com"), nil)
	if n := len(found["payload"].([]any)); n != 0 {
		t.Fatalf("found %d contacts before creating one", n)
	}
	// 2. Create it.
	created := e.cw("POST", "/contacts", map[string]any{"name": "Nina North", "email": "nina@example.com"})
	contactID := num(t, field(t, created, "payload", "contact", "id"))
	// 3. Its identity in the API inbox.
	ci := e.cw("POST", fmt.Sprintf("/contacts/%d/contact_inboxes", contactID), map[string]any{"inbox_id": box,
		"source_id": "n8n-nina"})
	if ci["source_id"] != "n8n-nina" {
		t.Fatalf("contact inbox %v", ci)
	}
	// A second run of the workflow finds the contact.
	found = e.cw("GET", "/contacts/search?q="+url.QueryEscape("nina@example.com"), nil)
	if list := found["payload"].([]any); len(list) != 1 || num(t, field(t, list[0], "id")) != contactID {
		t.Fatalf("search after create: %v", list)
	}
	// 4. A conversation by source_id and inbox_id, no contact_id.
	conv := e.cw("POST", "/conversations", map[string]any{"source_id": "n8n-nina", "inbox_id": box})
	display := num(t, conv["id"])
	if got := num(t, field(t, e.cw("GET", fmt.Sprintf("/conversations/%d", display), nil), "meta", "sender", "id")); got != contactID {
		t.Fatalf("conversation contact %d, want %d", got, contactID)
	}
	// 5. The guest's message, 6. assigned, 7. resolved.
	msg := e.cw("POST", fmt.Sprintf("/conversations/%d/messages", display), map[string]any{"content": "Is the pool heated?",
		"message_type": "incoming"})
	e.cw("POST", fmt.Sprintf("/conversations/%d/assignments", display), map[string]any{"assignee_id": e.agent.ID})
	e.cw("POST", fmt.Sprintf("/conversations/%d/toggle_status", display), map[string]any{"status": "resolved"})

	// BookingSync reads the same conversation.
	bc := one(t, e.bs(200, "GET", "/inbox/conversations", nil), "conversations")
	if bc["closed_at"] == nil {
		t.Fatalf("closed_at=null, want resolved")
	}
	if a := field(t, bc, "links", "assignee"); a == nil || num(t, a) != e.agent.ID {
		t.Fatalf("links.assignee=%v, want %d", a, e.agent.ID)
	}
	msgIDs := nums(t, field(t, bc, "links", "messages"))
	if len(msgIDs) != 1 || msgIDs[0] != num(t, msg["id"]) {
		t.Fatalf("links.messages=%v, want the guest's message", msgIDs)
	}
	m := one(t, e.bs(200, "GET", fmt.Sprintf("/inbox/messages/%d", msgIDs[0]), nil), "messages")
	if m["content"] != "Is the pool heated?" || m["origin"] != "bookingsync_inbox" || m["visibility"] != "external" {
		t.Fatalf("message %v: want the content, the API inbox's origin, external", m)
	}
	if m["created_by_type"] != nil && m["created_by_id"] == nil {
		t.Fatalf("created_by_type=%v with created_by_id=null", m["created_by_type"])
	}
	pt := one(t, e.bs(200, "GET", fmt.Sprintf("/inbox/participants/%d", num(t, field(t, m, "links", "sender"))), nil), "participants")
	if field(t, pt, "links", "member", "type") != "Client" || num(t, field(t, pt, "links", "member", "id")) != contactID {
		t.Fatalf("sender %v, want the contact", pt)
	}
	client := one(t, e.bs(200, "GET", fmt.Sprintf("/clients/%d", contactID), nil), "clients")
	if client["fullname"] != "Nina North" {
		t.Fatalf("client %v", client)
	}
}
