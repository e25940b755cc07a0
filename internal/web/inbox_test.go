package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/web"
)

// TestAgentVisibility: an agent sees in the web inbox exactly what the API
// shows it: the conversations of its inboxes, nothing of another inbox, by
// list or by URL.
func TestAgentVisibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	agent := e.browser()
	agent.signIn("bruno@seaside.example", password)
	_, page := agent.get("/inbox")
	if !strings.Contains(page, "Can we check in at noon?") {
		t.Error("the agent's list lacks its own inbox's conversation")
	}
	if strings.Contains(page, "HIDDEN-MESSAGE") || strings.Contains(page, "Secret airbnb") {
		t.Error("the agent's list shows another inbox's conversation")
	}
	if strings.Contains(page, ">Airbnb<") {
		t.Error("the agent's filters list an inbox it does not work in")
	}
	hidden := "/inbox/conversations/" + itoa(e.Hidden.DisplayID)
	resp, page := agent.get(hidden)
	if resp.StatusCode != http.StatusForbidden || strings.Contains(page, "HIDDEN-MESSAGE") {
		t.Fatalf("agent opening another inbox's conversation: status %d, want 403 without its content", resp.StatusCode)
	}
	for _, action := range []string{"/messages", "/status", "/assignee", "/labels", "/priority", "/unread", "/seen", "/mute"} {
		form := url.Values{"content": {"x"}, "status": {"resolved"}, "assignee": {"me"}, "labels": {"x"}, "priority": {"urgent"}}
		if resp, body := agent.post(hidden+action, form, true); resp.StatusCode != http.StatusForbidden || strings.Contains(body, "HIDDEN") {
			t.Errorf("POST %s as the agent: status %d, want 403", action, resp.StatusCode)
		}
	}
	if v := e.conversation(e.Hidden.ID); v.Status != inbox.StatusOpen || v.Priority != "" || v.AssigneeID != nil || len(v.Labels) > 0 {
		t.Errorf("the refused actions changed the conversation: %+v", v.Conversation)
	}
	// The same conversation through the stream: TestLive.
	admin := e.browser()
	admin.signIn("alice@seaside.example", password)
	if resp, page := admin.get(hidden); resp.StatusCode != http.StatusOK || !strings.Contains(page, "HIDDEN-MESSAGE") {
		t.Fatalf("administrator: status %d, want the conversation", resp.StatusCode)
	}
	// Another account's host finds nothing under the same number.
	other := &inbox.Account{Name: "Elsewhere"}
	must(t, e.Admin.CreateAccount(context.Background(), other))
	stranger := &inbox.Host{AccountID: other.ID, Firstname: "Sam", Lastname: "Stranger", Email: "sam@elsewhere.example",
		Role: inbox.RoleAdministrator}
	_, err := e.Admin.CreateHostWithToken(context.Background(), stranger, nil)
	must(t, err)
	must(t, e.Admin.SetPassword(context.Background(), other.ID, stranger.ID, password))
	s := e.browser()
	s.signIn("sam@elsewhere.example", password)
	if resp, page := s.get(hidden); resp.StatusCode != http.StatusNotFound || strings.Contains(page, "HIDDEN") {
		t.Fatalf("another account's administrator: status %d, want 404", resp.StatusCode)
	}
}

var rowID = regexp.MustCompile(`id="conv-(\d+)"`)
var olderLink = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)

// TestListPaging walks every page of a long list by its links: each
// conversation once, newest activity first, pages of 50 reached by a
// cursor (the link has no page number or offset).
func TestListPaging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for i := range 120 {
		e.newConversation(e.API, e.Guest, fmt.Sprint("thread ", i), fmt.Sprint("message ", i))
	}
	b := e.browser()
	b.signIn("alice@seaside.example", password)
	var seen []string
	path := "/inbox?assignee=unassigned"
	pages := 0
	for path != "" {
		pages++
		_, page := b.get(path)
		ids := rowID.FindAllStringSubmatch(page, -1)
		if len(ids) > 50 {
			t.Fatalf("page %d has %d rows, want at most 50", pages, len(ids))
		}
		for _, m := range ids {
			seen = append(seen, m[1])
		}
		if !strings.Contains(page, `Unassigned <span class="count">122</span>`) {
			t.Fatalf("page %d: the counter is not the whole list's", pages)
		}
		path = ""
		if m := olderLink.FindStringSubmatch(page); m != nil {
			path = strings.ReplaceAll(m[1], "&amp;", "&")
			if strings.Contains(path, "page=") || strings.Contains(path, "offset") || !strings.Contains(path, "before=") {
				t.Fatalf("next page link %q is not a cursor", path)
			}
		}
	}
	if pages != 3 || len(seen) != 122 {
		t.Fatalf("%d pages, %d rows; want 3 pages, 122 rows", pages, len(seen))
	}
	sorted := slices.Clone(seen)
	slices.Sort(sorted)
	if len(slices.Compact(sorted)) != 122 {
		t.Fatal("a conversation was listed twice")
	}
	// Newest first: the conversations were created in order, so their
	// numbers fall.
	if seen[0] != itoa(e.Hidden.DisplayID+120) || seen[121] != itoa(e.Conv.DisplayID) {
		t.Fatalf("first %s, last %s: not newest activity first", seen[0], seen[121])
	}
}

// TestConversationActions drives each action of the conversation page and
// checks its effect through the application (what the API reads).
func TestConversationActions(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signIn("alice@seaside.example", password)
	n := itoa(e.Conv.DisplayID)
	base := "/inbox/conversations/" + n
	resp, page := b.get(base)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "Can we check in at noon?") {
		t.Fatalf("conversation page: status %d", resp.StatusCode)
	}
	if v := e.conversation(e.Conv.ID); v.Stats.UnreadCount != 0 {
		t.Errorf("opening the conversation left %d unread", v.Stats.UnreadCount)
	}

	// A reply with an attachment, and a private note.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", b.csrf)
	mw.WriteField("content", "Yes, noon is fine.")
	fw, _ := mw.CreateFormFile("files", "map.png")
	fw.Write(pngBytes)
	mw.Close()
	req, _ := http.NewRequest("POST", e.URL+base+"/messages", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	r, err := b.http.Do(req)
	must(t, err)
	r.Body.Close()
	if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != base {
		t.Fatalf("reply: status %d to %q, want 303 to the conversation", r.StatusCode, r.Header.Get("Location"))
	}
	if resp, _ := b.post(base+"/messages", url.Values{"content": {"Guest asked twice."}, "kind": {"note"}}, true); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("note: status %d", resp.StatusCode)
	}
	if resp, body := b.post(base+"/messages", url.Values{"content": {"  "}}, true); resp.StatusCode != http.StatusUnprocessableEntity ||
		!strings.Contains(body, "Content can&#39;t be blank") {
		t.Fatalf("empty reply: status %d, want 422 saying why", resp.StatusCode)
	}
	_, page = b.get(base)
	for _, want := range []string{"Yes, noon is fine.", `alt="map.png"`, "/files/", "Private note", "Guest asked twice."} {
		if !strings.Contains(page, want) {
			t.Errorf("conversation page lacks %q", want)
		}
	}
	var msgs []*inbox.Message
	must(t, e.App.Read(e.ownerCtx, inbox.ScopeInboxRead, func(l *app.Loader) (err error) {
		msgs, _, err = l.Messages(inbox.MessageFilter{ConversationID: &e.Conv.ID, ExcludeActivity: true})
		return err
	}))
	if len(msgs) != 3 || len(msgs[1].AttachmentIDs) != 1 || msgs[2].Visibility != inbox.VisibilityInternal || msgs[1].Kind != inbox.KindOutgoing {
		t.Fatalf("messages after reply and note: %d, want the guest's, a reply with one attachment and an internal note", len(msgs))
	}

	steps := []struct {
		path  string
		form  url.Values
		check func(v *app.ConversationView) bool
	}{
		{"/assignee", url.Values{"assignee": {itoa(e.Agent.ID)}}, func(v *app.ConversationView) bool {
			return v.AssigneeID != nil && *v.AssigneeID == e.Agent.ID
		}},
		{"/assignee", url.Values{"assignee": {"me"}}, func(v *app.ConversationView) bool {
			return v.AssigneeID != nil && *v.AssigneeID == e.Owner.ID
		}},
		{"/labels", url.Values{"labels": {"vip"}, "new": {"check-in"}}, func(v *app.ConversationView) bool {
			return slices.Equal(v.Labels, []string{"vip", "check-in"})
		}},
		{"/priority", url.Values{"priority": {"urgent"}}, func(v *app.ConversationView) bool { return v.Priority == "urgent" }},
		{"/status", url.Values{"status": {"snoozed"}, "until": {"2031-05-01T09:30"}, "tz": {"-120"}}, func(v *app.ConversationView) bool {
			return v.Status == inbox.StatusSnoozed && v.SnoozedUntil != nil && v.SnoozedUntil.Equal(time.Date(2031, 5, 1, 7, 30, 0, 0, time.UTC))
		}},
		{"/status", url.Values{"status": {"resolved"}}, func(v *app.ConversationView) bool { return v.Status == inbox.StatusResolved }},
		{"/status", url.Values{"status": {"open"}}, func(v *app.ConversationView) bool { return v.Status == inbox.StatusOpen }},
		{"/unread", nil, func(v *app.ConversationView) bool { return v.Stats.UnreadCount > 0 }},
		{"/mute", nil, func(v *app.ConversationView) bool { return v.Client.Blocked && v.Status == inbox.StatusResolved }},
		{"/mute", url.Values{"muted": {"false"}}, func(v *app.ConversationView) bool { return !v.Client.Blocked }},
		{"/labels", nil, func(v *app.ConversationView) bool { return len(v.Labels) == 0 }},
	}
	for _, s := range steps {
		resp, body := b.post(base+s.path, s.form, true)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s %v: status %d: %s", s.path, s.form, resp.StatusCode, body)
		}
		if v := e.conversation(e.Conv.ID); !s.check(v) {
			t.Fatalf("after POST %s %v: conversation %+v", s.path, s.form, v.Conversation)
		}
	}
	// The activity lines the API writes show in the thread.
	_, page = b.get(base)
	for _, want := range []string{"Alice Owner self-assigned this conversation", "Conversation was marked resolved by Alice Owner"} {
		if !strings.Contains(page, want) {
			t.Errorf("conversation page lacks the activity %q", want)
		}
	}
	if resp, _ := b.post(base+"/priority", url.Values{"priority": {"whenever"}}, true); resp.StatusCode != http.StatusUnprocessableEntity {
		t.Errorf("bad priority: status %d, want 422", resp.StatusCode)
	}
	if resp, _ := b.get("/inbox/conversations/999999"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("missing conversation: status %d, want 404", resp.StatusCode)
	}
}

// pngBytes is a 1×1 PNG.
var pngBytes = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82")

// TestAssets: the stylesheet and script come from the binary, compressed,
// cacheable for a year under a name that changes with their content.
func TestAssets(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, page := e.browser().get("/signin")
	m := regexp.MustCompile(`href="(/assets/app\.[0-9a-f]{12}\.css)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no hashed stylesheet link")
	}
	req, _ := http.NewRequest("GET", e.URL+m[1], nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := http.DefaultTransport.RoundTrip(req)
	must(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" ||
		!strings.Contains(resp.Header.Get("Cache-Control"), "immutable") || len(body) == 0 {
		t.Fatalf("asset: status %d encoding %q cache %q", resp.StatusCode, resp.Header.Get("Content-Encoding"), resp.Header.Get("Cache-Control"))
	}
	if resp, _ := e.browser().get("/assets/app.000000000000.css"); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown asset: status %d", resp.StatusCode)
	}
}

// TestPagesNeedSession: every page and action of the inbox asks for a
// session.
func TestPagesNeedSession(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	// Every route of the table but the sign-in pages and the assets: a
	// route added later is covered without touching this test.
	rec := inboxtest.NewRouteRecorder()
	web.New(web.Deps{App: e.App}).Register(rec)
	public := map[string]bool{"GET /{$}": true, "GET /assets/{name}": true, "GET /signin": true, "POST /signin": true,
		"GET /invite/{token}": true, "POST /invite/{token}": true}
	walked := 0
	for _, pattern := range rec.Patterns {
		if public[pattern] {
			continue
		}
		walked++
		method, path, _ := strings.Cut(pattern, " ")
		path = strings.NewReplacer("{id}", itoa(e.Conv.DisplayID)).Replace(path)
		if method == "GET" {
			resp, _ := b.get(path + "?view=list&after=0")
			loc := resp.Header.Get("Location")
			if strings.HasSuffix(path, "/events") {
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s without a session: status %d, want 401", pattern, resp.StatusCode)
				}
			} else if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/signin?next=") {
				t.Errorf("%s without a session: status %d to %q, want a redirect to sign in", pattern, resp.StatusCode, loc)
			}
			continue
		}
		if resp, _ := b.post(path, url.Values{"status": {"resolved"}}, false); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s without a session: status %d, want 401", pattern, resp.StatusCode)
		}
	}
	if walked < 12 {
		t.Fatalf("walked %d routes; the recorder missed some", walked)
	}
	if v := e.conversation(e.Conv.ID); v.Status != inbox.StatusOpen {
		t.Fatalf("status %s after posts without a session", v.Status)
	}
	// The sign-in page sends the browser back where it wanted to go, on
	// this site only.
	for next, want := range map[string]string{"//evil.example/x": "/inbox", "https://evil.example/": "/inbox",
		"/inbox/conversations/1": "/inbox/conversations/1"} {
		_, page := b.get("/signin?next=" + url.QueryEscape(next))
		token := formToken.FindStringSubmatch(page)[1]
		resp, _ := b.post("/signin", url.Values{"csrf": {token}, "email": {"alice@seaside.example"}, "password": {password},
			"next": {next}}, false)
		if loc := resp.Header.Get("Location"); loc != want {
			t.Errorf("redirect after sign-in with next=%q: %q, want %q", next, loc, want)
		}
		b.post("/signout", nil, false)
		b.http.Jar.SetCookies(mustURL(e.URL), []*http.Cookie{{Name: "inboxd_session", Value: "", MaxAge: -1}})
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// TestListFilters: the list filters by status, assignee (mine, unassigned),
// inbox and label; each row shows its channel, the newest message's
// excerpt and the unread count.
func TestListFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := e.ownerCtx
	owner, vip, pending := &e.Owner.ID, []string{"vip"}, inbox.StatusPending
	_, err := e.App.UpdateConversation(ctx, app.ByID(e.Conv.ID), app.ConversationChange{AssigneeID: &owner, Labels: &vip}, app.ViewOptions{})
	must(t, err)
	_, err = e.App.UpdateConversation(ctx, app.ByID(e.Hidden.ID), app.ConversationChange{Status: &pending}, app.ViewOptions{})
	must(t, err)
	e.guestSays(e.Conv, "And is breakfast included?")
	b := e.browser()
	b.signIn("alice@seaside.example", password)
	conv, hidden := itoa(e.Conv.DisplayID), itoa(e.Hidden.DisplayID)
	for path, want := range map[string][]string{
		"/inbox":                                       {conv},
		"/inbox?status=pending":                        {hidden},
		"/inbox?status=resolved":                       nil,
		"/inbox?status=all":                            {conv, hidden}, // newest activity first
		"/inbox?status=all&assignee=mine":              {conv},
		"/inbox?status=all&assignee=unassigned":        {hidden},
		"/inbox?status=all&inbox=" + itoa(e.Airbnb.ID): {hidden},
		"/inbox?status=all&label=vip":                  {conv},
	} {
		resp, page := b.get(path)
		var got []string
		for _, m := range rowID.FindAllStringSubmatch(page, -1) {
			got = append(got, m[1])
		}
		if resp.StatusCode != http.StatusOK || !slices.Equal(got, want) {
			t.Errorf("%s: status %d, rows %v; want %v", path, resp.StatusCode, got, want)
		}
	}
	_, page := b.get("/inbox?status=all")
	row := func(n string) string {
		i := strings.Index(page, `id="conv-`+n+`"`)
		j := strings.Index(page[i:], "</li>")
		return page[i : i+j]
	}
	// The guest's two messages are unread; the newest is the excerpt.
	if r := row(conv); !strings.Contains(r, `class="ch ch-api"`) || !strings.Contains(r, "And is breakfast included?") ||
		!strings.Contains(r, `<span class="badge">2<span class="vh"> unread</span>`) {
		t.Errorf("API conversation's row lacks its channel, excerpt or unread count:\n%s", r)
	}
	if r := row(hidden); !strings.Contains(r, `title="Airbnb"`) || !strings.Contains(r, "HIDDEN-MESSAGE for admins only") {
		t.Errorf("Airbnb conversation's row lacks its channel or excerpt:\n%s", r)
	}
}
