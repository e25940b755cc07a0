// Package idempotency_test checks the Idempotency-Key contract on the POST
// endpoints of both dialects through the real server: a retry with the same
// key and body replays the first response and creates nothing; the same key
// with another body is a 422 naming the conflict; keys belong to an account;
// and duplicates arriving at the same instant still create exactly once.
package idempotency_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/fetch"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/server"
)

type env struct {
	srv     *httptest.Server
	app     *app.App
	store   inbox.Store
	tenants []tenant
}

type tenant struct {
	account  int64
	bsToken  string
	cwToken  string
	display  int64
	convID   int64
	senderID int64
	// A second principal of the same account for each dialect.
	bsToken2, cwToken2 string
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
	e := &env{srv: httptest.NewServer(server.New(server.Deps{App: a, Logger: log})), app: a, store: store}
	t.Cleanup(e.srv.Close)
	for i := 0; i < 2; i++ {
		e.tenants = append(e.tenants, e.newTenant(t, i))
	}
	return e
}

func (e *env) newTenant(t *testing.T, i int) tenant {
	ctx := context.Background()
	var tn tenant
	acc := &inbox.Account{Name: fmt.Sprintf("Tenant %d", i)}
	must(t, app.NewAdmin(e.app).CreateAccount(ctx, acc))
	tn.account = acc.ID
	host := &inbox.Host{AccountID: acc.ID, Firstname: "Ada", Lastname: "Admin", Email: fmt.Sprintf("a%d@example.com", i), Role: inbox.RoleAdministrator}
	tok, err := app.NewAdmin(e.app).CreateHostWithToken(ctx, host, nil)
	must(t, err)
	tn.cwToken = tok
	scopes := inbox.Scopes{inbox.ScopeInboxWrite, inbox.ScopeClientsWrite}
	application := &inbox.Application{AccountID: acc.ID, Name: "PMS", Scopes: scopes}
	_, err = app.NewAdmin(e.app).CreateApplication(ctx, application)
	must(t, err)
	g, err := app.NewAdmin(e.app).CreateToken(ctx, acc.ID, scopes, &application.ID, 0)
	must(t, err)
	tn.bsToken = g.AccessToken
	g2, err := app.NewAdmin(e.app).CreateToken(ctx, acc.ID, scopes, &application.ID, 0)
	must(t, err)
	tn.bsToken2 = g2.AccessToken
	tn.cwToken2, err = app.NewAdmin(e.app).CreateHostWithToken(ctx, &inbox.Host{AccountID: acc.ID, Firstname: "Bo", Lastname: "Agent",
		Email: fmt.Sprintf("b%d@example.com", i), Role: inbox.RoleAdministrator}, nil)
	must(t, err)
	p, err := e.app.Authenticate(ctx, tok)
	must(t, err)
	pctx := inbox.NewContextWithPrincipal(ctx, p)
	client, err := e.app.CreateClient(pctx, &inbox.Client{Fullname: "Grace Guest"})
	must(t, err)
	c, err := e.app.CreateConversation(pctx, app.ConversationCreate{ClientID: &client.ID})
	must(t, err)
	tn.display, tn.convID = c.DisplayID, c.ID
	pt, err := e.app.CreateParticipant(pctx, app.ParticipantCreate{ConversationID: c.ID, MemberType: inbox.MemberHost, MemberID: host.ID})
	must(t, err)
	tn.senderID = pt.ID
	return tn
}

type reply struct {
	status   int
	body     string
	replayed bool
	location string
}

// endpoint is one POST of a dialect.
type endpoint struct {
	name string
	url  func(tenant) string
	auth func(tenant) (string, string)
	body func(tenant, string) string
}

func (e *env) endpoints() []endpoint {
	return []endpoint{
		{name: "bookingsync messages",
			url:  func(tn tenant) string { return e.srv.URL + "/api/v3/inbox/messages" },
			auth: func(tn tenant) (string, string) { return "Authorization", "Bearer " + tn.bsToken },
			body: func(tn tenant, text string) string {
				return fmt.Sprintf(`{"messages":[{"content":%q,"origin":"email","visibility":"external","conversation_id":%d,"sender_id":%d}]}`,
					text, tn.convID, tn.senderID)
			}},
		{name: "chatwoot messages",
			url: func(tn tenant) string {
				return fmt.Sprintf("%s/api/v1/accounts/%d/conversations/%d/messages", e.srv.URL, tn.account, tn.display)
			},
			auth: func(tn tenant) (string, string) { return "api_access_token", tn.cwToken },
			body: func(tn tenant, text string) string { return fmt.Sprintf(`{"content":%q}`, text) }},
	}
}

func (e *env) post(t *testing.T, ep endpoint, tn tenant, key, text string) reply {
	t.Helper()
	text = ep.name + ": " + text
	req, _ := http.NewRequest("POST", ep.url(tn), strings.NewReader(ep.body(tn, text)))
	h, v := ep.auth(tn)
	req.Header.Set(h, v)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{status: resp.StatusCode, body: string(b), replayed: resp.Header.Get("Idempotent-Replayed") == "true",
		location: resp.Header.Get("Location")}
}

// count returns how many messages with text exist in the tenant's conversation.
func (e *env) count(t *testing.T, ep endpoint, tn tenant, text string) int {
	t.Helper()
	text = ep.name + ": " + text
	n := 0
	err := e.store.View(context.Background(), func(tx inbox.Tx) error {
		msgs, _, err := tx.FindMessages(context.Background(), tn.account, inbox.MessageFilter{ConversationID: &tn.convID, Page: inbox.Page{Limit: 10000}})
		for _, m := range msgs {
			if m.Content == text {
				n++
			}
		}
		return err
	})
	must(t, err)
	return n
}

func TestIdempotencyKey(t *testing.T) {
	e := newEnv(t)
	for _, ep := range e.endpoints() {
		t.Run(ep.name, func(t *testing.T) {
			a, b := e.tenants[0], e.tenants[1]
			key := "key-" + strings.ReplaceAll(ep.name, " ", "-")

			t.Run("ReplaySameBody", func(t *testing.T) {
				first := e.post(t, ep, a, key, "hello once")
				if first.status/100 != 2 || first.replayed {
					t.Fatalf("first: status=%d replayed=%v body=%s", first.status, first.replayed, first.body)
				}
				second := e.post(t, ep, a, key, "hello once")
				if second.status != first.status || second.body != first.body || second.location != first.location {
					t.Fatalf("replay differs:\nfirst  %d %s %s\nsecond %d %s %s", first.status, first.location, first.body,
						second.status, second.location, second.body)
				}
				if !second.replayed {
					t.Fatal("Idempotent-Replayed header missing on the replay")
				}
				if n := e.count(t, ep, a, "hello once"); n != 1 {
					t.Fatalf("messages created=%d, want 1", n)
				}
			})
			t.Run("ErrDifferentBody", func(t *testing.T) {
				r := e.post(t, ep, a, key, "another text")
				if r.status != 422 {
					t.Fatalf("status=%d, want 422; body %s", r.status, r.body)
				}
				if !strings.Contains(r.body, "Idempotency-Key") {
					t.Fatalf("body does not name the conflict: %s", r.body)
				}
				if n := e.count(t, ep, a, "another text"); n != 0 {
					t.Fatalf("messages created=%d, want 0", n)
				}
			})
			t.Run("ErrOtherTokenSameKey", func(t *testing.T) {
				// Another principal of the same account must not receive the
				// first caller's stored response.
				other := a
				other.bsToken, other.cwToken = a.bsToken2, a.cwToken2
				r := e.post(t, ep, other, key, "hello once")
				if r.status != 422 || r.replayed {
					t.Fatalf("status=%d replayed=%v, want 422 without replay; body %s", r.status, r.replayed, r.body)
				}
				if n := e.count(t, ep, a, "hello once"); n != 1 {
					t.Fatalf("messages=%d, want 1", n)
				}
			})
			t.Run("KeysPerAccount", func(t *testing.T) {
				r := e.post(t, ep, b, key, "hello once")
				if r.status/100 != 2 || r.replayed {
					t.Fatalf("other account with the same key: status=%d replayed=%v body=%s", r.status, r.replayed, r.body)
				}
				if n := e.count(t, ep, b, "hello once"); n != 1 {
					t.Fatalf("messages in the other account=%d, want 1", n)
				}
			})
			t.Run("ConcurrentDuplicates", func(t *testing.T) {
				const n = 20
				var wg sync.WaitGroup
				replies := make([]reply, n)
				start := make(chan struct{})
				for i := range replies {
					wg.Add(1)
					go func(i int) {
						defer wg.Done()
						<-start
						replies[i] = e.post(t, ep, a, key+"-race", "raced")
					}(i)
				}
				close(start)
				wg.Wait()
				fresh := 0
				for _, r := range replies {
					if r.status != replies[0].status || r.body != replies[0].body {
						t.Fatalf("concurrent duplicates got different answers: %d %s vs %d %s", r.status, r.body, replies[0].status, replies[0].body)
					}
					if !r.replayed {
						fresh++
					}
				}
				if replies[0].status/100 != 2 {
					t.Fatalf("status=%d body=%s", replies[0].status, replies[0].body)
				}
				if fresh != 1 {
					t.Fatalf("requests that ran=%d, want 1", fresh)
				}
				if c := e.count(t, ep, a, "raced"); c != 1 {
					t.Fatalf("messages created=%d, want 1", c)
				}
			})
			t.Run("NoKeyCreatesEachTime", func(t *testing.T) {
				e.post(t, ep, a, "", "no key")
				e.post(t, ep, a, "", "no key")
				if n := e.count(t, ep, a, "no key"); n != 2 {
					t.Fatalf("messages=%d, want 2", n)
				}
			})
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
