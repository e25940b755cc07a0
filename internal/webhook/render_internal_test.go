package webhook

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/api/bookingsync"
	"github.com/inboxd/inbox/internal/api/chatwoot"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/secret"
)

// TestStatementsPerChunk checks that rendering a chunk of events for the
// fan-out runs as many SQL statements for one row's events as for twenty
// rows' (the whole chunk is read with one statement per kind of record),
// for each kind of webhook reader: a Chatwoot account webhook, a
// BookingSync application's, an API inbox's webhook_url. Every row links
// to records of its own (contact, assignee, inbox, messages, attachment),
// so per-event work cannot hide behind a record every event shares. The
// chunk's payloads must also be what rendering each event alone gives.
func TestStatementsPerChunk(t *testing.T) {
	store := inboxtest.NewCountingStore(inboxtest.MustOpenStore(t))
	files, err := filestore.New(t.TempDir())
	must(t, err)
	key, _ := secret.Generate()
	discard := slog.New(slog.NewTextHandler(io.Discard, nil))
	a := app.New(app.Deps{Store: store, Files: files, Secret: key, WebhookAllowPrivate: true, Logger: discard})
	s := New(Deps{App: a, System: app.NewSystem(a), BaseURL: "http://inboxd.test", AllowPrivate: true, Logger: discard})
	ctx := context.Background()
	small, large := newChunkWorld(t, a, 1), newChunkWorld(t, a, 20)
	// Place the events in the outbox order (on PostgreSQL the tail does it).
	for {
		n, err := s.d.System.SequenceEvents(ctx, 1000)
		must(t, err)
		if n == 0 {
			break
		}
	}
	for _, kind := range []string{"chatwoot account", "bookingsync application", "api inbox"} {
		t.Run(kind, func(t *testing.T) {
			measure := func(w *chunkWorld) (int, []*inbox.Delivery) {
				targets, err := s.d.System.Targets(ctx, []int64{w.account})
				must(t, err)
				var group []*app.Target
				for _, tg := range targets {
					if w.kindOf(tg) == kind {
						group = append(group, tg)
					}
				}
				if len(group) != 1 {
					t.Fatalf("%d %s webhooks, want 1", len(group), kind)
				}
				evs, err := s.d.System.AccountEventsSince(ctx, w.account, time.Time{}, 10000)
				must(t, err)
				store.Reset()
				ds, err := s.render(ctx, renderJob{group: group, evs: evs})
				must(t, err)
				n := store.Counts().Statements
				// Each event alone, without the chunk's prefetch, renders the same.
				for _, d := range ds {
					want := w.renderAlone(t, s, group[0], evs, d)
					if !bytes.Equal(d.Body, want) {
						t.Fatalf("event %d %s: chunk rendered\n%s\nalone\n%s", d.EventSeq, d.Event, d.Body, want)
					}
				}
				return n, ds
			}
			n1, ds1 := measure(small)
			n20, ds20 := measure(large)
			if len(ds1) == 0 || len(ds20) < 10*len(ds1) {
				t.Fatalf("%d deliveries for one row, %d for twenty: want some, and about twenty times as many", len(ds1), len(ds20))
			}
			if n1 == 0 {
				t.Fatal("no statements counted")
			}
			if n1 != n20 {
				t.Errorf("statements: %d for one row's %d deliveries, %d for twenty rows' %d; want the same", n1, len(ds1), n20, len(ds20))
			}
			t.Logf("%d statements; %d and %d deliveries", n1, len(ds1), len(ds20))
		})
	}
}

// chunkWorld is an account whose rows each have their own agent and API
// inbox, and two conversations (one in the row's inbox, one in the inbox
// whose webhook_url is set), each with its own contact, assigned to the
// row's agent, a label, a message from the contact with an attachment, a
// reply, a status change and a contact change; with a Chatwoot account
// webhook, a BookingSync application's webhook and the API inbox's
// webhook_url, each subscribed to every event.
type chunkWorld struct {
	account int64
	appID   int64
	inboxID int64 // the inbox whose webhook_url is set
}

func newChunkWorld(t *testing.T, a *app.App, n int) *chunkWorld {
	t.Helper()
	ctx := context.Background()
	admin := app.NewAdmin(a)
	acc := &inbox.Account{Name: fmt.Sprintf("World of %d", n)}
	must(t, admin.CreateAccount(ctx, acc))
	w := &chunkWorld{account: acc.ID}
	token, err := admin.CreateHostWithToken(ctx, &inbox.Host{AccountID: acc.ID, Firstname: "Olga", Lastname: "Owner",
		Email: fmt.Sprintf("olga%d@world.example", acc.ID), Role: inbox.RoleAdministrator}, nil)
	must(t, err)
	p, err := a.Authenticate(ctx, token)
	must(t, err)
	actx := inbox.NewContextWithPrincipal(ctx, p)
	application := &inbox.Application{AccountID: acc.ID, Name: "PMS", Scopes: inbox.KnownScopes}
	_, err = admin.CreateApplication(ctx, application)
	must(t, err)
	w.appID = application.ID
	url := "http://127.0.0.1:9/hook"
	cw := []string{"conversation_created", "conversation_status_changed", "conversation_updated", "message_created",
		"message_updated", "contact_created", "contact_updated", "inbox_created", "inbox_updated"}
	_, err = admin.CreateWebhook(ctx, acc.ID, nil, app.WebhookChange{URL: &url, Events: &cw})
	must(t, err)
	bs := []string{"inbox_conversation_created", "inbox_conversation_updated", "inbox_message_created",
		"inbox_message_updated", "client_created", "client_updated"}
	_, err = admin.CreateWebhook(ctx, acc.ID, &application.ID, app.WebhookChange{URL: &url, Events: &bs})
	must(t, err)
	hooked, err := a.CreateInbox(actx, inbox.Inbox{Name: "Hooked", Channel: inbox.ChannelAPI})
	must(t, err)
	hook := url
	_, err = a.UpdateInbox(actx, hooked.ID, inbox.InboxUpdate{WebhookURL: &hook})
	must(t, err)
	w.inboxID = hooked.ID
	for i := range n {
		b, err := a.CreateInbox(actx, inbox.Inbox{Name: fmt.Sprintf("Inbox %d", i), Channel: inbox.ChannelAPI})
		must(t, err)
		agent := &inbox.Host{AccountID: acc.ID, Firstname: "Agent", Lastname: fmt.Sprint(i),
			Email: fmt.Sprintf("agent%d-%d@world.example", acc.ID, i), Role: inbox.RoleAgent}
		_, err = admin.CreateHostWithToken(ctx, agent, []int64{b.ID, hooked.ID})
		must(t, err)
		// A conversation in the row's own inbox, and one in the inbox
		// whose webhook_url is set.
		for j, box := range []int64{b.ID, hooked.ID} {
			c, err := a.CreateClient(actx, &inbox.Client{Fullname: fmt.Sprintf("Guest %d.%d", i, j),
				Email: fmt.Sprintf("guest%d.%d@world.example", i, j)})
			must(t, err)
			conv, err := a.CreateConversation(actx, app.ConversationCreate{InboxID: &box, ClientID: &c.ID, AssigneeID: &agent.ID,
				Labels: []string{fmt.Sprintf("label-%d", i)}})
			must(t, err)
			text := fmt.Sprintf("Hello %d.%d", i, j)
			_, err = a.CreateMessage(actx, app.MessageCreate{ConversationID: conv.ID, AsContact: true, Content: &text,
				Files: []inbox.FileUpload{{Name: "a.txt", ContentType: "text/plain", Data: []byte("attached")}}})
			must(t, err)
			reply := fmt.Sprintf("Welcome %d.%d", i, j)
			_, err = a.CreateMessage(actx, app.MessageCreate{ConversationID: conv.ID, Content: &reply})
			must(t, err)
			resolved := "resolved"
			_, err = a.UpdateConversation(actx, app.ByID(conv.ID), app.ConversationChange{Status: &resolved}, app.ViewOptions{})
			must(t, err)
			name := fmt.Sprintf("Guest %d.%d Renamed", i, j)
			_, err = a.UpdateClient(actx, c.ID, app.ClientChange{ClientUpdate: inbox.ClientUpdate{Fullname: &name}})
			must(t, err)
		}
	}
	return w
}

// kindOf names a target's kind of reader.
func (w *chunkWorld) kindOf(t *app.Target) string {
	switch {
	case t.Webhook.InboxID != nil:
		return "api inbox"
	case t.Webhook.ApplicationID != nil:
		return "bookingsync application"
	}
	return "chatwoot account"
}

// renderAlone renders the event of a delivery by itself, in a transaction
// of its own, as before chunks were prefetched, and returns the body of the
// same event name.
func (w *chunkWorld) renderAlone(t *testing.T, s *Service, tg *app.Target, evs []*inbox.Event, d *inbox.Delivery) []byte {
	t.Helper()
	var e *inbox.Event
	for _, ev := range evs {
		if ev.Seq == d.EventSeq {
			e = ev
		}
	}
	var body []byte
	err := s.d.App.Load(context.Background(), tg.Visibility, func(l *app.Loader) error {
		var ps []app.EventPayload
		var err error
		if tg.Webhook.Dialect == inbox.WebhookBookingSync {
			ps, err = bookingsync.EncodeEvent(l, e, s.d.BaseURL)
		} else {
			ps, err = chatwoot.EncodeEvent(l, e, s.d.BaseURL, time.Now())
		}
		for _, p := range ps {
			if p.Name == d.Event {
				body = p.Body
			}
		}
		return err
	})
	must(t, err)
	return body
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
