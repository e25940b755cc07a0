package bookingsync_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// TestGoldenErrors replays the recorded error bodies.
func TestGoldenErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{rateLimit: 1000})
	f := e.fixture()
	t.Run("errors.unauthorized", func(t *testing.T) {
		r := e.do("GET", "/api/v3/bookings/1", "0123456789abcdef", nil).must(t, 401)
		for _, d := range compareShape("$", decodeGolden(t, "errors.unauthorized.response.json"), r.body) {
			t.Error(d)
		}
		if got := r.header.Get("Content-Type"); got != "application/json; charset=utf-8" {
			t.Errorf("Content-Type=%q", got)
		}
		if got := r.header.Get("WWW-Authenticate"); !strings.HasPrefix(got, `Bearer realm="Doorkeeper", error="invalid_token"`) {
			t.Errorf("WWW-Authenticate=%q", got)
		}
		if got := r.header.Get("Cache-Control"); got != "no-store" {
			t.Errorf("Cache-Control=%q", got)
		}
	})
	t.Run("errors.validation_failed", func(t *testing.T) {
		r := e.do("POST", "/api/v3/sources", e.token, wrap("sources", map[string]any{"name": strings.Repeat("x", 51)})).must(t, 422)
		for _, d := range compareShape("$", decodeGolden(t, "errors.validation_failed.response.json"), r.body) {
			t.Error(d)
		}
		if got := r.firstError(t); got["field"] != "name" || got["title"] != "is too long (maximum is 50 characters)" {
			t.Errorf("error=%v", got)
		}
	})
	t.Run("errors.validation_failed.inclusion", func(t *testing.T) {
		r := e.do("PATCH", fmt.Sprintf("/api/v3/inbox/conversations/%d", f.conversation), e.token,
			wrap("conversations", map[string]any{"default_channel": "channelname"})).must(t, 422)
		for _, d := range compareShape("$", decodeGolden(t, "errors.validation_failed.inclusion.response.json"), r.body) {
			t.Error(d)
		}
		if got := r.firstError(t); got["field"] != "default_channel" || got["title"] != "is not included in the list" {
			t.Errorf("error=%v", got)
		}
	})
}

// TestGoldenPaginationUpdatedSince replays the recorded page 2 of an
// updated_since listing: same headers, same meta mirror.
func TestGoldenPaginationUpdatedSince(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{rateLimit: 1000})
	f := e.fixture()
	// Four messages in all: two from the fixture and two more.
	for i := 0; i < 2; i++ {
		e.do("POST", "/api/v3/inbox/messages", e.token, wrap("messages", map[string]any{"content": "more",
			"origin": "email", "visibility": "external", "conversation_id": f.conversation,
			"sender_id": f.hostParticipant})).must(t, 201)
	}
	r := e.do("GET", "/api/v3/inbox/messages?page=2&per_page=1&updated_since=", e.token, nil).must(t, 200)
	var recorded struct {
		URL     string            `json:"url"`
		Headers map[string]string `json:"response_headers"`
	}
	if err := json.Unmarshal(readTestdata(t, "pagination.updated_since.headers.json"), &recorded); err != nil {
		t.Fatal(err)
	}
	for name := range recorded.Headers {
		if r.header.Get(name) == "" {
			t.Errorf("header %s is missing", name)
		}
	}
	base := e.srv.URL + "/api/v3/inbox/messages?"
	wantLink := fmt.Sprintf(`<%[1]spage=1&per_page=1&updated_since=>; rel="first", <%[1]spage=1&per_page=1&updated_since=>; rel="prev", <%[1]spage=3&per_page=1&updated_since=>; rel="next", <%[1]spage=4&per_page=1&updated_since=>; rel="last"`, base)
	if got := r.header.Get("Link"); got != wantLink {
		t.Errorf("Link=%q\nwant %q", got, wantLink)
	}
	for h, want := range map[string]string{"X-Total-Count": "4", "X-Total-Pages": "4", "X-Per-Page": "1", "X-Current-Page": "2"} {
		if got := r.header.Get(h); got != want {
			t.Errorf("%s=%q, want %q", h, got, want)
		}
	}
	meta := r.body["meta"].(map[string]any)
	for _, d := range compareShape("meta", decodeGolden(t, "pagination.updated_since.meta.json"), meta) {
		t.Error(d)
	}
	// The mirror holds the header's values, as strings, with deleted_ids first.
	if !strings.HasPrefix(string(r.raw[strings.Index(string(r.raw), `"meta":`):]), `"meta":{"deleted_ids":[]`) {
		t.Errorf("meta does not start with deleted_ids: %s", r.raw)
	}
	if links := meta["Link"].(map[string]any); links["next"] != base+"page=3&per_page=1&updated_since=" {
		t.Errorf("meta.Link.next=%v", links["next"])
	}
	if meta["X-Total-Count"] != "4" || meta["X-Total-Pages"] != "4" || meta["X-Per-Page"] != "1" {
		t.Errorf("meta=%v", meta)
	}
}

// TestGoldenWebhookClientRecord checks that a client renders as the
// client_created webhook's resource shows it: the same templates and the
// same record members.
func TestGoldenWebhookClientRecord(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	f := e.fixture()
	r := e.do("GET", fmt.Sprintf("/api/v3/clients/%d", f.client), e.token, nil).must(t, 200)
	hook := decodeGolden(t, "webhooks.client_created.body.json")
	resource := hook["resource"].(map[string]any)
	for _, d := range compareShape("links", resource["links"], r.body["links"]) {
		t.Error(d)
	}
	for _, d := range compareShape("client", resource["client"], r.one(t, "clients")) {
		t.Error(d)
	}
}
