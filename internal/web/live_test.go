package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/conns"
	"github.com/inboxd/inbox/internal/web"
)

type update struct {
	Conv     int64  `json:"conv"`
	Removed  bool   `json:"removed"`
	Row      string `json:"row"`
	Match    bool   `json:"match"`
	Details  string `json:"details"`
	Sum      string `json:"sum"`
	Messages []struct {
		ID       int64  `json:"id"`
		Incoming bool   `json:"incoming"`
		HTML     string `json:"html"`
	} `json:"messages"`
}

// await returns the stream's next event that want accepts, or fails after
// a while.
func await(t *testing.T, evs <-chan sseEvent, want func(sseEvent) bool) sseEvent {
	t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case ev, ok := <-evs:
			if !ok {
				t.Fatal("the stream ended")
			}
			if want(ev) {
				return ev
			}
		case <-timeout:
			t.Fatal("no event within 10 s")
		}
	}
}

// next returns the stream's next message event (skipping position-only
// events), or fails after a while.
func next(t *testing.T, evs <-chan sseEvent) (sseEvent, update) {
	t.Helper()
	ev := await(t, evs, func(ev sseEvent) bool { return ev.Data != "" })
	var u update
	if ev.Event == "" {
		must(t, json.Unmarshal([]byte(ev.Data), &u))
	}
	return ev, u
}

// position returns the next position the stream gives the page (an event
// with an id and no data), or fails after a while.
func position(t *testing.T, evs <-chan sseEvent) string {
	t.Helper()
	return await(t, evs, func(ev sseEvent) bool {
		if ev.Data != "" && ev.ID != "" {
			t.Fatalf("event %+v carries data and a position: positions come alone, after a batch", ev)
		}
		return ev.ID != ""
	}).ID
}

// TestLive: the list's stream sends a conversation's row again when it
// changes, to the hosts that see it only; the conversation's stream sends
// its new messages and details.
func TestLive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	admin, agent := e.browser(), e.browser()
	admin.signIn("alice@seaside.example", password)
	agent.signIn("bruno@seaside.example", password)
	start := e.Tail.Head()
	head := strconv.FormatInt(start, 10)
	adminList, resp := admin.openStream(ctx, "/inbox/events?view=list&after="+head, "")
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	agentList, _ := agent.openStream(ctx, "/inbox/events?view=list&after="+head, "")
	agentConv, _ := agent.openStream(ctx, "/inbox/events?view=conversation&conversation="+itoa(e.Conv.DisplayID)+"&after="+head, "")

	// First the hidden conversation changes, then the agent's.
	e.guestSays(e.Hidden, "HIDDEN-LIVE")
	m := e.guestSays(e.Conv, "Is there parking?")

	_, u := next(t, adminList)
	if u.Conv != e.Hidden.DisplayID || !strings.Contains(u.Row, "HIDDEN-LIVE") {
		t.Fatalf("administrator's first update: conversation %d", u.Conv)
	}
	_, u = next(t, agentList)
	if u.Conv != e.Conv.DisplayID || !strings.Contains(u.Row, "Is there parking?") || strings.Contains(u.Row, "HIDDEN") {
		t.Fatalf("agent's first update: conversation %d, row %q; want its own conversation only", u.Conv, u.Row)
	}
	// The new message comes first, on its own, then the details panel,
	// then the position the page is at.
	_, u = next(t, agentConv)
	if len(u.Messages) != 1 || u.Messages[0].ID != m.ID || !u.Messages[0].Incoming ||
		!strings.Contains(u.Messages[0].HTML, "Is there parking?") || u.Details != "" {
		t.Fatalf("conversation's first update: %+v, want the message alone", u)
	}
	_, u = next(t, agentConv)
	if len(u.Messages) != 0 || !strings.Contains(u.Details, "Resolve") {
		t.Fatalf("conversation's second update: %+v, want the details", u)
	}
	// The page rendered now shows the same details (under another CSRF
	// mask): their sums are equal, so a page sent the panel it shows
	// keeps it.
	_, page := agent.get("/inbox/conversations/" + itoa(e.Conv.DisplayID))
	if m := regexp.MustCompile(`id="details"[^>]* data-sum="([^"]+)"`).FindStringSubmatch(page); m == nil || m[1] != u.Sum {
		t.Fatalf("page's details sum %q, the stream's %q: want the same", m, u.Sum)
	}
	before := position(t, agentConv)
	if n, err := strconv.ParseInt(before, 10, 64); err != nil || n <= start {
		t.Fatalf("position %q after the updates, want past %d", before, start)
	}

	// A browser that lost the connection comes back with its last
	// position and is sent what it missed.
	e.guestSays(e.Conv, "Hello? Anyone there?")
	again, _ := agent.openStream(ctx, "/inbox/events?view=conversation&conversation="+itoa(e.Conv.DisplayID)+"&after=0", before)
	// (The details panel changed meanwhile too: opening the page above
	// marked the conversation read.)
	for u = (update{}); len(u.Messages) == 0; {
		_, u = next(t, again)
	}
	if len(u.Messages) != 1 || !strings.Contains(u.Messages[0].HTML, "Hello? Anyone there?") {
		t.Fatalf("catch-up after reconnecting: %+v", u)
	}
}

// TestLiveNewConversation: a new conversation's row goes to every list the
// host sees it in, marked as belonging on the first pages whose filters it
// passes (the page adds it at the top).
func TestLiveNewConversation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	admin := e.browser()
	admin.signIn("alice@seaside.example", password)
	after := "/inbox/events?view=list&after=" + strconv.FormatInt(e.Tail.Head(), 10) + "&back="
	lists := map[string]bool{ // the list's URL: whether the new conversation belongs on it
		"/inbox": true, "/inbox?status=all&inbox=" + itoa(e.API.ID): true, "/inbox?assignee=unassigned": true,
		"/inbox?status=resolved": false, "/inbox?inbox=" + itoa(e.Airbnb.ID): false, "/inbox?assignee=mine": false,
		"/inbox?label=vip": false, "/inbox?before=" + url.QueryEscape("9999999999999999-1"): false,
	}
	streams := map[string]<-chan sseEvent{}
	for list := range lists {
		streams[list], _ = admin.openStream(ctx, after+url.QueryEscape(list), "")
	}
	c := e.newConversation(e.API, e.newGuest("Noah Newcomer"), "Late arrival", "We land at 11 pm.")
	for list, want := range lists {
		// (On PostgreSQL the tail's head may not have reached the seed's
		// last events yet: the stream sends those first.)
		var u update
		for u.Conv != c.DisplayID {
			_, u = next(t, streams[list])
		}
		if u.Conv != c.DisplayID || !strings.Contains(u.Row, "Noah Newcomer") || u.Match != want {
			t.Errorf("list %s: update for conversation %d, match %v; want %d with match %v", list, u.Conv, u.Match, c.DisplayID, want)
		}
	}
}

// TestLiveReload: a page too far behind is told to reload rather than be
// sent every event it missed.
func TestLiveReload(t *testing.T) {
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	defer web.SetMaxCatchUp(20)()
	b := e.browser()
	b.signIn("alice@seaside.example", password)
	// More events than a page is ever sent to catch up.
	for i := 0; e.Tail.Head() <= 20; i++ {
		e.guestSays(e.Conv, "flood "+strconv.Itoa(i))
	}
	evs, _ := b.openStream(ctx, "/inbox/events?view=list&after=0", "")
	ev, _ := next(t, evs)
	if ev.Event != "reload" {
		t.Fatalf("event %q, want reload", ev.Event)
	}
}

// TestLiveEndsOnDrain: an open stream does not hold a stopping server: it
// ends as soon as the drain starts.
func TestLiveEndsOnDrain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	guard := conns.New(ln, conns.Limits{}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv := &http.Server{Handler: guard.Handler(e.Handler), ConnState: guard.ConnState}
	go srv.Serve(guard)
	defer srv.Close()

	b := e.browser()
	b.signIn("alice@seaside.example", password)
	b.e = &env{t: t, URL: "http://" + ln.Addr().String()}
	evs, _ := b.openStream(context.Background(), "/inbox/events?view=list&after="+strconv.FormatInt(e.Tail.Head(), 10), "")
	time.Sleep(100 * time.Millisecond) // the stream is open and waiting

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	if err := guard.Drain(ctx, 50*time.Millisecond); err != nil {
		t.Fatalf("drain with a stream open: %v", err)
	}
	took := time.Since(start)
	for range evs {
	}
	t.Logf("drained in %s with a stream open", took)
}

// TestLiveSignOut: a stream ends once its session is gone, telling the page
// to go to the sign-in form.
func TestLiveSignOut(t *testing.T) {
	defer web.SetRecheck(50 * time.Millisecond)()
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b := e.browser()
	b.signIn("alice@seaside.example", password)
	evs, _ := b.openStream(ctx, "/inbox/events?view=list&after="+strconv.FormatInt(e.Tail.Head(), 10), "")
	other := e.browser()
	other.signIn("alice@seaside.example", password)
	other.post("/signout/everywhere", nil, true)
	ev, _ := next(t, evs)
	if ev.Event != "signout" {
		t.Fatalf("event %q, want signout", ev.Event)
	}
	if _, open := <-evs; open {
		t.Fatal("the stream went on after its session ended")
	}
}
