package web_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/events"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/server"
	"github.com/inboxd/inbox/internal/sqlstore"
)

// password is every seeded host's password.
const password = "correct horse battery staple"

// env is a running server with a seeded account: an administrator, an agent
// who works in the API inbox only, a guest, and a conversation in each of
// two inboxes (the agent sees only the first).
type env struct {
	t       *testing.T
	URL     string
	App     *app.App
	Admin   *app.Admin
	Store   *sqlstore.Store
	Tail    *events.Tail
	Handler http.Handler

	Account       *inbox.Account
	Owner, Agent  *inbox.Host
	API, Airbnb   *inbox.Inbox
	Guest         *inbox.Client
	Conv, Hidden  *inbox.Conversation // in API (the agent's), in Airbnb
	ownerCtx      context.Context     // acting as the administrator
	seqGuestNames int
}

type envOption func(*app.Deps)

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// newEnv starts a server on a fresh database of the engine under test.
func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	store := inboxtest.MustOpenStore(t)
	files, err := filestore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	deps := app.Deps{Store: store, Files: files, Logger: discard()}
	for _, o := range opts {
		o(&deps)
	}
	a := app.New(deps)
	ctx, cancel := context.WithCancel(context.Background())
	tail := events.New(events.Deps{Source: app.NewSystem(a), Sequence: store.Engine() == "postgres",
		Wake: store.Changes(ctx), Logger: discard(), Poll: 100 * time.Millisecond})
	done := make(chan struct{})
	go func() { tail.Run(ctx); close(done) }()
	h := server.New(server.Deps{App: a, Logger: discard(), Events: tail})
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.CloseClientConnections()
		srv.Close()
		cancel()
		<-done
	})
	e := &env{t: t, URL: srv.URL, App: a, Admin: app.NewAdmin(a), Store: store, Tail: tail, Handler: h}
	e.seed()
	<-tail.Ready()
	return e
}

func (e *env) seed() {
	t, ctx := e.t, context.Background()
	e.Account = &inbox.Account{Name: "Seaside"}
	must(t, e.Admin.CreateAccount(ctx, e.Account))
	e.Owner = &inbox.Host{AccountID: e.Account.ID, Firstname: "Alice", Lastname: "Owner", Email: "alice@seaside.example",
		Role: inbox.RoleAdministrator}
	token, err := e.Admin.CreateHostWithToken(ctx, e.Owner, nil)
	must(t, err)
	p, err := e.App.Authenticate(ctx, token)
	must(t, err)
	e.ownerCtx = inbox.NewContextWithPrincipal(ctx, p)
	must(t, e.App.Read(e.ownerCtx, inbox.ScopeInboxRead, func(l *app.Loader) error {
		boxes, err := l.Inboxes()
		e.API = boxes[0]
		return err
	}))
	e.Airbnb = &inbox.Inbox{AccountID: e.Account.ID, Name: "Airbnb", Channel: inbox.ChannelAirbnb}
	must(t, e.Admin.CreateInbox(ctx, e.Airbnb))
	e.Agent = &inbox.Host{AccountID: e.Account.ID, Firstname: "Bruno", Lastname: "Agent", Email: "bruno@seaside.example",
		Role: inbox.RoleAgent}
	_, err = e.Admin.CreateHostWithToken(ctx, e.Agent, []int64{e.API.ID})
	must(t, err)
	must(t, e.Admin.SetPassword(ctx, e.Account.ID, e.Owner.ID, password))
	must(t, e.Admin.SetPassword(ctx, e.Account.ID, e.Agent.ID, password))
	e.Guest = e.newGuest("Emma Guest")
	e.Conv = e.newConversation(e.API, e.Guest, "Early check-in?", "Can we check in at noon?")
	e.Hidden = e.newConversation(e.Airbnb, e.Guest, "Secret airbnb thread", "HIDDEN-MESSAGE for admins only")
}

func (e *env) newGuest(name string) *inbox.Client {
	c, err := e.App.CreateClient(e.ownerCtx, &inbox.Client{Fullname: name})
	must(e.t, err)
	return c
}

// newConversation creates a conversation in an inbox with the guest's
// first message.
func (e *env) newConversation(box *inbox.Inbox, guest *inbox.Client, subject, text string) *inbox.Conversation {
	v, err := e.App.CreateConversation(e.ownerCtx, app.ConversationCreate{InboxID: &box.ID, ClientID: &guest.ID, Subject: subject})
	must(e.t, err)
	e.guestSays(v.Conversation, text)
	return v.Conversation
}

// guestSays posts a message from the conversation's guest.
func (e *env) guestSays(c *inbox.Conversation, text string) *app.MessageView {
	var guest int64
	must(e.t, e.App.Read(e.ownerCtx, inbox.ScopeInboxRead, func(l *app.Loader) error {
		ps, _, err := l.Participants(inbox.ParticipantFilter{ConversationID: &c.ID, MemberType: inbox.MemberClient,
			Page: inbox.Page{Limit: 1}})
		if err == nil {
			guest = ps[0].ID
		}
		return err
	}))
	m, err := e.App.CreateMessage(e.ownerCtx, app.MessageCreate{ConversationID: c.ID, SenderParticipantID: &guest, Content: &text})
	must(e.t, err)
	return m
}

// conversation reads a conversation as the administrator.
func (e *env) conversation(id int64) *app.ConversationView {
	var v *app.ConversationView
	must(e.t, e.App.Read(e.ownerCtx, inbox.ScopeInboxRead, func(l *app.Loader) (err error) {
		v, err = l.Conversation(app.ByID(id), app.ViewOptions{Details: true})
		return err
	}))
	return v
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// browser is an HTTP client with its own cookie jar: one person's browser.
type browser struct {
	t    *testing.T
	e    *env
	http *http.Client
	csrf string // the last signed-in page's CSRF token
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: e.t, e: e, http: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

var (
	csrfAttr  = regexp.MustCompile(`data-csrf="([^"]+)"`)
	formToken = regexp.MustCompile(`name="csrf" value="([^"]+)"`)
)

// get fetches a page and remembers its CSRF token.
func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	resp, err := b.http.Get(b.e.URL + path)
	must(b.t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m := csrfAttr.FindSubmatch(body); m != nil {
		b.csrf = string(m[1])
	}
	return resp, string(body)
}

// post sends a form; with csrf, the remembered token goes with it.
func (b *browser) post(path string, form url.Values, csrf bool) (*http.Response, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	if csrf {
		form.Set("csrf", b.csrf)
	}
	resp, err := b.http.PostForm(b.e.URL+path, form)
	must(b.t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}

// signIn signs in through the form and fails the test unless it works.
func (b *browser) signIn(email, pw string) {
	b.t.Helper()
	resp := b.trySignIn(email, pw)
	if resp.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("sign in as %s: status %d, want 303", email, resp.StatusCode)
	}
	b.get("/inbox")
}

func (b *browser) trySignIn(email, pw string) *http.Response {
	b.t.Helper()
	_, page := b.get("/signin")
	m := formToken.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatal("sign-in page has no form token")
	}
	resp, _ := b.post("/signin", url.Values{"csrf": {m[1]}, "email": {email}, "password": {pw}}, false)
	return resp
}

// sseEvent is one event read from a stream.
type sseEvent struct {
	Event, ID, Data string
}

// openStream opens an event stream and returns its events as they come.
func (b *browser) openStream(ctx context.Context, path string, lastEventID string) (<-chan sseEvent, *http.Response) {
	b.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", b.e.URL+path, nil)
	if lastEventID != "" {
		req.Header.Set("Last-Event-ID", lastEventID)
	}
	client := &http.Client{Jar: b.http.Jar}
	resp, err := client.Do(req)
	must(b.t, err)
	out := make(chan sseEvent, 64)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Data != "" || ev.Event != "" || ev.ID != "" {
					select {
					case out <- ev:
					case <-ctx.Done():
						return
					}
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "event: "):
				ev.Event = line[7:]
			case strings.HasPrefix(line, "id: "):
				ev.ID = line[4:]
			case strings.HasPrefix(line, "data: "):
				ev.Data = line[6:]
			}
		}
	}()
	return out, resp
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
