package bookingsync_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2/clientcredentials"
)

// linkRel parses a Link header the way the ruby client does: split on ", ",
// then <(.*?)>; rel="(\w+)".
func linkRel(header, rel string) string {
	re := regexp.MustCompile(`<(.*?)>; rel="(\w+)"`)
	for _, part := range strings.Split(header, ", ") {
		if m := re.FindStringSubmatch(part); m != nil && m[2] == rel {
			return m[1]
		}
	}
	return ""
}

// follow lists a collection from url, following rel="next" to the end, and
// returns the ids in order with the number of requests made.
func (e *env) follow(t *testing.T, token, url, plural string) ([]int64, int) {
	t.Helper()
	var got []int64
	requests := 0
	for url != "" {
		requests++
		if requests > 50 {
			t.Fatal("Link rel=next never ends")
		}
		r := e.do("GET", url, token, nil).must(t, 200)
		if r.header.Get("X-Updated-Since-Request-Synced-At") == "" {
			t.Fatal("no X-Updated-Since-Request-Synced-At")
		}
		for _, rec := range r.records(t, plural) {
			got = append(got, id(t, rec, "id"))
		}
		url = linkRel(r.header.Get("Link"), "next")
	}
	return got, requests
}

func TestScenario(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{rateLimit: 1000})
	ctx := context.Background()
	start := time.Now().UTC().Add(-time.Second)

	// A real OAuth client gets a token with client credentials.
	cc := clientcredentials.Config{ClientID: e.clientID, ClientSecret: e.secret, TokenURL: e.srv.URL + "/oauth/token",
		Scopes: []string{"inbox_write", "clients_write", "bookings_write"}}
	tok, err := cc.Token(ctx)
	if err != nil {
		t.Fatalf("client credentials: %v", err)
	}
	if tok.TokenType != "bearer" || tok.RefreshToken != "" || time.Until(tok.Expiry) < 7100*time.Second {
		t.Fatalf("token=%+v", tok)
	}
	token := tok.AccessToken

	// Through cc.Client the OAuth client authorizes API calls itself.
	hc := cc.Client(ctx)
	resp, err := hc.Get(e.srv.URL + "/api/v3/accounts")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /accounts through the oauth2 client: %v %v", resp, err)
	}
	resp.Body.Close()

	client := e.do("POST", "/api/v3/clients", token, wrap("clients", map[string]any{"firstname": "Maria", "lastname": "Lopez"})).
		must(t, 201).one(t, "clients")
	if client["fullname"] != "Maria Lopez" {
		t.Errorf("fullname=%v", client["fullname"])
	}
	host := e.do("POST", "/api/v3/hosts", token, wrap("hosts", map[string]any{"firstname": "Jan", "lastname": "Host"})).
		must(t, 201).one(t, "hosts")
	conv := e.do("POST", "/api/v3/inbox/conversations", token, wrap("conversations", map[string]any{
		"subject": "Late check-in", "default_channel": "airbnb", "assignee_id": id(t, host, "id")})).
		must(t, 201).one(t, "conversations")
	convID := id(t, conv, "id")
	if conv["created_by_type"] != "Doorkeeper::Application" || id(t, conv, "created_by_id") != e.appID {
		t.Errorf("created_by=%v/%v, want the application %d", conv["created_by_type"], conv["created_by_id"], e.appID)
	}
	if conv["closed_at"] != nil || conv["read_at"] != nil || conv["last_message_at"] != nil {
		t.Errorf("new conversation=%v", conv)
	}

	hostPart := e.do("POST", "/api/v3/inbox/participants", token, wrap("participants", map[string]any{
		"conversation_id": convID, "member_id": id(t, host, "id"), "member_type": "Host"})).must(t, 201).one(t, "participants")
	clientPart := e.do("POST", "/api/v3/inbox/participants", token, wrap("participants", map[string]any{
		"conversation_id": convID, "member_id": id(t, client, "id"), "member_type": "Client", "read": "false"})).
		must(t, 201).one(t, "participants")

	// Messages both ways.
	in := e.do("POST", "/api/v3/inbox/messages", token, wrap("messages", map[string]any{
		"content": "We land at 23:00.", "origin": "airbnb_message", "visibility": "external",
		"conversation_id": convID, "sender_id": id(t, clientPart, "id")})).must(t, 201).one(t, "messages")
	out := e.do("POST", "/api/v3/inbox/messages", token, wrap("messages", map[string]any{
		"content": "The key box code is 1234.", "origin": "bookingsync_inbox", "visibility": "external",
		"channel": "airbnb", "conversation_id": convID, "sender_id": id(t, hostPart, "id"),
		"sent_at": "2031-01-02T03:04:05Z"})).must(t, 201).one(t, "messages")
	note := e.do("POST", "/api/v3/inbox/messages", token, wrap("messages", map[string]any{
		"content": "Guest is late", "origin": "bookingsync_inbox", "visibility": "internal",
		"conversation_id": convID, "sender_id": id(t, hostPart, "id")})).must(t, 201).one(t, "messages")

	// The host reads the conversation.
	e.do("PUT", fmt.Sprintf("/api/v3/inbox/participants/%d", id(t, hostPart, "id")), token,
		wrap("participants", map[string]any{"read": true})).must(t, 200)

	// A booking is connected.
	booking := e.do("POST", "/api/v3/rentals/12/bookings", token, wrap("bookings", map[string]any{
		"start_at": "2031-01-05T15:00:00Z", "end_at": "2031-01-09T10:00:00Z", "client_id": id(t, client, "id")})).
		must(t, 201).one(t, "bookings")
	conv = e.do("PUT", fmt.Sprintf("/api/v3/inbox/conversations/%d/connect_booking", convID), token,
		wrap("bookings", map[string]any{"id": id(t, booking, "id")})).must(t, 200).one(t, "conversations")
	if got := idList(t, link(t, conv, "bookings")); !slices.Equal(got, []int64{id(t, booking, "id")}) {
		t.Errorf("links.bookings=%v", got)
	}
	b := e.do("GET", fmt.Sprintf("/api/v3/bookings/%d", id(t, booking, "id")), token, nil).must(t, 200).one(t, "bookings")
	if got := idList(t, link(t, b, "conversations")); !slices.Equal(got, []int64{convID}) {
		t.Errorf("booking links.conversations=%v", got)
	}

	// Close it.
	conv = e.do("PATCH", fmt.Sprintf("/api/v3/inbox/conversations/%d", convID), token,
		wrap("conversations", map[string]any{"closed": true})).must(t, 200).one(t, "conversations")
	if conv["closed_at"] == nil {
		t.Error("closed_at is null after closed: true")
	}
	if conv["last_message_at"] != "2031-01-02T03:04:05Z" {
		t.Errorf("last_message_at=%v, want the newest sent_at", conv["last_message_at"])
	}
	if conv["read_at"] == nil {
		t.Error("read_at is null after the host read")
	}
	wantMsgs := []int64{id(t, in, "id"), id(t, out, "id"), id(t, note, "id")}
	if got := idList(t, link(t, conv, "messages")); !slices.Equal(got, wantMsgs) {
		t.Errorf("links.messages=%v, want %v (no activity lines)", got, wantMsgs)
	}
	if got := idList(t, link(t, conv, "participants")); !slices.Equal(got, []int64{id(t, hostPart, "id"), id(t, clientPart, "id")}) {
		t.Errorf("links.participants=%v", got)
	}
	sender := e.do("GET", fmt.Sprintf("/api/v3/inbox/participants/%d", id(t, hostPart, "id")), token, nil).
		must(t, 200).one(t, "participants")
	if sender["last_message_sent_at"] == nil {
		t.Error("the host participant has no last_message_sent_at")
	}

	// A sync client lists everything changed since the start, one record a
	// page, following rel="next".
	since := start.Format("2006-01-02 15:04:05 UTC")
	msgs, requests := e.follow(t, token, e.srv.URL+"/api/v3/inbox/messages?per_page=1&updated_since="+strings.ReplaceAll(since, " ", "+"), "messages")
	if !slices.Equal(msgs, wantMsgs) || requests != 3 {
		t.Errorf("messages=%v in %d requests, want %v in 3", msgs, requests, wantMsgs)
	}
	convs, _ := e.follow(t, token, e.srv.URL+"/api/v3/inbox/conversations?updated_since="+start.Format(time.RFC3339), "conversations")
	if !slices.Equal(convs, []int64{convID}) {
		t.Errorf("conversations=%v", convs)
	}
	// Nothing changed after a future time.
	none, _ := e.follow(t, token, e.srv.URL+"/api/v3/inbox/conversations?updated_since=2100-01-01", "conversations")
	if len(none) != 0 {
		t.Errorf("conversations updated since 2100: %v", none)
	}
}
