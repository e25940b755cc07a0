package realtime_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/realtime"
)

// sseEvent is one event of the stream.
type sseEvent struct {
	id   int64
	name string
	data map[string]any
}

// sse is an event stream client.
type sse struct {
	t      *testing.T
	resp   *http.Response
	lines  chan string
	cancel context.CancelFunc
}

// appToken issues a BookingSync token of an application with scopes.
func (e *env) appToken(scopes ...inbox.Scope) string {
	e.t.Helper()
	tk, _ := e.appTokenID(scopes...)
	return tk
}

// appTokenID is appToken with the token's id.
func (e *env) appTokenID(scopes ...inbox.Scope) (string, int64) {
	e.t.Helper()
	ad := app.NewAdmin(e.app)
	a := &inbox.Application{AccountID: e.account.ID, Name: fmt.Sprintf("Integration %d", time.Now().UnixNano()), Scopes: scopes}
	if _, err := ad.CreateApplication(ctx, a); err != nil {
		e.t.Fatal(err)
	}
	g, err := ad.CreateToken(ctx, e.account.ID, scopes, &a.ID, time.Hour)
	if err != nil {
		e.t.Fatal(err)
	}
	return g.AccessToken, g.Token.ID
}

// stream opens the event stream; lastID "" sends no Last-Event-ID.
func (e *env) stream(token, lastID string) (*sse, *http.Response) {
	e.t.Helper()
	sctx, cancel := context.WithCancel(ctx)
	req, _ := http.NewRequestWithContext(sctx, "GET", e.srv.URL+"/api/v3/inbox/stream", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		e.t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		return nil, resp
	}
	s := &sse{t: e.t, resp: resp, lines: make(chan string, 1000), cancel: cancel}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	e.t.Cleanup(func() { cancel(); resp.Body.Close() })
	return s, resp
}

// next reads the next event (comments and retry lines are skipped).
func (s *sse) next() sseEvent {
	s.t.Helper()
	var ev sseEvent
	timeout := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				s.t.Fatal("the stream ended")
			}
			switch {
			case line == "":
				if ev.name != "" {
					return ev
				}
			case strings.HasPrefix(line, "id: "):
				ev.id, _ = strconv.ParseInt(line[4:], 10, 64)
			case strings.HasPrefix(line, "event: "):
				ev.name = line[7:]
			case strings.HasPrefix(line, "data: "):
				if err := json.Unmarshal([]byte(line[6:]), &ev.data); err != nil {
					s.t.Fatalf("data %q: %v", line, err)
				}
			}
		case <-timeout:
			s.t.Fatal("no event within 10 s")
		}
	}
}

// until reads events until one of the given name arrives.
func (s *sse) until(name string) sseEvent {
	s.t.Helper()
	for {
		if ev := s.next(); ev.name == name {
			return ev
		}
	}
}

func TestEventStream(t *testing.T) {
	t.Parallel()
	e := newEnv(t, realtime.Limits{})
	inboxTk, clientsTk := e.appToken(inbox.ScopeInboxRead), e.appToken(inbox.ScopeClientsRead)
	e.settle()

	t.Run("HeadersAndEvents", func(t *testing.T) {
		s, resp := e.stream(inboxTk, "")
		if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream; charset=utf-8" {
			t.Errorf("Content-Type=%q", ct)
		}
		if resp.Header.Get("X-Accel-Buffering") != "no" || resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("headers %v", resp.Header)
		}
		conv := e.conversation(e.apiBox)
		ev := s.until("inbox_conversation_created")
		if ev.data["event"] != "inbox_conversation_created" || ev.data["account_id"] != float64(e.account.ID) {
			t.Errorf("data=%v", ev.data)
		}
		res := ev.data["resource"].(map[string]any)
		if _, ok := res["links"]; !ok || res["conversation"] == nil {
			t.Errorf("resource=%v, want links and conversation", res)
		}
		if ev.id == 0 {
			t.Error("event without an id")
		}
		msg := e.post(conv, "Hello from the stream")
		m := s.until("inbox_message_created")
		if id := m.data["resource"].(map[string]any)["message"].(map[string]any)["id"]; id != float64(msg) || m.id <= ev.id {
			t.Errorf("message event id %v (event %d after %d), want %d", id, m.id, ev.id, msg)
		}
	})

	t.Run("ScopesFilter", func(t *testing.T) {
		onlyInbox, _ := e.stream(inboxTk, "")
		onlyClients, _ := e.stream(clientsTk, "")
		// A conversation, then a client, then a message: each stream must
		// skip what its scopes do not allow.
		conv := e.conversation(e.apiBox)
		if ev := onlyInbox.next(); ev.name != "inbox_conversation_created" {
			t.Errorf("inbox_read stream: %s, want inbox_conversation_created", ev.name)
		}
		cl := &inbox.Client{AccountID: e.account.ID, Fullname: "Scoped Guest"}
		if err := app.NewAdmin(e.app).CreateClient(ctx, cl); err != nil {
			t.Fatal(err)
		}
		e.post(conv, "only inbox")
		if ev := onlyClients.next(); ev.name != "client_created" || ev.data["resource"].(map[string]any)["client"] == nil {
			t.Errorf("clients_read stream: %s %v, want client_created first", ev.name, ev.data)
		}
		for i := 0; i < 2; i++ {
			if ev := onlyInbox.next(); !strings.HasPrefix(ev.name, "inbox_") {
				t.Errorf("inbox_read stream got %s", ev.name)
			}
		}
		select {
		case line := <-onlyClients.lines:
			if strings.HasPrefix(line, "event: inbox_") {
				t.Errorf("clients_read stream got %s", line)
			}
		case <-time.After(300 * time.Millisecond):
		}
	})

	t.Run("ResumesAfterLastEventID", func(t *testing.T) {
		s, _ := e.stream(inboxTk, "")
		conv := e.conversation(e.apiBox)
		first := s.until("inbox_conversation_created")
		s.cancel()
		var want []int64
		for i := 0; i < 3; i++ {
			want = append(want, e.post(conv, fmt.Sprintf("missed %d", i)))
		}
		s2, _ := e.stream(inboxTk, strconv.FormatInt(first.id, 10))
		var got []int64
		last := first.id
		for len(got) < len(want) {
			ev := s2.next()
			if ev.id <= last {
				t.Fatalf("event id %d after %d: want increasing", ev.id, last)
			}
			last = ev.id
			if ev.name == "inbox_message_created" {
				got = append(got, int64(ev.data["resource"].(map[string]any)["message"].(map[string]any)["id"].(float64)))
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("resumed with %v, want %v", got, want)
		}
		live := e.post(conv, "live")
		if ev := s2.until("inbox_message_created"); ev.data["resource"].(map[string]any)["message"].(map[string]any)["id"] != float64(live) {
			t.Errorf("after the history: %v, want %d", ev.data, live)
		}
	})

	t.Run("Heartbeat", func(t *testing.T) {
		s, _ := e.stream(inboxTk, "")
		timeout := time.After(5 * time.Second)
		for {
			select {
			case line := <-s.lines:
				if line == ": heartbeat" {
					return
				}
			case <-timeout:
				t.Fatal("no heartbeat within 5 s (5 pings of 200 ms)")
			}
		}
	})

	t.Run("BadLastEventID", func(t *testing.T) {
		for _, id := range []string{"abc", "-1", "999999999"} {
			_, resp := e.stream(inboxTk, id)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"last_event_id"`) {
				t.Errorf("Last-Event-ID %s: %d %s, want 422 on last_event_id", id, resp.StatusCode, body)
			}
		}
	})

	t.Run("RevokedTokenEndsTheStream", func(t *testing.T) {
		tk, id := e.appTokenID(inbox.ScopeInboxRead)
		s, _ := e.stream(tk, "")
		if _, err := app.NewAdmin(e.app).RevokeToken(ctx, e.account.ID, id); err != nil {
			t.Fatal(err)
		}
		timeout := time.After(5 * time.Second)
	read:
		for {
			select {
			case _, ok := <-s.lines:
				if !ok {
					break read
				}
			case <-timeout:
				t.Fatal("the stream of a revoked token still runs after 5 s")
			}
		}
		_, resp := e.stream(tk, "")
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("reconnecting with the revoked token: %d, want 401", resp.StatusCode)
		}
	})

	t.Run("PersonalTokensAreRefused", func(t *testing.T) {
		_, resp := e.stream(e.adminTk, "")
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("a Chatwoot token: %d, want 401", resp.StatusCode)
		}
	})
}

// TestHistoryPastRetention: once retention removed the events after a
// position, a stream resuming there is refused (422) and a /cable history
// request gets reject_history, so the client knows to re-read the state.
func TestHistoryPastRetention(t *testing.T) {
	t.Parallel()
	e := newEnv(t, realtime.Limits{})
	tk := e.appToken(inbox.ScopeInboxRead)
	conv := e.conversation(e.apiBox)
	e.post(conv, "old")
	e.settle()
	head, _, err := e.sys.EventPositions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// Webhook fan-out has passed every event (no webhooks), then everything
	// older than now is pruned.
	pos, ok, err := e.sys.TakeFanOut(ctx, "test", time.Minute)
	if err != nil || !ok {
		t.Fatalf("take fan-out: %v %v", ok, err)
	}
	if _, err := e.sys.CommitFanOut(ctx, "test", pos, head, nil, 0); err != nil {
		t.Fatal(err)
	}
	time.Sleep(10 * time.Millisecond)
	for {
		p, err := e.sys.Prune(ctx, app.Retention{Events: time.Millisecond}, 500)
		if err != nil {
			t.Fatal(err)
		}
		if p.Events == 0 {
			break
		}
	}
	_, resp := e.stream(tk, "1")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), "last_event_id") {
		t.Errorf("stream after a pruned id: %d %s, want 422 on last_event_id", resp.StatusCode, body)
	}
	c := e.dial("actioncable-v1-ext-json")
	c.send(map[string]any{"command": "subscribe", "identifier": e.roomID(e.admin), "history": map[string]any{
		"streams": map[string]any{fmt.Sprintf("room:%d:%d", e.account.ID, e.admin.ID): map[string]any{"epoch": e.epoch(), "offset": 1}}}})
	if m := c.next(); m["type"] != "confirm_subscription" {
		t.Fatalf("subscribe: %v", m)
	}
	if m := c.next(); m["type"] != "reject_history" {
		t.Errorf("history from a pruned offset: %v, want reject_history", m)
	}
}
