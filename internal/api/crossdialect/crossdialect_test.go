// Package crossdialect_test drives one inboxd through both wire dialects at
// once: a conversation created through BookingSync API v3 is worked through
// the Chatwoot API v1, and the reverse, and every change shows in the other
// dialect.
package crossdialect_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/fetch"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/server"
)

var ctx = context.Background()

// env is one server with an account, an administrator and an agent holding
// Chatwoot user tokens, a guest, and a BookingSync OAuth application token.
type env struct {
	t       *testing.T
	store   inbox.Store
	srv     *httptest.Server
	account *inbox.Account
	admin   *inbox.Host
	agent   *inbox.Host
	guest   *inbox.Client
	cwAdmin string // Chatwoot api_access_token of the administrator
	bsToken string // BookingSync bearer token
}

func newEnv(t *testing.T) *env {
	t.Helper()
	store := inboxtest.MustOpenStore(t)
	files, err := filestore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := app.New(app.Deps{Store: store, Files: files, Fetcher: fetch.New(), Logger: log})
	e := &env{t: t, store: store, srv: httptest.NewServer(server.New(server.Deps{App: a, Logger: log}))}
	t.Cleanup(e.srv.Close)
	e.account = &inbox.Account{Name: "Seaside Villas", Email: "owner@example.com"}
	if err := app.NewAdmin(a).CreateAccount(ctx, e.account); err != nil {
		t.Fatal(err)
	}
	e.admin = &inbox.Host{AccountID: e.account.ID, Firstname: "Ada", Lastname: "Admin", Email: "ada@example.com",
		Role: inbox.RoleAdministrator}
	if e.cwAdmin, err = app.NewAdmin(a).CreateHostWithToken(ctx, e.admin, nil); err != nil {
		t.Fatal(err)
	}
	e.agent = &inbox.Host{AccountID: e.account.ID, Firstname: "Abe", Lastname: "Agent", Email: "abe@example.com",
		Role: inbox.RoleAgent}
	if _, err = app.NewAdmin(a).CreateHostWithToken(ctx, e.agent, nil); err != nil {
		t.Fatal(err)
	}
	e.guest = &inbox.Client{AccountID: e.account.ID, Fullname: "Gina Guest", Email: "gina@example.com"}
	if err := app.NewAdmin(a).CreateClient(ctx, e.guest); err != nil {
		t.Fatal(err)
	}
	application := &inbox.Application{AccountID: e.account.ID, Name: "Channel manager",
		Scopes: inbox.Scopes{inbox.ScopeInboxWrite, inbox.ScopeClientsWrite}}
	if _, err := app.NewAdmin(a).CreateApplication(ctx, application); err != nil {
		t.Fatal(err)
	}
	g, err := app.NewAdmin(a).CreateToken(ctx, e.account.ID, application.Scopes, &application.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.bsToken = g.AccessToken
	return e
}

// call sends a JSON request and decodes the JSON answer; status must match.
func (e *env) call(status int, method, path string, header map[string]string, body any) map[string]any {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = []string{v}
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != status {
		e.t.Fatalf("%s %s: status=%d, want %d; body %s", method, path, res.StatusCode, status, raw)
	}
	out := map[string]any{}
	if len(bytes.TrimSpace(raw)) > 0 && raw[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&out); err != nil {
			e.t.Fatalf("%s %s: decode %s: %v", method, path, raw, err)
		}
	}
	return out
}

// bs calls the BookingSync dialect.
func (e *env) bs(status int, method, path string, body any) map[string]any {
	e.t.Helper()
	return e.call(status, method, "/api/v3"+path, map[string]string{"Authorization": "Bearer " + e.bsToken,
		"Content-Type": "application/vnd.api+json"}, body)
}

// cw calls the Chatwoot dialect as the administrator.
func (e *env) cw(method, path string, body any) map[string]any {
	e.t.Helper()
	return e.call(http.StatusOK, method, fmt.Sprintf("/api/v1/accounts/%d", e.account.ID)+path,
		map[string]string{"api_access_token": e.cwAdmin, "Content-Type": "application/json"}, body)
}

// one returns the only record of a BookingSync envelope.
func one(t *testing.T, body map[string]any, key string) map[string]any {
	t.Helper()
	list, ok := body[key].([]any)
	if !ok || len(list) != 1 {
		t.Fatalf("%s=%v, want one record", key, body[key])
	}
	return list[0].(map[string]any)
}

func records(t *testing.T, body map[string]any, key string) []map[string]any {
	t.Helper()
	list, ok := body[key].([]any)
	if !ok {
		t.Fatalf("%s=%v, want a list", key, body[key])
	}
	out := make([]map[string]any, len(list))
	for i, r := range list {
		out[i] = r.(map[string]any)
	}
	return out
}

func num(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T): want a number", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return i
}

func nums(t *testing.T, v any) []int64 {
	t.Helper()
	var out []int64
	for _, x := range v.([]any) {
		out = append(out, num(t, x))
	}
	return out
}

func field(t *testing.T, v any, path ...string) any {
	t.Helper()
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("at %q: %v is not an object", k, v)
		}
		v = m[k]
	}
	return v
}

// TestBookingSyncToChatwoot: a conversation opened by a channel integration
// through BookingSync is listed, assigned, labelled, answered, read and
// resolved by an agent through Chatwoot; BookingSync sees every change.
func TestBookingSyncToChatwoot(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	conv := one(t, e.bs(201, "POST", "/inbox/conversations", map[string]any{"conversations": []any{
		map[string]any{"subject": "Late arrival", "default_channel": "airbnb"}}}), "conversations")
	convID := num(t, conv["id"])
	guestPt := one(t, e.bs(201, "POST", "/inbox/participants", map[string]any{"participants": []any{
		map[string]any{"conversation_id": convID, "member_id": e.guest.ID, "member_type": "Client"}}}), "participants")
	guestMsg := one(t, e.bs(201, "POST", "/inbox/messages", map[string]any{"messages": []any{
		map[string]any{"content": "We land at 23:00, is that OK?", "origin": "airbnb_message", "visibility": "external",
			"conversation_id": convID, "sender_id": num(t, guestPt["id"]), "sent_at": "2024-06-01T10:00:00Z"}}}), "messages")

	// Chatwoot lists it, in the account's Airbnb inbox, from the guest.
	list := e.cw("GET", "/conversations?status=open&assignee_type=all&page=1", nil)
	payload := field(t, list, "data", "payload").([]any)
	if len(payload) != 1 {
		t.Fatalf("Chatwoot lists %d conversations, want 1", len(payload))
	}
	c := payload[0].(map[string]any)
	display := num(t, c["id"])
	for _, tc := range []struct {
		got, want any
		what      string
	}{
		{field(t, c, "meta", "channel"), "Channel::Api", "meta.channel"},
		{num(t, field(t, c, "meta", "sender", "id")), e.guest.ID, "meta.sender.id"},
		{field(t, c, "status"), "open", "status"},
		{num(t, field(t, c, "unread_count")), int64(1), "unread_count"},
		{field(t, c, "last_non_activity_message", "content"), "We land at 23:00, is that OK?", "last message"},
		{num(t, field(t, c, "last_non_activity_message", "message_type")), int64(0), "message_type"},
		{field(t, c, "last_non_activity_message", "sender_type"), "Contact", "sender_type"},
	} {
		if tc.got != tc.want {
			t.Fatalf("%s=%v, want %v", tc.what, tc.got, tc.want)
		}
	}

	// An agent works it through Chatwoot.
	e.cw("POST", fmt.Sprintf("/conversations/%d/assignments", display), map[string]any{"assignee_id": e.admin.ID})
	e.cw("POST", fmt.Sprintf("/conversations/%d/labels", display), map[string]any{"labels": []string{"late-arrival"}})
	reply := e.cw("POST", fmt.Sprintf("/conversations/%d/messages", display), map[string]any{"content": "No problem, the key box code is 4711."})
	e.cw("POST", fmt.Sprintf("/conversations/%d/update_last_seen", display), nil)
	status := e.cw("POST", fmt.Sprintf("/conversations/%d/toggle_status", display), map[string]any{"status": "resolved"})
	if got := field(t, status, "payload", "current_status"); got != "resolved" {
		t.Fatalf("current_status=%v, want resolved", got)
	}

	// BookingSync sees the close, the assignee, the read and the reply.
	got := one(t, e.bs(200, "GET", fmt.Sprintf("/inbox/conversations/%d", convID), nil), "conversations")
	if got["closed_at"] == nil {
		t.Fatalf("closed_at=null, want the time it was resolved")
	}
	if a := field(t, got, "links", "assignee"); a == nil || num(t, a) != e.admin.ID {
		t.Fatalf("links.assignee=%v, want %d", a, e.admin.ID)
	}
	if got["read_at"] == nil {
		t.Fatalf("read_at=null, want the time the agent opened it")
	}
	msgIDs := nums(t, field(t, got, "links", "messages"))
	replyID := num(t, reply["id"])
	if !slices.Equal(msgIDs, []int64{num(t, guestMsg["id"]), replyID}) {
		t.Fatalf("links.messages=%v, want the guest's message and the reply (no activity lines)", msgIDs)
	}
	msgs := records(t, e.bs(200, "GET", fmt.Sprintf("/inbox/messages/%d", replyID), nil), "messages")
	if msgs[0]["content"] != "No problem, the key box code is 4711." || msgs[0]["visibility"] != "external" {
		t.Fatalf("reply=%v", msgs[0])
	}
	// The reply's sender is the agent's participant, which carries the read.
	senderID := num(t, field(t, msgs[0], "links", "sender"))
	pt := one(t, e.bs(200, "GET", fmt.Sprintf("/inbox/participants/%d", senderID), nil), "participants")
	if field(t, pt, "links", "member", "type") != "Host" || num(t, field(t, pt, "links", "member", "id")) != e.admin.ID {
		t.Fatalf("sender participant=%v, want the administrator", pt)
	}
	if pt["read_at"] == nil || pt["last_message_sent_at"] == nil {
		t.Fatalf("participant read_at=%v last_message_sent_at=%v, want both set", pt["read_at"], pt["last_message_sent_at"])
	}
	pts := nums(t, field(t, got, "links", "participants"))
	if !slices.Contains(pts, senderID) || !slices.Contains(pts, num(t, guestPt["id"])) {
		t.Fatalf("links.participants=%v, want the guest's and the agent's", pts)
	}

	// Reopened through BookingSync, Chatwoot shows it open again.
	e.bs(200, "PATCH", fmt.Sprintf("/inbox/conversations/%d", convID), map[string]any{"conversations": []any{
		map[string]any{"closed": false}}})
	if s := e.cw("GET", fmt.Sprintf("/conversations/%d", display), nil)["status"]; s != "open" {
		t.Fatalf("Chatwoot status=%v, want open", s)
	}
}

// TestChatwootToBookingSync: a conversation started by an agent through
// Chatwoot is read, answered, assigned and closed through BookingSync;
// Chatwoot sees every change.
func TestChatwootToBookingSync(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	created := e.cw("POST", "/conversations", map[string]any{"inbox_id": fmt.Sprint(e.defaultInbox()), "contact_id": e.guest.ID,
		"message": map[string]any{"content": "Your stay starts tomorrow!"}})
	display := num(t, created["id"])
	e.cw("POST", fmt.Sprintf("/conversations/%d/messages", display), map[string]any{"content": "VIP guest", "private": true})

	// BookingSync lists it with both messages and both participants.
	convs := records(t, e.bs(200, "GET", "/inbox/conversations", nil), "conversations")
	if len(convs) != 1 {
		t.Fatalf("BookingSync lists %d conversations, want 1", len(convs))
	}
	conv := convs[0]
	convID := num(t, conv["id"])
	if conv["closed_at"] != nil {
		t.Fatalf("closed_at=%v, want null", conv["closed_at"])
	}
	msgIDs := nums(t, field(t, conv, "links", "messages"))
	if len(msgIDs) != 2 {
		t.Fatalf("links.messages=%v, want 2", msgIDs)
	}
	msgs := records(t, e.bs(200, "GET", fmt.Sprintf("/inbox/messages/%d,%d", msgIDs[0], msgIDs[1]), nil), "messages")
	if msgs[0]["content"] != "Your stay starts tomorrow!" || msgs[0]["visibility"] != "external" ||
		msgs[1]["content"] != "VIP guest" || msgs[1]["visibility"] != "internal" {
		t.Fatalf("messages=%v, want the first message (external) and the note (internal)", msgs)
	}
	var guestPt, hostPt int64
	for _, p := range records(t, e.bs(200, "GET", fmt.Sprintf("/inbox/participants?conversation_id=%d", convID), nil), "participants") {
		if num(t, field(t, p, "links", "conversation")) != convID {
			continue
		}
		switch field(t, p, "links", "member", "type") {
		case "Client":
			guestPt = num(t, p["id"])
		case "Host":
			hostPt = num(t, p["id"])
		}
	}
	if guestPt == 0 || hostPt == 0 {
		t.Fatalf("participants: guest %d host %d, want both", guestPt, hostPt)
	}

	// The guest answers through the channel integration and reads the thread.
	e.bs(201, "POST", "/inbox/messages", map[string]any{"messages": []any{map[string]any{
		"content": "Great, see you!", "origin": "airbnb_message", "visibility": "external",
		"conversation_id": convID, "sender_id": guestPt}}})
	e.bs(200, "PUT", fmt.Sprintf("/inbox/participants/%d", guestPt), map[string]any{"participants": []any{
		map[string]any{"read": true}}})
	c := e.cw("GET", fmt.Sprintf("/conversations/%d", display), nil)
	if num(t, c["contact_last_seen_at"]) == 0 {
		t.Fatalf("contact_last_seen_at=0, want the guest's read_at")
	}
	if num(t, c["unread_count"]) != 1 || field(t, c, "last_non_activity_message", "content") != "Great, see you!" {
		t.Fatalf("unread_count=%v last=%v, want the guest's reply unread", c["unread_count"],
			field(t, c, "last_non_activity_message", "content"))
	}

	// The host reads it through BookingSync: Chatwoot's agent_last_seen_at.
	e.bs(200, "PUT", fmt.Sprintf("/inbox/participants/%d", hostPt), map[string]any{"participants": []any{
		map[string]any{"read": true}}})
	c = e.cw("GET", fmt.Sprintf("/conversations/%d", display), nil)
	if num(t, c["agent_last_seen_at"]) == 0 || num(t, c["unread_count"]) != 0 {
		t.Fatalf("agent_last_seen_at=%v unread_count=%v, want read", c["agent_last_seen_at"], c["unread_count"])
	}

	// Assigned and closed through BookingSync.
	e.bs(200, "PATCH", fmt.Sprintf("/inbox/conversations/%d", convID), map[string]any{"conversations": []any{
		map[string]any{"closed": true, "assignee_id": e.agent.ID}}})
	c = e.cw("GET", fmt.Sprintf("/conversations/%d", display), nil)
	if c["status"] != "resolved" || num(t, field(t, c, "meta", "assignee", "id")) != e.agent.ID {
		t.Fatalf("status=%v assignee=%v, want resolved and the agent", c["status"], field(t, c, "meta", "assignee"))
	}
	// The activity lines are Chatwoot-only: BookingSync still lists 3 messages.
	got := one(t, e.bs(200, "GET", fmt.Sprintf("/inbox/conversations/%d", convID), nil), "conversations")
	if n := len(nums(t, field(t, got, "links", "messages"))); n != 3 {
		t.Fatalf("BookingSync lists %d messages, want 3", n)
	}
	msgsCW := e.cw("GET", fmt.Sprintf("/conversations/%d/messages", display), nil)
	var kinds []int64
	for _, m := range msgsCW["payload"].([]any) {
		kinds = append(kinds, num(t, m.(map[string]any)["message_type"]))
	}
	if !slices.Contains(kinds, 2) || !slices.Contains(kinds, 0) || !slices.Contains(kinds, 1) {
		t.Fatalf("Chatwoot message types=%v, want incoming, outgoing and activity", kinds)
	}
}

// defaultInbox returns the id of the account's default API inbox.
func (e *env) defaultInbox() int64 {
	e.t.Helper()
	var box *inbox.Inbox
	err := e.store.View(ctx, func(tx inbox.Tx) (err error) {
		box, err = tx.FindInboxByChannel(ctx, e.account.ID, inbox.ChannelAPI)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return box.ID
}
