// Package routes_test walks the route tables of both dialects with a valid
// request for every route and checks the rule every handler follows: one
// request is one internal/app call and one transaction. A read takes one read
// transaction and no write; a write takes one write transaction and no read
// (an Idempotency-Key replay too: the key is looked up inside the write
// transaction, with no preflight). Token lookups are counted apart: they are
// cached outside the app call.
//
// It also checks that a route's declared scope means something: a
// BookingSync token holding only that scope is served, a token holding every
// scope but those that grant it gets 403, and the use case behind the route
// requires exactly that scope (internal/app fails the request with a 500 when
// the route table and the use case disagree, which the 2xx checks catch).
//
// A route added to either dialect fails this test until it has a request in
// the table below.
package routes_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/api/bookingsync"
	"github.com/inboxd/inbox/internal/api/chatwoot"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/fetch"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/httpx"
	"github.com/inboxd/inbox/internal/inboxtest"
)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// fixture is one account with a record of each kind, and tokens.
type fixture struct {
	t                         *testing.T
	app                       *app.App
	admin                     *app.Admin
	ctx                       context.Context // acting as the administrator
	account                   int64
	hostID                    int64
	clientID                  int64
	appID                     int64
	clientIDStr, clientSecret string
	bsToken                   string // every scope
	cwToken                   string // the administrator's personal token
	// scoped holds, per scope, a token with only that scope.
	scoped map[inbox.Scope]string
	// source, booking, inquiry are shared records that writes may change.
	source, booking, inquiry int64
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newFixture(t *testing.T, a *app.App) *fixture {
	ctx := context.Background()
	f := &fixture{t: t, app: a, admin: app.NewAdmin(a), scoped: map[inbox.Scope]string{}}
	acc := &inbox.Account{Name: "Routes"}
	must(t, f.admin.CreateAccount(ctx, acc))
	f.account = acc.ID
	host := &inbox.Host{AccountID: acc.ID, Firstname: "Ada", Lastname: "Admin", Email: "ada@routes.example",
		Role: inbox.RoleAdministrator}
	var err error
	f.cwToken, err = f.admin.CreateHostWithToken(ctx, host, nil)
	must(t, err)
	f.hostID = host.ID
	application := &inbox.Application{AccountID: acc.ID, Name: "PMS", Scopes: inbox.KnownScopes}
	f.clientSecret, err = f.admin.CreateApplication(ctx, application)
	must(t, err)
	f.appID, f.clientIDStr = application.ID, application.ClientID
	g, err := f.admin.CreateToken(ctx, acc.ID, inbox.KnownScopes, &application.ID, 0)
	must(t, err)
	f.bsToken = g.AccessToken
	for _, s := range inbox.KnownScopes {
		g, err := f.admin.CreateToken(ctx, acc.ID, inbox.Scopes{s}, &application.ID, 0)
		must(t, err)
		f.scoped[s] = g.AccessToken
	}
	p, err := a.Authenticate(ctx, f.cwToken)
	must(t, err)
	f.ctx = inbox.NewContextWithPrincipal(ctx, p)
	cl, err := a.CreateClient(f.ctx, &inbox.Client{Fullname: "Grace Guest"})
	must(t, err)
	f.clientID = cl.ID
	src, err := a.CreateSource(f.ctx, &inbox.Source{Name: "Direct"})
	must(t, err)
	f.source = src.ID
	bk, err := a.CreateBooking(f.ctx, &inbox.Booking{StartAt: mustTime("2030-01-01T00:00:00Z"), EndAt: mustTime("2030-01-05T00:00:00Z")})
	must(t, err)
	f.booking = bk.ID
	q, err := a.CreateInquiry(f.ctx, &inbox.Inquiry{Firstname: "Ines"})
	must(t, err)
	f.inquiry = q.ID
	return f
}

// without returns a token with every scope that does not grant s.
func (f *fixture) without(s inbox.Scope) string {
	var scopes inbox.Scopes
	for _, k := range inbox.KnownScopes {
		if !(inbox.Scopes{k}).Has(s) {
			scopes = append(scopes, k)
		}
	}
	g, err := f.admin.CreateToken(context.Background(), f.account, scopes, &f.appID, 0)
	must(f.t, err)
	return g.AccessToken
}

// conv is a fresh conversation with the contact, a host participant and a
// message from the host.
type conv struct {
	id, display, participant, message int64
}

func (f *fixture) conversation() conv {
	f.t.Helper()
	c, err := f.app.CreateConversation(f.ctx, app.ConversationCreate{ClientID: &f.clientID})
	must(f.t, err)
	text := "Hello"
	m, err := f.app.CreateMessage(f.ctx, app.MessageCreate{ConversationID: c.ID, Content: &text})
	must(f.t, err)
	return conv{id: c.ID, display: c.DisplayID, participant: *m.SenderID, message: m.ID}
}

func (f *fixture) attachment() int64 {
	f.t.Helper()
	att, err := f.app.CreateAttachment(f.ctx, inbox.FileUpload{Name: "a.txt", ContentType: "text/plain", Data: []byte("hi")})
	must(f.t, err)
	return att.ID
}

func mustTime(s string) time.Time {
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return v
}

// request is one valid request of a route.
type request struct {
	path   string // with ids filled in (and a query, if any)
	body   any    // JSON body; nil for none
	form   url.Values
	status int // the 2xx it answers
	// scope is the scope a BookingSync route declares ("" for others).
	scope inbox.Scope
	// bearer overrides the token: "" uses the dialect's full token.
	bearer string
	// none marks a route that makes no app call (catch-alls).
	none bool
}

func wrap(root string, attrs map[string]any) map[string]any {
	return map[string]any{root: []any{attrs}}
}

// requests holds a valid request per route pattern. The function is called
// once per request sent, so writes get fresh records.
func requests(f *fixture) map[string]func() request {
	cw := func(c conv, rest string) string {
		return fmt.Sprintf("/api/v1/accounts/%d/conversations/%d%s", f.account, c.display, rest)
	}
	cwBase := fmt.Sprintf("/api/v1/accounts/%d/conversations", f.account)
	id := func(n int64) string { return fmt.Sprint(n) }
	r := map[string]func() request{
		// OAuth.
		"POST /oauth/token": func() request {
			return request{path: "/oauth/token", status: 200, form: url.Values{"grant_type": {"client_credentials"},
				"client_id": {f.clientIDStr}, "client_secret": {f.clientSecret}}}
		},
		"POST /oauth/revoke": func() request {
			g, err := f.admin.CreateToken(context.Background(), f.account, inbox.Scopes{inbox.ScopeInboxRead}, &f.appID, 0)
			must(f.t, err)
			return request{path: "/oauth/revoke", status: 200, form: url.Values{"token": {g.AccessToken},
				"client_id": {f.clientIDStr}, "client_secret": {f.clientSecret}}}
		},
		"GET /oauth/token/info": func() request { return request{path: "/oauth/token/info", status: 200} },
		"/api/v3/": func() request {
			return request{path: "/api/v3/no-such-route", status: 404, none: true, scope: inbox.ScopePublic}
		},
		"/api/v1/": func() request { return request{path: "/api/v1/no-such-route", status: 404, none: true} },
	}
	bs := func(pattern string, fn func() request) { r[pattern] = fn }
	for _, m := range []string{"PUT", "PATCH"} {
		bs(m+" /api/v3/inbox/conversations/{id}", func() request {
			return request{path: "/api/v3/inbox/conversations/" + id(f.conversation().id), scope: inbox.ScopeInboxWrite,
				status: 200, body: wrap("conversations", map[string]any{"closed": true})}
		})
		bs(m+" /api/v3/inbox/conversations/{id}/connect_booking", func() request {
			return request{path: "/api/v3/inbox/conversations/" + id(f.conversation().id) + "/connect_booking",
				scope: inbox.ScopeInboxWrite, status: 200, body: wrap("bookings", map[string]any{"id": f.booking})}
		})
		bs(m+" /api/v3/inbox/conversations/{id}/disconnect_booking", func() request {
			c := f.conversation()
			_, err := f.app.ConnectBooking(f.ctx, app.ByID(c.id), f.booking, app.ViewOptions{})
			must(f.t, err)
			return request{path: "/api/v3/inbox/conversations/" + id(c.id) + "/disconnect_booking",
				scope: inbox.ScopeInboxWrite, status: 200, body: wrap("bookings", map[string]any{"id": f.booking})}
		})
		bs(m+" /api/v3/inbox/participants/{id}", func() request {
			return request{path: "/api/v3/inbox/participants/" + id(f.conversation().participant), scope: inbox.ScopeInboxWrite,
				status: 200, body: wrap("participants", map[string]any{"read": true})}
		})
		bs(m+" /api/v3/inbox/messages/{id}", func() request {
			return request{path: "/api/v3/inbox/messages/" + id(f.conversation().message), scope: inbox.ScopeInboxWrite,
				status: 200, body: wrap("messages", map[string]any{"content": "Edited"})}
		})
		bs(m+" /api/v3/inbox/messages/{id}/add_attachment", func() request {
			return request{path: "/api/v3/inbox/messages/" + id(f.conversation().message) + "/add_attachment",
				scope: inbox.ScopeInboxWrite, status: 200, body: wrap("attachments", map[string]any{"id": f.attachment()})}
		})
		bs(m+" /api/v3/inbox/attachments/{id}", func() request {
			return request{path: "/api/v3/inbox/attachments/" + id(f.attachment()), scope: inbox.ScopeInboxWrite,
				status: 200, body: wrap("attachments", map[string]any{"name": "renamed.txt"})}
		})
		bs(m+" /api/v3/hosts/{id}", func() request {
			return request{path: "/api/v3/hosts/" + id(f.hostID), scope: inbox.ScopeInboxWrite, status: 200,
				body: wrap("hosts", map[string]any{"firstname": "Ada"})}
		})
		bs(m+" /api/v3/clients/{id}", func() request {
			return request{path: "/api/v3/clients/" + id(f.clientID), scope: inbox.ScopeClientsWrite, status: 200,
				body: wrap("clients", map[string]any{"fullname": "Grace Guest"})}
		})
		bs(m+" /api/v3/sources/{id}", func() request {
			return request{path: "/api/v3/sources/" + id(f.source), scope: inbox.ScopeBookingsWriteOwned, status: 200,
				body: wrap("sources", map[string]any{"name": "Direct"})}
		})
		bs(m+" /api/v3/bookings/{id}", func() request {
			return request{path: "/api/v3/bookings/" + id(f.booking), scope: inbox.ScopeBookingsWriteOwned, status: 200,
				body: wrap("bookings", map[string]any{"reference": "R-1"})}
		})
		bs(m+" /api/v3/inquiries/{id}", func() request {
			return request{path: "/api/v3/inquiries/" + id(f.inquiry), scope: inbox.ScopeInquiriesWriteOwned, status: 200,
				body: wrap("inquiries", map[string]any{"firstname": "Ines"})}
		})
	}
	// Listings: with updated_since (meta.deleted_ids) and include= (embeds),
	// so that every part a GET can read is read.
	list := func(pattern, path string, scope inbox.Scope, include string, one func() int64) {
		q := "?updated_since=2000-01-01T00:00:00Z"
		if include != "" {
			q += "&include=" + include
		}
		bs("GET "+path, func() request { return request{path: path + q, scope: scope, status: 200} })
		bs("GET "+path+"/{ids}", func() request {
			return request{path: path + "/" + id(one()) + q, scope: scope, status: 200}
		})
	}
	list("conversations", "/api/v3/inbox/conversations", inbox.ScopeInboxRead, "bookings,participants,messages,assignee",
		func() int64 { return f.conversation().id })
	list("participants", "/api/v3/inbox/participants", inbox.ScopeInboxRead, "conversation,member",
		func() int64 { return f.conversation().participant })
	list("messages", "/api/v3/inbox/messages", inbox.ScopeInboxRead, "sender,conversation,attachments",
		func() int64 { return f.conversation().message })
	list("attachments", "/api/v3/inbox/attachments", inbox.ScopeInboxRead, "account", f.attachment)
	list("accounts", "/api/v3/accounts", inbox.ScopePublic, "", func() int64 { return f.account })
	list("hosts", "/api/v3/hosts", inbox.ScopeInboxRead, "participants", func() int64 { return f.hostID })
	list("clients", "/api/v3/clients", inbox.ScopeClientsRead, "", func() int64 { return f.clientID })
	list("sources", "/api/v3/sources", inbox.ScopeBookingsRead, "", func() int64 { return f.source })
	list("bookings", "/api/v3/bookings", inbox.ScopePublic, "", func() int64 { return f.booking })
	list("inquiries", "/api/v3/inquiries", inbox.ScopeInquiriesRead, "", func() int64 { return f.inquiry })
	bs("POST /api/v3/inbox/conversations", func() request {
		return request{path: "/api/v3/inbox/conversations", scope: inbox.ScopeInboxWrite, status: 201,
			body: wrap("conversations", map[string]any{"subject": "Parking"})}
	})
	bs("POST /api/v3/inbox/participants", func() request {
		return request{path: "/api/v3/inbox/participants", scope: inbox.ScopeInboxWrite, status: 201,
			body: wrap("participants", map[string]any{"conversation_id": f.conversation().id, "member_id": f.hostID,
				"member_type": "Host"})}
	})
	bs("POST /api/v3/inbox/messages", func() request {
		c := f.conversation()
		return request{path: "/api/v3/inbox/messages", scope: inbox.ScopeInboxWrite, status: 201,
			body: wrap("messages", map[string]any{"content": "Hi", "origin": "email", "visibility": "external",
				"conversation_id": c.id, "sender_id": c.participant})}
	})
	bs("POST /api/v3/inbox/attachments", func() request {
		return request{path: "/api/v3/inbox/attachments", scope: inbox.ScopeInboxWrite, status: 201,
			body: wrap("attachments", map[string]any{"name": "b.txt", "file": "aGVsbG8="})}
	})
	bs("POST /api/v3/hosts", func() request {
		return request{path: "/api/v3/hosts", scope: inbox.ScopeInboxWrite, status: 201,
			body: wrap("hosts", map[string]any{"firstname": "Bo", "lastname": "Host"})}
	})
	bs("POST /api/v3/clients", func() request {
		return request{path: "/api/v3/clients", scope: inbox.ScopeClientsWrite, status: 201,
			body: wrap("clients", map[string]any{"fullname": "New Guest"})}
	})
	bs("POST /api/v3/sources", func() request {
		return request{path: "/api/v3/sources", scope: inbox.ScopeBookingsWriteOwned, status: 201,
			body: wrap("sources", map[string]any{"name": "Phone"})}
	})
	bs("POST /api/v3/rentals/{rental_id}/bookings", func() request {
		return request{path: "/api/v3/rentals/7/bookings", scope: inbox.ScopeBookingsWriteOwned, status: 201,
			body: wrap("bookings", map[string]any{"start_at": "2031-01-01T00:00:00Z", "end_at": "2031-01-03T00:00:00Z"})}
	})
	bs("DELETE /api/v3/bookings/{id}", func() request {
		bk, err := f.app.CreateBooking(f.ctx, &inbox.Booking{StartAt: mustTime("2032-01-01T00:00:00Z"),
			EndAt: mustTime("2032-01-02T00:00:00Z")})
		must(f.t, err)
		return request{path: "/api/v3/bookings/" + id(bk.ID), scope: inbox.ScopeBookingsWriteOwned, status: 204}
	})
	bs("POST /api/v3/rentals/{rental_id}/inquiries", func() request {
		return request{path: "/api/v3/rentals/7/inquiries", scope: inbox.ScopeInquiriesWriteOwned, status: 201,
			body: wrap("inquiries", map[string]any{"firstname": "Rita"})}
	})
	bs("POST /api/v3/inquiries", func() request {
		return request{path: "/api/v3/inquiries", scope: inbox.ScopeInquiriesWriteOwned, status: 201,
			body: wrap("inquiries", map[string]any{"firstname": "Ivo"})}
	})
	hook := func(appID *int64, events ...string) int64 {
		target := "https://receiver.example/hook"
		v, err := f.admin.CreateWebhook(context.Background(), f.account, appID, app.WebhookChange{URL: &target, Events: &events})
		must(f.t, err)
		return v.ID
	}
	bs("GET /api/v3/webhooks", func() request {
		return request{path: "/api/v3/webhooks", scope: inbox.ScopeWebhooksRead, status: 200}
	})
	bs("GET /api/v3/webhooks/{id}", func() request {
		return request{path: "/api/v3/webhooks/" + id(hook(&f.appID, "inbox_message_created")), scope: inbox.ScopeWebhooksRead, status: 200}
	})
	bs("POST /api/v3/webhooks", func() request {
		return request{path: "/api/v3/webhooks", scope: inbox.ScopeWebhooksWrite, status: 201,
			body: wrap("webhooks", map[string]any{"url": "https://receiver.example/new", "events": []string{"inbox_message_created"}})}
	})
	for _, m := range []string{"PUT", "PATCH"} {
		bs(m+" /api/v3/webhooks/{id}", func() request {
			return request{path: "/api/v3/webhooks/" + id(hook(&f.appID, "inbox_message_created")), scope: inbox.ScopeWebhooksWrite,
				status: 200, body: wrap("webhooks", map[string]any{"events": []string{"inbox_conversation_created"}})}
		})
	}
	bs("DELETE /api/v3/webhooks/{id}", func() request {
		return request{path: "/api/v3/webhooks/" + id(hook(&f.appID, "inbox_message_created")), scope: inbox.ScopeWebhooksWrite, status: 204}
	})

	// Chatwoot.
	cwr := func(pattern string, fn func() request) { r[pattern] = fn }
	cwHooks := fmt.Sprintf("/api/v1/accounts/%d/webhooks", f.account)
	cwr("GET /api/v1/accounts/{account_id}/webhooks", func() request { return request{path: cwHooks, status: 200} })
	cwr("POST /api/v1/accounts/{account_id}/webhooks", func() request {
		return request{path: cwHooks, status: 200, body: map[string]any{"webhook": map[string]any{
			"url": "https://receiver.example/cw", "subscriptions": []string{"message_created"}}}}
	})
	for _, m := range []string{"PATCH", "PUT", "DELETE"} {
		cwr(m+" /api/v1/accounts/{account_id}/webhooks/{webhook_id}", func() request {
			req := request{path: cwHooks + "/" + id(hook(nil, "message_created")), status: 200}
			if m != "DELETE" {
				req.body = map[string]any{"url": "https://receiver.example/moved"}
			}
			return req
		})
	}
	cwr("GET "+"/api/v1/accounts/{account_id}/conversations", func() request {
		return request{path: cwBase + "?status=all", status: 200}
	})
	cwr("GET /api/v1/accounts/{account_id}/conversations/meta", func() request {
		return request{path: cwBase + "/meta?status=all", status: 200}
	})
	cwr("POST /api/v1/accounts/{account_id}/conversations/filter", func() request {
		return request{path: cwBase + "/filter", status: 200, body: map[string]any{"payload": []any{map[string]any{
			"attribute_key": "status", "filter_operator": "equal_to", "values": []string{"open"}, "query_operator": nil}}}}
	})
	cwr("POST /api/v1/accounts/{account_id}/conversations", func() request {
		return request{path: cwBase, status: 200, body: map[string]any{"contact_id": f.clientID,
			"inbox_id": f.apiInbox(), "message": map[string]any{"content": "First"}}}
	})
	conversationRoute := func(method, rest string, body func(c conv) any) {
		pattern := method + " /api/v1/accounts/{account_id}/conversations/{conversation_id}" + rest
		cwr(pattern, func() request {
			c := f.conversation()
			req := request{path: cw(c, rest), status: 200}
			if body != nil {
				req.body = body(c)
			}
			return req
		})
	}
	conversationRoute("GET", "", nil)
	conversationRoute("PATCH", "", func(conv) any { return map[string]any{"priority": "high"} })
	conversationRoute("PUT", "", func(conv) any { return map[string]any{"priority": "low"} })
	conversationRoute("DELETE", "", nil)
	conversationRoute("POST", "/toggle_status", func(conv) any { return map[string]any{"status": "resolved"} })
	conversationRoute("POST", "/toggle_priority", func(conv) any { return map[string]any{"priority": "urgent"} })
	conversationRoute("POST", "/assignments", func(conv) any { return map[string]any{"assignee_id": f.hostID} })
	conversationRoute("GET", "/labels", nil)
	conversationRoute("POST", "/labels", func(conv) any { return map[string]any{"labels": []string{"vip"}} })
	conversationRoute("POST", "/custom_attributes", func(conv) any {
		return map[string]any{"custom_attributes": map[string]any{"floor": 2}}
	})
	conversationRoute("POST", "/update_last_seen", nil)
	conversationRoute("POST", "/unread", nil)
	conversationRoute("POST", "/mute", nil)
	conversationRoute("POST", "/unmute", nil)
	conversationRoute("GET", "/participants", nil)
	for _, m := range []string{"POST", "PATCH", "PUT", "DELETE"} {
		conversationRoute(m, "/participants", func(conv) any { return map[string]any{"user_ids": []int64{f.hostID}} })
	}
	conversationRoute("GET", "/messages", nil)
	conversationRoute("POST", "/messages", func(conv) any { return map[string]any{"content": "Reply"} })
	for _, m := range []string{"PATCH", "PUT", "DELETE"} {
		pattern := m + " /api/v1/accounts/{account_id}/conversations/{conversation_id}/messages/{message_id}"
		cwr(pattern, func() request {
			c := f.conversation()
			req := request{path: cw(c, "/messages/"+id(c.message)), status: 200}
			if m != "DELETE" {
				req.body = map[string]any{"status": "read"}
			}
			return req
		})
	}
	accountRoutes(f, cwr)
	return r
}

// accountRoutes adds the Chatwoot account resources: contacts, inboxes and
// members, agents, labels, canned responses, search and the profile.
func accountRoutes(f *fixture, cwr func(string, func() request)) {
	acc := fmt.Sprintf("/api/v1/accounts/%d", f.account)
	const pat = "/api/v1/accounts/{account_id}"
	id := func(n int64) string { return fmt.Sprint(n) }
	get := func(pattern, path string) {
		cwr("GET "+pat+pattern, func() request { return request{path: acc + path, status: 200} })
	}
	seq := 0
	next := func() string { seq++; return fmt.Sprint(seq) }
	contact := func() int64 {
		v, err := f.app.CreateContact(f.ctx, app.ContactCreate{Client: inbox.Client{Fullname: "Cora " + next(),
			Email: "cora" + fmt.Sprint(seq) + "@example.com"}})
		must(f.t, err)
		return v.Contact.ID
	}
	get("/conversations/search", "/conversations/search?q=Hello")
	get("/contacts", "/contacts?sort=-name&page=1")
	get("/contacts/search", "/contacts/search?q=grace")
	cwr("POST "+pat+"/contacts/filter", func() request {
		return request{path: acc + "/contacts/filter?page=1", status: 200, body: map[string]any{"payload": []any{
			map[string]any{"attribute_key": "name", "filter_operator": "contains", "values": []string{"gr"}, "query_operator": nil}}}}
	})
	cwr("POST "+pat+"/contacts", func() request {
		n := next()
		return request{path: acc + "/contacts", status: 200, body: map[string]any{"name": "Dora " + n,
			"email": "dora" + n + "@example.com", "inbox_id": f.apiInbox()}}
	})
	cwr("GET "+pat+"/contacts/{id}", func() request { return request{path: acc + "/contacts/" + id(contact()), status: 200} })
	for _, m := range []string{"PUT", "PATCH"} {
		cwr(m+" "+pat+"/contacts/{id}", func() request {
			return request{path: acc + "/contacts/" + id(contact()), status: 200, body: map[string]any{"phone_number": "+15550100"}}
		})
	}
	cwr("DELETE "+pat+"/contacts/{id}", func() request { return request{path: acc + "/contacts/" + id(contact()), status: 200} })
	cwr("GET "+pat+"/contacts/{id}/conversations", func() request {
		f.conversation()
		return request{path: acc + "/contacts/" + id(f.clientID) + "/conversations", status: 200}
	})
	cwr("POST "+pat+"/contacts/{id}/contact_inboxes", func() request {
		return request{path: acc + "/contacts/" + id(contact()) + "/contact_inboxes", status: 200,
			body: map[string]any{"inbox_id": f.apiInbox(), "source_id": "src-" + next()}}
	})

	newInbox := func() int64 {
		b, err := f.app.CreateInbox(f.ctx, inbox.Inbox{Name: "Inbox " + next(), Channel: inbox.ChannelAPI})
		must(f.t, err)
		return b.ID
	}
	get("/inboxes", "/inboxes")
	cwr("POST "+pat+"/inboxes", func() request {
		return request{path: acc + "/inboxes", status: 200, body: map[string]any{"name": "Site " + next(),
			"channel": map[string]any{"type": "api", "webhook_url": "https://hooks.example/inboxd"}}}
	})
	cwr("GET "+pat+"/inboxes/{id}", func() request { return request{path: acc + "/inboxes/" + id(newInbox()), status: 200} })
	for _, m := range []string{"PUT", "PATCH"} {
		cwr(m+" "+pat+"/inboxes/{id}", func() request {
			return request{path: acc + "/inboxes/" + id(newInbox()), status: 200, body: map[string]any{"name": "Renamed"}}
		})
	}
	cwr("GET "+pat+"/inbox_members/{inbox_id}", func() request {
		return request{path: acc + "/inbox_members/" + id(newInbox()), status: 200}
	})
	for _, m := range []string{"POST", "PATCH", "PUT", "DELETE"} {
		cwr(m+" "+pat+"/inbox_members", func() request {
			return request{path: acc + "/inbox_members", status: 200, body: map[string]any{"inbox_id": newInbox(),
				"user_ids": []int64{f.hostID}}}
		})
	}

	agent := func() int64 {
		h, err := f.app.CreateAgent(f.ctx, app.AgentCreate{Name: "Ann " + next(), Email: "ann" + fmt.Sprint(seq) + "@example.com"})
		must(f.t, err)
		return h.ID
	}
	get("/agents", "/agents")
	cwr("POST "+pat+"/agents", func() request {
		n := next()
		return request{path: acc + "/agents", status: 200, body: map[string]any{"name": "Bea " + n,
			"email": "bea" + n + "@example.com", "role": "agent"}}
	})
	for _, m := range []string{"PUT", "PATCH"} {
		cwr(m+" "+pat+"/agents/{id}", func() request {
			return request{path: acc + "/agents/" + id(agent()), status: 200, body: map[string]any{"role": "administrator"}}
		})
	}
	cwr("DELETE "+pat+"/agents/{id}", func() request { return request{path: acc + "/agents/" + id(agent()), status: 200} })

	label := func() int64 {
		l, err := f.app.CreateLabel(f.ctx, inbox.Label{Title: "label-" + next()})
		must(f.t, err)
		return l.ID
	}
	get("/labels", "/labels")
	cwr("POST "+pat+"/labels", func() request {
		return request{path: acc + "/labels", status: 200, body: map[string]any{"title": "new-" + next(), "color": "#00ff00"}}
	})
	cwr("GET "+pat+"/labels/{id}", func() request { return request{path: acc + "/labels/" + id(label()), status: 200} })
	for _, m := range []string{"PUT", "PATCH"} {
		cwr(m+" "+pat+"/labels/{id}", func() request {
			return request{path: acc + "/labels/" + id(label()), status: 200, body: map[string]any{"description": "Changed"}}
		})
	}
	cwr("DELETE "+pat+"/labels/{id}", func() request { return request{path: acc + "/labels/" + id(label()), status: 200} })

	canned := func() int64 {
		c, err := f.app.CreateCannedResponse(f.ctx, inbox.CannedResponse{ShortCode: "code-" + next(), Content: "Hi"})
		must(f.t, err)
		return c.ID
	}
	get("/canned_responses", "/canned_responses?search=code")
	cwr("POST "+pat+"/canned_responses", func() request {
		return request{path: acc + "/canned_responses", status: 200, body: map[string]any{"short_code": "new-" + next(),
			"content": "Welcome"}}
	})
	for _, m := range []string{"PUT", "PATCH"} {
		cwr(m+" "+pat+"/canned_responses/{id}", func() request {
			return request{path: acc + "/canned_responses/" + id(canned()), status: 200, body: map[string]any{"content": "Changed"}}
		})
	}
	cwr("DELETE "+pat+"/canned_responses/{id}", func() request {
		return request{path: acc + "/canned_responses/" + id(canned()), status: 200}
	})

	get("/search", "/search?q=grace")
	get("/search/conversations", "/search/conversations?q=hello")
	get("/search/contacts", "/search/contacts?q=grace")
	get("/search/messages", "/search/messages?q=hello")
	cwr("GET /api/v1/profile", func() request { return request{path: "/api/v1/profile", status: 200} })
}

// apiInbox is the account's default API inbox.
func (f *fixture) apiInbox() int64 {
	boxes, err := app.View(f.ctx, f.app, inbox.ScopeInboxRead, (*app.Loader).Inboxes)
	must(f.t, err)
	for _, b := range boxes {
		if b.Channel == inbox.ChannelAPI {
			return b.ID
		}
	}
	f.t.Fatal("no API inbox")
	return 0
}

type reply struct {
	status   int
	body     string
	replayed bool
}

func send(t *testing.T, srv *httptest.Server, method string, req request, header, token, key string) reply {
	t.Helper()
	var body io.Reader
	ctype := ""
	switch {
	case req.form != nil:
		body, ctype = strings.NewReader(req.form.Encode()), "application/x-www-form-urlencoded"
	case req.body != nil:
		b, err := json.Marshal(req.body)
		must(t, err)
		body, ctype = strings.NewReader(string(b)), "application/json"
	}
	hr, err := http.NewRequest(method, srv.URL+req.path, body)
	must(t, err)
	if ctype != "" {
		hr.Header.Set("Content-Type", ctype)
	}
	if header != "" {
		hr.Header.Set(header, token)
	}
	if key != "" {
		hr.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(hr)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, body: string(b), replayed: resp.Header.Get("Idempotent-Replayed") == "true"}
}

func TestOneTransactionPerRequest(t *testing.T) {
	store := inboxtest.NewCountingStore(inboxtest.MustOpenStore(t))
	files, err := filestore.New(t.TempDir())
	must(t, err)
	a := app.New(app.Deps{Store: store, Files: files, Fetcher: fetch.New(), Logger: discard()})
	rec := inboxtest.NewRouteRecorder()
	bookingsync.New(bookingsync.Deps{App: a, Logger: discard()}).Register(rec)
	chatwoot.New(chatwoot.Deps{App: a, Logger: discard()}).Register(rec)
	srv := httptest.NewServer(httpx.Middleware(rec.Mux, discard(), 16<<20, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
	}))
	defer srv.Close()
	f := newFixture(t, a)
	table := requests(f)
	if len(rec.Patterns) < 60 {
		t.Fatalf("route table has %d routes; the recorder missed some", len(rec.Patterns))
	}
	var reads, writes int
	for _, pattern := range rec.Patterns {
		build, ok := table[pattern]
		if !ok {
			t.Errorf("route %q has no request in this test's table: add one", pattern)
			continue
		}
		method, _, found := strings.Cut(pattern, " ")
		if !found {
			method = "GET"
		}
		t.Run(pattern, func(t *testing.T) {
			req := build()
			header, token := "", ""
			switch {
			case strings.HasPrefix(req.path, "/api/v3"), req.path == "/oauth/token/info":
				header, token = "Authorization", "Bearer "+f.bsToken
			case strings.HasPrefix(req.path, "/api/v1"):
				header, token = "api_access_token", f.cwToken
			}
			read := method == "GET" || strings.HasSuffix(pattern, "/filter")
			store.Reset()
			got := send(t, srv, method, req, header, token, "")
			n := store.Counts()
			if got.status != req.status {
				t.Fatalf("status=%d, want %d; body %s", got.status, req.status, got.body)
			}
			want := inboxtest.TxCounts{Reads: 1}
			switch {
			case req.none:
				want = inboxtest.TxCounts{}
			case !read:
				want = inboxtest.TxCounts{Writes: 1}
			}
			if n.Reads != want.Reads || n.Writes != want.Writes || n.RateLimit != 0 {
				if !(strings.HasPrefix(pattern, "GET /oauth/") && n.Auth+n.Reads == 1) {
					t.Fatalf("transactions: %d reads, %d writes (and %d token lookups); want %d reads, %d writes",
						n.Reads, n.Writes, n.Auth, want.Reads, want.Writes)
				}
			}
			if read {
				reads++
			} else if !req.none {
				writes++
			}
			if method == "POST" && !read && strings.HasPrefix(req.path, "/api/") {
				checkReplay(t, srv, store, method, build, header, token)
			}
			if req.scope != "" && !req.none {
				checkScope(t, srv, f, method, build, req.scope)
			}
		})
	}
	t.Logf("%d reads and %d writes each took one transaction", reads, writes)
}

// checkReplay sends a POST twice with one Idempotency-Key: each is one write
// transaction, and the second replays the first's response.
func checkReplay(t *testing.T, srv *httptest.Server, store *inboxtest.CountingStore, method string, build func() request,
	header, token string) {
	t.Helper()
	req := build()
	key := "key-" + req.path
	store.Reset()
	first := send(t, srv, method, req, header, token, key)
	if n := store.Counts(); n.Reads != 0 || n.Writes != 1 {
		t.Fatalf("with Idempotency-Key: %d reads, %d writes; want 1 write", n.Reads, n.Writes)
	}
	store.Reset()
	second := send(t, srv, method, req, header, token, key)
	if n := store.Counts(); n.Reads != 0 || n.Writes != 1 {
		t.Fatalf("replay: %d reads, %d writes; want 1 write (no preflight)", n.Reads, n.Writes)
	}
	if first.status != req.status || first.replayed || !second.replayed || second.status != first.status || second.body != first.body {
		t.Fatalf("replay: first %d replayed=%v %s; second %d replayed=%v %s", first.status, first.replayed, first.body,
			second.status, second.replayed, second.body)
	}
}

// checkScope sends the route with a token holding only its declared scope
// (served) and with one holding every other scope (403, unless the route
// needs only public, which every token holds).
func checkScope(t *testing.T, srv *httptest.Server, f *fixture, method string, build func() request, scope inbox.Scope) {
	t.Helper()
	req := build()
	if got := send(t, srv, method, req, "Authorization", "Bearer "+f.scoped[scope], ""); got.status != req.status {
		t.Fatalf("with only the declared scope %s: status %d, want %d; body %s", scope, got.status, req.status, got.body)
	}
	if scope == inbox.ScopePublic {
		return
	}
	req = build()
	if got := send(t, srv, method, req, "Authorization", "Bearer "+f.without(scope), ""); got.status != 403 {
		t.Fatalf("without the declared scope %s: status %d, want 403; body %s", scope, got.status, got.body)
	}
}
