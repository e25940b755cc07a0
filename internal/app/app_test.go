package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/sqlstore"
)

// env is one account on a real store (SQLite, or PostgreSQL when
// INBOXD_TEST_DATABASE_URL is set) with an administrator, an agent of the
// API inbox, an OAuth application and a contact.
type env struct {
	t        *testing.T
	store    *sqlstore.Store
	app      *app.App
	admin    *app.Admin
	account  int64
	apiBox   int64 // the account's API inbox (the agent's)
	otherBox int64 // an inbox the agent is not a member of

	adminHost, agentHost *inbox.Host
	asAdmin, asAgent     context.Context
	asApp                context.Context
	appID                int64
	client               *inbox.Client

	clock *clock
}

// clock is the store's time; tests move it.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// tick moves the clock a second on and returns the new time.
func (c *clock) tick() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(time.Second)
	return c.now
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, store: inboxtest.MustOpenStore(t), clock: &clock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}}
	e.store.Now = e.clock.Now
	files, err := filestore.New(t.TempDir())
	must(t, err)
	e.app = app.New(app.Deps{Store: e.store, Files: files, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	e.admin = app.NewAdmin(e.app)
	ctx := context.Background()
	acc := &inbox.Account{Name: "App Test Rentals"}
	must(t, e.admin.CreateAccount(ctx, acc))
	e.account = acc.ID
	other := &inbox.Inbox{AccountID: acc.ID, Name: "Mail", Channel: inbox.ChannelEmail}
	must(t, e.admin.CreateInbox(ctx, other))
	e.otherBox = other.ID
	e.adminHost = &inbox.Host{AccountID: acc.ID, Firstname: "Ada", Lastname: "Admin", Email: "ada@app.example",
		Role: inbox.RoleAdministrator}
	adminToken, err := e.admin.CreateHostWithToken(ctx, e.adminHost, nil)
	must(t, err)
	e.agentHost = &inbox.Host{AccountID: acc.ID, Firstname: "Alan", Lastname: "Agent", Email: "alan@app.example",
		Role: inbox.RoleAgent}
	agentToken, err := e.admin.CreateHostWithToken(ctx, e.agentHost, nil)
	must(t, err)
	application := &inbox.Application{AccountID: acc.ID, Name: "PMS", Scopes: inbox.KnownScopes}
	_, err = e.admin.CreateApplication(ctx, application)
	must(t, err)
	e.appID = application.ID
	g, err := e.admin.CreateToken(ctx, acc.ID, inbox.KnownScopes, &application.ID, 0)
	must(t, err)
	e.asAdmin, e.asAgent, e.asApp = e.as(adminToken), e.as(agentToken), e.as(g.AccessToken)
	boxes, err := app.View(e.asAdmin, e.app, inbox.ScopeInboxRead, (*app.Loader).Inboxes)
	must(t, err)
	for _, b := range boxes {
		if b.Channel == inbox.ChannelAPI {
			e.apiBox = b.ID
		}
	}
	e.client, err = e.app.CreateClient(e.asAdmin, &inbox.Client{Fullname: "Grace Guest"})
	must(t, err)
	return e
}

// as authenticates a token and returns a context acting as it.
func (e *env) as(token string) context.Context {
	e.t.Helper()
	p, err := e.app.Authenticate(context.Background(), token)
	must(e.t, err)
	return inbox.NewContextWithPrincipal(context.Background(), p)
}

// conversation creates an open conversation with the contact in an inbox
// (the API inbox when 0), as the administrator.
func (e *env) conversation(inboxID int64) *app.ConversationView {
	e.t.Helper()
	in := app.ConversationCreate{ClientID: &e.client.ID}
	if inboxID != 0 {
		in.InboxID = &inboxID
	}
	c, err := e.app.CreateConversation(e.asAdmin, in)
	must(e.t, err)
	return c
}

// participant returns the conversation's participant for a member.
func (e *env) participant(convID int64, memberType string, memberID int64) *inbox.Participant {
	e.t.Helper()
	ps, err := app.View(e.asAdmin, e.app, inbox.ScopeInboxRead, func(l *app.Loader) ([]*inbox.Participant, error) {
		ps, _, err := l.Participants(inbox.ParticipantFilter{ConversationID: &convID, MemberType: memberType, MemberID: &memberID})
		return ps, err
	})
	must(e.t, err)
	if len(ps) == 0 {
		e.t.Fatalf("conversation %d has no %s %d participant", convID, memberType, memberID)
	}
	return ps[0]
}

// lastEventID is the newest event of the account.
func (e *env) lastEventID() int64 {
	evs := e.eventsAfter(0)
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].ID
}

func (e *env) eventsAfter(id int64) []*inbox.Event {
	e.t.Helper()
	var out []*inbox.Event
	must(e.t, e.store.View(context.Background(), func(tx inbox.Tx) (err error) {
		out, err = tx.FindEvents(context.Background(), e.account, id, 10000)
		return err
	}))
	return out
}

// ev is an expected event: its type, subject and changes (nil: none).
type ev struct {
	typ     string
	subject int64
	changes map[string][2]any
}

// actor is who an event names.
type actor struct {
	typ string
	id  *int64
}

func (e *env) actorOf(ctx context.Context) actor {
	p := inbox.PrincipalFromContext(ctx)
	if p == nil {
		return actor{}
	}
	return actor{p.ActorType(), p.ActorID()}
}

// expectEvents checks the events written after id: exactly want, in order,
// each naming the actor.
func (e *env) expectEvents(t *testing.T, after int64, who actor, want ...ev) {
	t.Helper()
	got := e.eventsAfter(after)
	if len(got) != len(want) {
		var names []string
		for _, g := range got {
			names = append(names, fmt.Sprintf("%s(%d)%v", g.Type, g.SubjectID, g.Changes))
		}
		t.Fatalf("events=%v, want %d: %v", names, len(want), want)
	}
	for i, w := range want {
		g := got[i]
		if g.Type != w.typ || g.SubjectID != w.subject {
			t.Errorf("event %d: %s subject %d, want %s subject %d", i, g.Type, g.SubjectID, w.typ, w.subject)
		}
		if g.ActorType != who.typ || !sameID(g.ActorID, who.id) {
			t.Errorf("event %d (%s): actor %s %v, want %s %v", i, g.Type, g.ActorType, deref(g.ActorID), who.typ, deref(who.id))
		}
		if gj, wj := jsonOf(t, g.Changes), jsonOf(t, w.changes); gj != wj {
			t.Errorf("event %d (%s): changes %s, want %s", i, g.Type, gj, wj)
		}
	}
}

func jsonOf(t *testing.T, changes map[string][2]any) string {
	t.Helper()
	if len(changes) == 0 {
		return "{}"
	}
	b, err := json.Marshal(changes)
	must(t, err)
	// Round-trip so that numbers and times compare as stored.
	var v any
	must(t, json.Unmarshal(b, &v))
	b, _ = json.Marshal(v)
	return string(b)
}

func sameID(a, b *int64) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }

func deref(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func ptr[T any](v T) *T { return &v }

// foreignConversation creates another account in the same store, with a
// conversation, and returns that conversation.
func (e *env) foreignConversation() *app.ConversationView {
	e.t.Helper()
	ctx := context.Background()
	acc := &inbox.Account{Name: "Another Account"}
	must(e.t, e.admin.CreateAccount(ctx, acc))
	h := &inbox.Host{AccountID: acc.ID, Firstname: "Other", Lastname: "Admin", Email: "other@app.example",
		Role: inbox.RoleAdministrator}
	token, err := e.admin.CreateHostWithToken(ctx, h, nil)
	must(e.t, err)
	c, err := e.app.CreateConversation(e.as(token), app.ConversationCreate{})
	must(e.t, err)
	return c
}
