package app_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// TestLoad reads with an explicit visibility and no principal, as a webhook
// or realtime renderer does.
func TestLoad(t *testing.T) {
	e := newEnv(t)
	mine := e.conversation(e.apiBox)
	theirs := e.conversation(e.otherBox)
	foreign := e.foreignConversation()
	ctx := context.Background()
	agent := app.Visibility{AccountID: e.account, InboxIDs: []int64{e.apiBox}, Host: e.agentHost}

	t.Run("ConversationView", func(t *testing.T) {
		err := e.app.Load(ctx, agent, func(l *app.Loader) error {
			v, err := l.Conversation(app.ByDisplayID(mine.DisplayID), app.ViewOptions{Details: true, Links: true})
			if err != nil {
				return err
			}
			if v.ID != mine.ID || v.Inbox == nil || v.Client == nil || v.Client.ID != e.client.ID || v.Stats == nil ||
				v.Links == nil || len(v.Links.ParticipantIDs) != 1 {
				t.Fatalf("view=%+v", v)
			}
			return nil
		})
		must(t, err)
	})
	t.Run("ErrOutsideTheInboxes", func(t *testing.T) {
		err := e.app.Load(ctx, agent, func(l *app.Loader) error {
			_, err := l.Conversation(app.ByID(theirs.ID), app.ViewOptions{})
			return err
		})
		if inbox.ErrorCode(err) != inbox.EFORBIDDEN {
			t.Fatalf("err=%v, want forbidden", err)
		}
	})
	t.Run("ErrAnotherAccount", func(t *testing.T) {
		err := e.app.Load(ctx, app.Visibility{AccountID: e.account}, func(l *app.Loader) error {
			_, err := l.Conversation(app.ByID(foreign.ID), app.ViewOptions{})
			return err
		})
		if inbox.ErrorCode(err) != inbox.ENOTFOUND {
			t.Fatalf("err=%v, want not found", err)
		}
	})
	t.Run("ListingsFollowTheInboxes", func(t *testing.T) {
		for _, tt := range []struct {
			vis  app.Visibility
			want int
		}{{agent, 1}, {app.Visibility{AccountID: e.account}, 2}, {app.Visibility{AccountID: e.account, InboxIDs: []int64{}}, 0}} {
			err := e.app.Load(ctx, tt.vis, func(l *app.Loader) error {
				list, err := l.Conversations(app.ConversationQuery{Counts: true})
				if err != nil {
					return err
				}
				if len(list.Items) != tt.want || list.Counts.All != tt.want {
					t.Errorf("inboxes %v: %d conversations (all_count %d), want %d", tt.vis.InboxIDs, len(list.Items),
						list.Counts.All, tt.want)
				}
				return nil
			})
			must(t, err)
		}
	})
	t.Run("ErrScopes", func(t *testing.T) {
		vis := app.Visibility{AccountID: e.account, Scopes: inbox.Scopes{inbox.ScopeInboxRead}}
		err := e.app.Load(ctx, vis, func(l *app.Loader) error {
			_, _, err := l.Clients(inbox.ClientFilter{})
			return err
		})
		if inbox.ErrorCode(err) != inbox.EFORBIDDEN {
			t.Fatalf("clients without clients_read: err=%v, want forbidden", err)
		}
		err = e.app.Load(ctx, agent, func(l *app.Loader) error {
			_, err := l.Embeds(app.EmbedIDs{Clients: []int64{e.client.ID}})
			return err
		})
		if inbox.ErrorCode(err) != inbox.EFORBIDDEN {
			t.Fatalf("embeds for a reader limited to some inboxes: err=%v, want forbidden", err)
		}
	})
}

// TestRequest checks what a dialect's middleware attaches: the account in the
// path and the route's declared scope, both checked inside the one call.
func TestRequest(t *testing.T) {
	e := newEnv(t)
	otherAccount := e.foreignConversation().AccountID
	read := func(ctx context.Context) error {
		return e.app.Read(ctx, inbox.ScopeInboxRead, func(l *app.Loader) error {
			_, err := l.Conversations(app.ConversationQuery{})
			return err
		})
	}
	for _, tt := range []struct {
		name  string
		req   app.Request
		code  string
		field string
	}{
		{"OK", app.Request{Scope: inbox.ScopeInboxRead, AccountID: e.account}, "", ""},
		{"ErrUnknownAccount", app.Request{Scope: inbox.ScopeInboxRead, AccountID: otherAccount + 1000}, inbox.ENOTFOUND, "account_id"},
		{"ErrOtherAccount", app.Request{Scope: inbox.ScopeInboxRead, AccountID: otherAccount}, inbox.EUNAUTHORIZED, "account_id"},
		{"ErrScopeMismatch", app.Request{Scope: inbox.ScopeInboxWrite}, inbox.EINTERNAL, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := read(app.WithRequest(e.asAdmin, tt.req))
			if inbox.ErrorCode(err) != tt.code && !(tt.code == "" && err == nil) {
				t.Fatalf("err=%v, want %s", err, tt.code)
			}
			if tt.field != "" && inbox.ErrorField(err) != tt.field {
				t.Fatalf("field=%q, want %q", inbox.ErrorField(err), tt.field)
			}
		})
	}
}

// claim returns a context carrying an Idempotency-Key whose renderer writes
// the message's content as the body.
func claim(ctx context.Context, key, hash string) (context.Context, *inbox.IdempotencyClaim) {
	c := &inbox.IdempotencyClaim{Key: key, RequestHash: hash, Render: func(v any) (*inbox.IdempotencyRecord, error) {
		m, ok := v.(*app.MessageView)
		if !ok {
			return nil, fmt.Errorf("rendered a %T", v)
		}
		return &inbox.IdempotencyRecord{Status: 201, Header: "Content-Type: text/plain\n",
			Body: []byte(fmt.Sprintf("%d:%s", m.ID, m.Content))}, nil
	}}
	return inbox.NewContextWithIdempotency(ctx, c), c
}

// TestIdempotency checks an Idempotency-Key recorded in the write's own
// transaction.
func TestIdempotency(t *testing.T) {
	e := newEnv(t)
	c := e.conversation(0)
	post := func(ctx context.Context, text string) (*app.MessageView, error) {
		return e.app.CreateMessage(ctx, app.MessageCreate{ConversationID: c.ID, Content: &text})
	}
	count := func(text string) int {
		n := 0
		for _, id := range e.messages(c.ID, inbox.KindOutgoing) {
			m, err := app.View(e.asAdmin, e.app, inbox.ScopeInboxRead, func(l *app.Loader) (*inbox.Message, error) {
				return l.Message(c.ID, id, false)
			})
			must(t, err)
			if m.Content == text {
				n++
			}
		}
		return n
	}

	t.Run("StoredWithTheWrite", func(t *testing.T) {
		ctx, cl := claim(e.asAdmin, "k1", "h1")
		m, err := post(ctx, "once")
		must(t, err)
		if cl.Response == nil || string(cl.Response.Body) != fmt.Sprintf("%d:once", m.ID) || cl.Response.Status != 201 {
			t.Fatalf("stored response=%+v", cl.Response)
		}
		ctx, cl2 := claim(e.asAdmin, "k1", "h1")
		_, err = post(ctx, "once")
		var replay *inbox.Replay
		if !errors.As(err, &replay) || string(replay.Response.Body) != string(cl.Response.Body) ||
			replay.Response.Header != "Content-Type: text/plain\n" {
			t.Fatalf("retry: err=%v, want a replay of %q", err, cl.Response.Body)
		}
		if cl2.Response != nil {
			t.Fatal("a replay rendered a response of its own")
		}
		if n := count("once"); n != 1 {
			t.Fatalf("messages=%d, want 1", n)
		}
	})
	t.Run("ErrOtherRequest", func(t *testing.T) {
		ctx, _ := claim(e.asAdmin, "k1", "another body")
		_, err := post(ctx, "twice")
		if inbox.ErrorCode(err) != inbox.EINVALID || inbox.ErrorField(err) != "Idempotency-Key" {
			t.Fatalf("err=%v, want 422 on Idempotency-Key", err)
		}
	})
	t.Run("ErrOtherCaller", func(t *testing.T) {
		ctx, _ := claim(e.asApp, "k1", "h1")
		_, err := post(ctx, "once")
		if inbox.ErrorCode(err) != inbox.EINVALID {
			t.Fatalf("err=%v, want 422: another token may not replay the response", err)
		}
	})
	t.Run("FailedRequestStoresNothing", func(t *testing.T) {
		ctx, _ := claim(e.asAdmin, "k2", "h2")
		_, err := e.app.CreateMessage(ctx, app.MessageCreate{ConversationID: c.ID + 1000})
		if inbox.ErrorCode(err) != inbox.EINVALID {
			t.Fatalf("err=%v, want 422", err)
		}
		ctx, cl := claim(e.asAdmin, "k2", "h2")
		if _, err := post(ctx, "after a failure"); err != nil || cl.Response == nil {
			t.Fatalf("retry after a failure: err=%v response=%v, want it to run", err, cl.Response)
		}
	})
	t.Run("ErrNoRenderer", func(t *testing.T) {
		ctx := inbox.NewContextWithIdempotency(e.asAdmin, &inbox.IdempotencyClaim{Key: "k3", RequestHash: "h3"})
		if _, err := post(ctx, "unrendered"); inbox.ErrorCode(err) != inbox.EINTERNAL {
			t.Fatalf("err=%v, want internal", err)
		}
		if n := count("unrendered"); n != 0 {
			t.Fatalf("messages=%d, want 0: the write rolls back with its key", n)
		}
	})
	t.Run("ClaimOfAnOlderInboxd", func(t *testing.T) {
		// An older inboxd claimed keys (status 0) before running the
		// request; such a row holds no response and is taken over at once.
		must(t, e.store.Update(context.Background(), func(tx inbox.Tx) error {
			return tx.CreateIdempotencyKey(context.Background(), &inbox.IdempotencyRecord{AccountID: e.account, Key: "k4",
				RequestHash: "whatever"})
		}))
		ctx, cl := claim(e.asAdmin, "k4", "h4")
		if _, err := post(ctx, "taken over"); err != nil || cl.Response == nil {
			t.Fatalf("err=%v response=%v", err, cl.Response)
		}
	})
	t.Run("ConcurrentDuplicates", func(t *testing.T) {
		const n = 16
		var wg sync.WaitGroup
		bodies := make([]string, n)
		ran := make([]bool, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				ctx, cl := claim(e.asAdmin, "race", "h")
				_, err := post(ctx, "raced")
				var replay *inbox.Replay
				switch {
				case errors.As(err, &replay):
					bodies[i] = string(replay.Response.Body)
				case err == nil:
					bodies[i], ran[i] = string(cl.Response.Body), true
				default:
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
		runs := 0
		for i := range n {
			if ran[i] {
				runs++
			}
			if bodies[i] != bodies[0] {
				t.Fatalf("answers differ: %q vs %q", bodies[i], bodies[0])
			}
		}
		if runs != 1 || count("raced") != 1 {
			t.Fatalf("runs=%d messages=%d, want 1 and 1", runs, count("raced"))
		}
	})
}

// TestUnreadCountCapped checks read models cap the unread counter as Chatwoot
// does, while the store counts every unread message.
func TestUnreadCountCapped(t *testing.T) {
	e := newEnv(t)
	c := e.conversation(0)
	guest := e.participant(c.ID, inbox.MemberClient, e.client.ID)
	for i := range inbox.MaxUnreadCount + 2 {
		text := fmt.Sprintf("message %d", i)
		_, err := e.app.CreateMessage(e.asApp, app.MessageCreate{ConversationID: c.ID, SenderParticipantID: &guest.ID, Content: &text})
		must(t, err)
	}
	v, err := app.View(e.asAdmin, e.app, inbox.ScopeInboxRead, func(l *app.Loader) (*app.ConversationView, error) {
		return l.Conversation(app.ByID(c.ID), app.ViewOptions{Details: true})
	})
	must(t, err)
	if v.Stats.UnreadCount != inbox.MaxUnreadCount {
		t.Fatalf("UnreadCount=%d, want %d", v.Stats.UnreadCount, inbox.MaxUnreadCount)
	}
}
