// Package isolation_test walks the route tables of both dialects and sends
// every route the requests an attacker or a careless client would send: no
// token, another account's token, a token without the route's scope, and an
// agent outside the inbox. Each must get its dialect's documented error (or,
// for listings, only its own account's records) and never a byte of the
// victim account's data. A route added to either dialect is covered without
// touching this test.
package isolation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/api/bookingsync"
	"github.com/inboxd/inbox/internal/api/chatwoot"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/fetch"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/httpx"
	"github.com/inboxd/inbox/internal/inboxtest"
)

// secret is a marker in every text field of the victim account's records.
const secret = "VICTIMSECRET"

// victim holds the ids of account A's records that routes are aimed at.
type victim struct {
	account, conv, display, message, participant, attachment int64
	host, client, source, booking, inquiry                   int64
	inbox, label, canned                                     int64
	bsWebhook, cwWebhook                                     int64
	bsToken, cwAdmin, cwOutsider                             string
}

// attacker holds account B's credentials, and a narrow token of account A.
type attacker struct {
	bsToken, cwAdmin, bsPublicOnly string
}

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func TestIsolation(t *testing.T) {
	ctx := context.Background()
	store := inboxtest.MustOpenStore(t)
	files, err := filestore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Deps{Store: store, Files: files, Fetcher: fetch.New(), Logger: discard()})
	rec := inboxtest.NewRouteRecorder()
	bookingsync.New(bookingsync.Deps{App: a, Logger: discard()}).Register(rec)
	chatwoot.New(chatwoot.Deps{App: a, Logger: discard()}).Register(rec)
	srv := httptest.NewServer(httpx.Middleware(rec.Mux, discard(), 16<<20, func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
	}))
	defer srv.Close()

	v := seedVictim(t, ctx, a)
	b := seedAttacker(t, ctx, a, v)
	if len(rec.Patterns) < 60 {
		t.Fatalf("route table has %d routes; the recorder missed some", len(rec.Patterns))
	}
	before := snapshot(t, srv.URL, v)
	for _, pattern := range rec.Patterns {
		method, path, ok := strings.Cut(pattern, " ")
		if !ok {
			method, path = "GET", pattern
		}
		url := srv.URL + fill(path, v)
		t.Run(pattern, func(t *testing.T) {
			body := bodyFor(path, v)
			switch {
			case strings.HasSuffix(path, "/"):
				// A catch-all: unknown routes answer the dialect's 401 or
				// 404 and nothing else.
				url += "no-such-route"
				for _, c := range [][2]string{{"", ""}, {"Authorization", "Bearer " + b.bsToken}, {"api_access_token", b.cwAdmin}} {
					expect(t, send(t, method, url, c[0], c[1], body), 401, 404)
				}
			case strings.HasPrefix(path, "/oauth/"):
				// The token endpoints authenticate clients, not bearer
				// tokens; oauth_test.go covers them. Only token/info takes
				// a bearer token.
				if path == "/oauth/token/info" {
					expect(t, send(t, method, url, "", "", body), 401)
					expect(t, send(t, method, url, "Authorization", "Bearer "+b.bsToken, body), 200)
				}
			case strings.HasPrefix(path, "/api/v3"):
				expect(t, send(t, method, url, "", "", body), 401)
				expect(t, send(t, method, url, "Authorization", "Bearer "+v.cwAdmin, body), 401)
				foreign := send(t, method, url, "Authorization", "Bearer "+b.bsToken, body)
				if !strings.Contains(path, "{") && method == "GET" {
					expect(t, foreign, 200) // a listing: only B's own records
				} else {
					expect(t, foreign, 404, 422)
				}
				// The victim's own token without the route's scope: 403,
				// unless the route needs only "public" (accounts, bookings).
				narrow := send(t, method, url, "Authorization", "Bearer "+b.bsPublicOnly, body)
				if narrow.status != 403 && !publicRoute(path) {
					t.Errorf("%s: status %d, want 403; body %s", narrow.desc, narrow.status, narrow.body)
				}
			case path == "/api/v1/profile":
				// Outside any account: every token sees its own user.
				expect(t, send(t, method, url, "", "", body), 401)
				expect(t, send(t, method, url, "api_access_token", v.bsToken, body), 401)
				expect(t, send(t, method, url, "api_access_token", b.cwAdmin, body), 200)
			case strings.HasPrefix(path, "/api/v1"):
				expect(t, send(t, method, url, "", "", body), 401)
				expect(t, send(t, method, url, "api_access_token", v.bsToken, body), 401)
				expect(t, send(t, method, url, "api_access_token", b.cwAdmin, body), 401)
				switch {
				case strings.Contains(path, "{conversation_id}"):
					expect(t, send(t, method, url, "api_access_token", v.cwOutsider, body), 401, 404)
				case adminOnly(method, path):
					// The outsider is an agent of the victim's account:
					// what only administrators may do is refused (or, for
					// a DELETE sent without its body, fails to decode).
					expect(t, send(t, method, url, "api_access_token", v.cwOutsider, body), 401, 422)
				case method == "GET" && memberReadable(path):
					// Account-wide records every member sees: the
					// outsider is a member, so no leak check.
					if r := send(t, method, url, "api_access_token", v.cwOutsider, body); r.status != 200 {
						t.Errorf("%s: status %d, want 200; body %s", r.desc, r.status, r.body)
					}
				case method == "GET":
					expect(t, send(t, method, url, "api_access_token", v.cwOutsider, body), 200, 401, 404, 422)
				case strings.Contains(path, "/contacts") || strings.Contains(path, "/canned_responses"):
					// Members may write these; the snapshot must not move.
				default:
					expect(t, send(t, method, url, "api_access_token", v.cwOutsider, body), 200, 401, 404, 422)
				}
			default:
				t.Fatalf("route %q belongs to no known dialect", pattern)
			}
		})
	}
	if after := snapshot(t, srv.URL, v); after != before {
		t.Fatalf("the victim account's records changed:\nbefore %s\nafter  %s", before, after)
	}
}

// response is what an attack got back.
type response struct {
	status int
	body   string
	desc   string
}

func send(t *testing.T, method, url, header, value, body string) response {
	t.Helper()
	var rd io.Reader
	if method != "GET" && method != "DELETE" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if header != "" {
		req.Header.Set(header, value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(b), desc: fmt.Sprintf("%s %s [%s]", method, url, header)}
}

// expect checks the status is one of want, the body is JSON, and no byte
// of the victim's data leaked.
func expect(t *testing.T, r response, want ...int) {
	t.Helper()
	ok := false
	for _, w := range want {
		ok = ok || r.status == w
	}
	if !ok {
		t.Errorf("%s: status %d, want one of %v; body %s", r.desc, r.status, want, r.body)
	}
	if r.status >= 500 {
		t.Errorf("%s: server error %d", r.desc, r.status)
	}
	if r.body != "" && !json.Valid([]byte(r.body)) {
		t.Errorf("%s: body is not JSON: %q", r.desc, r.body)
	}
	if strings.Contains(r.body, secret) {
		t.Errorf("%s: LEAK: the victim's data is in the response: %s", r.desc, r.body)
	}
}

// adminOnly reports the Chatwoot routes only administrators may call.
func adminOnly(method, path string) bool {
	switch {
	case strings.HasSuffix(path, "/inbox_members") && method != "GET",
		strings.Contains(path, "/inboxes") && method != "GET",
		strings.Contains(path, "/agents") && method != "GET",
		strings.Contains(path, "/labels") && !strings.Contains(path, "{conversation_id}") && (method != "GET" || strings.HasSuffix(path, "{id}")),
		strings.Contains(path, "/canned_responses/{id}"),
		strings.HasSuffix(path, "/contacts/{id}") && method == "DELETE",
		strings.Contains(path, "/webhooks"):
		return true
	}
	return false
}

// memberReadable reports the Chatwoot listings of account-wide records
// every member of the account reads.
func memberReadable(path string) bool {
	for _, suffix := range []string{"/contacts", "/contacts/{id}", "/agents", "/labels",
		"/canned_responses", "/search", "/search/contacts"} {
		if strings.HasSuffix(path, "{account_id}"+suffix) {
			return true
		}
	}
	return false
}

// publicRoute reports the BookingSync routes that need only the public scope.
func publicRoute(path string) bool {
	return path == "/api/v3/accounts" || path == "/api/v3/accounts/{ids}" || path == "/api/v3/bookings" || path == "/api/v3/bookings/{ids}"
}

var param = regexp.MustCompile(`\{[a-z_]+\}`)

// fill aims a route pattern at the victim's records.
func fill(path string, v victim) string {
	resource := ""
	return param.ReplaceAllStringFunc(path, func(p string) string {
		var id int64
		switch p {
		case "{account_id}":
			id = v.account
		case "{conversation_id}":
			id = v.display
		case "{message_id}":
			id = v.message
		case "{inbox_id}":
			id = v.inbox
		case "{rental_id}":
			id = 1
		case "{webhook_id}":
			id = v.cwWebhook
		default: // {id} or {ids}: the record of the path's resource
			for _, r := range []struct {
				seg string
				id  int64
			}{{"/conversations/", v.conv}, {"/participants/", v.participant}, {"/messages/", v.message},
				{"/attachments/", v.attachment}, {"/hosts/", v.host}, {"/clients/", v.client}, {"/sources/", v.source},
				{"/bookings/", v.booking}, {"/inquiries/", v.inquiry}, {"/contacts/", v.client}, {"/inboxes/", v.inbox},
				{"/agents/", v.host}, {"/labels/", v.label}, {"/canned_responses/", v.canned}, {"/accounts/", v.account},
				{"/webhooks/", v.bsWebhook}} {
				if strings.Contains(path, r.seg) && id == 0 {
					id, resource = r.id, r.seg
				}
			}
		}
		_ = resource
		return strconv.FormatInt(id, 10)
	})
}

// bodyFor builds a write body that references the victim's records, so a
// missing tenancy check would act on them.
func bodyFor(path string, v victim) string {
	refs := map[string]any{
		"conversation_id": v.conv, "sender_id": v.participant, "member_id": v.host, "member_type": "Host",
		"assignee_id": v.host, "source_id": v.source, "attachment_ids": []int64{v.attachment}, "client_id": v.client,
		"booking_id": v.booking, "content": "attack", "origin": "email", "visibility": "external",
		"inbox_id": v.inbox, "contact_id": v.client, "q": "victimsecret", "title": "attack", "short_code": "attack",
		"email": "attack@example.com", "role": "administrator", "user_ids": []int64{v.host}, "labels": []string{"x"},
		"status": "resolved", "priority": "high", "custom_attributes": map[string]any{"x": 1}, "closed": true,
		"read": true, "name": "attack", "firstname": "A", "lastname": "B", "fullname": "A B",
		"start_at": "2030-01-01T00:00:00Z", "end_at": "2030-01-05T00:00:00Z",
	}
	if strings.HasPrefix(path, "/api/v3") {
		root := ""
		for _, r := range []string{"conversations", "participants", "messages", "attachments", "hosts", "clients",
			"sources", "bookings", "inquiries", "webhooks"} {
			if strings.Contains(path, "/"+r) {
				root = r
				break
			}
		}
		if strings.HasSuffix(path, "_booking") {
			root, refs = "bookings", map[string]any{"id": v.booking}
		} else if strings.HasSuffix(path, "add_attachment") {
			root, refs = "attachments", map[string]any{"id": v.attachment}
		}
		b, _ := json.Marshal(map[string]any{root: []any{refs}})
		return string(b)
	}
	b, _ := json.Marshal(refs)
	return string(b)
}

// snapshot reads the victim's records through both APIs with the victim's
// own tokens; it must not change while the attacks run.
func snapshot(t *testing.T, base string, v victim) string {
	t.Helper()
	var out bytes.Buffer
	for _, path := range []string{"/api/v3/inbox/conversations", "/api/v3/inbox/messages", "/api/v3/inbox/participants",
		"/api/v3/inbox/attachments", "/api/v3/hosts", "/api/v3/clients", "/api/v3/sources", "/api/v3/bookings",
		"/api/v3/inquiries", "/api/v3/webhooks"} {
		r := send(t, "GET", base+path, "Authorization", "Bearer "+v.bsToken, "")
		if r.status != 200 {
			t.Fatalf("snapshot %s: %d %s", path, r.status, r.body)
		}
		out.WriteString(r.body)
	}
	for _, path := range []string{fmt.Sprintf("/conversations/%d", v.display), "/contacts", "/inboxes", "/agents",
		"/labels", "/canned_responses", fmt.Sprintf("/inbox_members/%d", v.inbox), "/webhooks"} {
		r := send(t, "GET", fmt.Sprintf("%s/api/v1/accounts/%d%s", base, v.account, path), "api_access_token", v.cwAdmin, "")
		if r.status != 200 {
			t.Fatalf("snapshot %s: %d %s", path, r.status, r.body)
		}
		out.WriteString(r.body)
	}
	// Fields that legitimately move on reads are dropped.
	noisy := regexp.MustCompile(`"(updated_at|agent_last_seen_at|assignee_last_seen_at|read_at)":[^,}]*`)
	return noisy.ReplaceAllString(out.String(), "")
}

func seedVictim(t *testing.T, ctx context.Context, a *app.App) victim {
	t.Helper()
	var v victim
	acc := &inbox.Account{Name: "Victim " + secret}
	must(t, app.NewAdmin(a).CreateAccount(ctx, acc))
	v.account = acc.ID
	admin := &inbox.Host{AccountID: acc.ID, Firstname: secret, Lastname: "Admin", Email: "admin@victim.example", Role: inbox.RoleAdministrator}
	tok, err := app.NewAdmin(a).CreateHostWithToken(ctx, admin, nil)
	must(t, err)
	v.cwAdmin, v.host = tok, admin.ID
	// The outsider is an agent of the victim's account in an inbox of its own.
	box := &inbox.Inbox{AccountID: acc.ID, Name: "Other", Channel: inbox.ChannelEmail}
	must(t, app.NewAdmin(a).CreateInbox(ctx, box))
	v.cwOutsider, err = app.NewAdmin(a).CreateHostWithToken(ctx, &inbox.Host{AccountID: acc.ID, Firstname: "Out", Lastname: "Sider",
		Email: "out@victim.example", Role: inbox.RoleAgent}, []int64{box.ID})
	must(t, err)
	application := &inbox.Application{AccountID: acc.ID, Name: "Victim PMS", Scopes: allScopes}
	_, err = app.NewAdmin(a).CreateApplication(ctx, application)
	must(t, err)
	g, err := app.NewAdmin(a).CreateToken(ctx, acc.ID, allScopes, &application.ID, 0)
	must(t, err)
	v.bsToken = g.AccessToken
	p, err := a.Authenticate(ctx, v.bsToken)
	must(t, err)
	pctx := inbox.NewContextWithPrincipal(ctx, p)
	client, err := a.CreateClient(pctx, &inbox.Client{Fullname: "Guest " + secret, Email: "guest@victim.example"})
	must(t, err)
	v.client = client.ID
	label, err := a.CreateLabel(adminCtx(t, a, v.cwAdmin), inbox.Label{Title: "victim", Description: secret})
	must(t, err)
	v.label = label.ID
	canned, err := a.CreateCannedResponse(adminCtx(t, a, v.cwAdmin), inbox.CannedResponse{ShortCode: "hello", Content: secret})
	must(t, err)
	v.canned = canned.ID
	boxes, err := app.View(pctx, a, inbox.ScopeInboxRead, (*app.Loader).Inboxes)
	must(t, err)
	for _, b := range boxes {
		if b.Channel == inbox.ChannelAPI {
			v.inbox = b.ID
		}
	}
	src, err := a.CreateSource(pctx, &inbox.Source{Name: "Site " + secret})
	must(t, err)
	v.source = src.ID
	bk, err := a.CreateBooking(pctx, &inbox.Booking{StartAt: mustTime("2030-02-01T00:00:00Z"), EndAt: mustTime("2030-02-05T00:00:00Z"),
		Reference: secret})
	must(t, err)
	v.booking = bk.ID
	c, err := a.CreateConversation(pctx, app.ConversationCreate{ClientID: &client.ID, Subject: "Subject " + secret,
		Labels: []string{"label-" + strings.ToLower(secret)}})
	must(t, err)
	v.conv, v.display = c.ID, c.DisplayID
	_, err = a.ConnectBooking(pctx, app.ByID(c.ID), bk.ID, app.ViewOptions{})
	must(t, err)
	att, err := a.CreateAttachment(pctx, inbox.FileUpload{Name: secret + ".txt", ContentType: "text/plain", Data: []byte("data")})
	must(t, err)
	v.attachment = att.ID
	pt, err := a.CreateParticipant(pctx, app.ParticipantCreate{ConversationID: c.ID, MemberType: inbox.MemberHost, MemberID: admin.ID})
	must(t, err)
	v.participant = pt.ID
	content := "Message " + secret
	m, err := a.CreateMessage(pctx, app.MessageCreate{ConversationID: c.ID, SenderParticipantID: &pt.ID, Content: &content,
		Origin: "email", AttachmentIDs: []int64{att.ID}})
	must(t, err)
	v.message = m.ID
	q, err := a.CreateInquiry(pctx, &inbox.Inquiry{Firstname: secret, Lastname: "Inq", ConversationID: &c.ID})
	must(t, err)
	v.inquiry = q.ID
	events := []string{"inbox_message_created"}
	hook, err := app.NewAdmin(a).CreateWebhook(ctx, acc.ID, &application.ID, app.WebhookChange{
		URL: ptr("https://victim.example/" + secret), Events: &events})
	must(t, err)
	v.bsWebhook = hook.ID
	events = []string{"message_created"}
	hook, err = app.NewAdmin(a).CreateWebhook(ctx, acc.ID, nil, app.WebhookChange{
		URL: ptr("https://victim.example/chatwoot/" + secret), Events: &events, Name: ptr(secret)})
	must(t, err)
	v.cwWebhook = hook.ID
	return v
}

func ptr[T any](v T) *T { return &v }

var allScopes = inbox.Scopes{inbox.ScopeInboxWrite, inbox.ScopeClientsWrite, inbox.ScopeBookingsWrite, inbox.ScopeInquiriesWrite,
	inbox.ScopeWebhooksWrite}

func seedAttacker(t *testing.T, ctx context.Context, a *app.App, v victim) attacker {
	t.Helper()
	var b attacker
	acc := &inbox.Account{Name: "Attacker"}
	must(t, app.NewAdmin(a).CreateAccount(ctx, acc))
	tok, err := app.NewAdmin(a).CreateHostWithToken(ctx, &inbox.Host{AccountID: acc.ID, Firstname: "Mal", Lastname: "Lory",
		Email: "mal@attacker.example", Role: inbox.RoleAdministrator}, nil)
	must(t, err)
	b.cwAdmin = tok
	application := &inbox.Application{AccountID: acc.ID, Name: "Attacker PMS", Scopes: allScopes}
	_, err = app.NewAdmin(a).CreateApplication(ctx, application)
	must(t, err)
	g, err := app.NewAdmin(a).CreateToken(ctx, acc.ID, allScopes, &application.ID, 0)
	must(t, err)
	b.bsToken = g.AccessToken
	// A token of the victim's own account that holds only "public".
	g, err = app.NewAdmin(a).CreateToken(ctx, v.account, inbox.Scopes{inbox.ScopePublic}, nil, 0)
	must(t, err)
	b.bsPublicOnly = g.AccessToken
	return b
}

// adminCtx is a context acting as the holder of a personal token.
func adminCtx(t *testing.T, a *app.App, token string) context.Context {
	t.Helper()
	p, err := a.Authenticate(context.Background(), token)
	must(t, err)
	return inbox.NewContextWithPrincipal(context.Background(), p)
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
