package chatwoot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/fetch"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/server"
)

var ctx = context.Background()

// env is one server over a fresh store with an account, an administrator,
// an agent (member of the default API inbox only), a second API inbox the
// agent is not a member of, and a contact.
type env struct {
	t       *testing.T
	store   inbox.Store
	app     *app.App
	srv     *httptest.Server
	account *inbox.Account
	apiBox  *inbox.Inbox // default API inbox; the agent is a member
	other   *inbox.Inbox // API inbox without the agent
	admin   *inbox.Host
	agent   *inbox.Host
	adminTk string
	agentTk string
	contact *inbox.Client
}

func newEnv(t *testing.T) *env {
	t.Helper()
	store := inboxtest.MustOpenStore(t)
	files, err := filestore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Deps{Store: store, Files: files, Fetcher: fetch.New()})
	srv := httptest.NewServer(server.New(server.Deps{App: a, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(srv.Close)
	e := &env{t: t, store: store, app: a, srv: srv}
	e.account = e.mustAccount("Acme Rentals", inbox.AccountTrial)
	boxes := e.mustInboxes()
	e.apiBox = boxes[0]
	e.other = e.mustInbox("Website API", inbox.ChannelAPI)
	e.admin, e.adminTk = e.mustHost("Agent", "Smith", "agent@example.com", inbox.RoleAdministrator)
	e.agent, e.agentTk = e.mustHost("Anna", "Agent", "anna@example.com", inbox.RoleAgent)
	e.contact = e.mustClient(&inbox.Client{Fullname: "Jane Doe", Email: "jane@example.com",
		LastActivityAt: inbox.TimePtr(time.Now().Add(-time.Hour))})
	return e
}

func (e *env) mustAccount(name, status string) *inbox.Account {
	e.t.Helper()
	acc := &inbox.Account{Name: name, Email: strings.ToLower(strings.ReplaceAll(name, " ", "")) + "@example.com", Status: status}
	if err := app.NewAdmin(e.app).CreateAccount(ctx, acc); err != nil {
		e.t.Fatalf("create account: %v", err)
	}
	return acc
}

func (e *env) mustInboxes() []*inbox.Inbox {
	e.t.Helper()
	var out []*inbox.Inbox
	err := e.store.View(ctx, func(tx inbox.Tx) (err error) {
		out, err = tx.FindInboxes(ctx, e.account.ID)
		return err
	})
	if err != nil || len(out) == 0 {
		e.t.Fatalf("find inboxes: %v (%d)", err, len(out))
	}
	return out
}

func (e *env) mustInbox(name, channel string) *inbox.Inbox {
	e.t.Helper()
	return mustInboxIn(e.t, e.app, e.account.ID, name, channel)
}

func mustInboxIn(t *testing.T, a *app.App, accountID int64, name, channel string) *inbox.Inbox {
	t.Helper()
	box := &inbox.Inbox{AccountID: accountID, Name: name, Channel: channel}
	if err := app.NewAdmin(a).CreateInbox(ctx, box); err != nil {
		t.Fatalf("create inbox: %v", err)
	}
	return box
}

// mustHost creates a host of the env's account with a personal token; an
// agent becomes a member of the default API inbox.
func (e *env) mustHost(first, last, email, role string) (*inbox.Host, string) {
	e.t.Helper()
	return mustHostIn(e.t, e.app, e.account.ID, first, last, email, role)
}

func mustHostIn(t *testing.T, a *app.App, accountID int64, first, last, email, role string) (*inbox.Host, string) {
	t.Helper()
	h := &inbox.Host{AccountID: accountID, Firstname: first, Lastname: last, Email: email, Role: role}
	tok, err := app.NewAdmin(a).CreateHostWithToken(ctx, h, nil)
	if err != nil {
		t.Fatalf("create host: %v", err)
	}
	return h, tok
}

func (e *env) mustClient(c *inbox.Client) *inbox.Client {
	e.t.Helper()
	c.AccountID = e.account.ID
	if err := app.NewAdmin(e.app).CreateClient(ctx, c); err != nil {
		e.t.Fatalf("create client: %v", err)
	}
	return c
}

// path returns an API path of the env's account.
func (e *env) path(format string, args ...any) string {
	return fmt.Sprintf("/api/v1/accounts/%d", e.account.ID) + fmt.Sprintf(format, args...)
}

// response is a finished request.
type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a generic value.
func (r response) json(t *testing.T) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return v
}

// obj decodes the body as an object.
func (r response) obj(t *testing.T) map[string]any {
	t.Helper()
	m, ok := r.json(t).(map[string]any)
	if !ok {
		t.Fatalf("body %s: want an object", r.body)
	}
	return m
}

// request sends a request with a token (api_access_token header unless
// empty) and a body: nil, a string (sent as is with contentType), or a value
// encoded as JSON.
func (e *env) request(method, path, token string, body any, contentType ...string) response {
	e.t.Helper()
	var rd io.Reader
	ct := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	if len(contentType) > 0 {
		ct = contentType[0]
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", ct)
	}
	if token != "" {
		req.Header["api_access_token"] = []string{token}
	}
	res, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: b}
}

// must sends a request and fails unless the status is 200.
func (e *env) must(method, path, token string, body any, contentType ...string) response {
	e.t.Helper()
	res := e.request(method, path, token, body, contentType...)
	if res.status != http.StatusOK {
		e.t.Fatalf("%s %s: status=%d, want 200; body %s", method, path, res.status, res.body)
	}
	return res
}

// createConversation creates a conversation through the API as the admin
// and returns its display id.
func (e *env) createConversation(body map[string]any) int64 {
	e.t.Helper()
	if _, ok := body["inbox_id"]; !ok {
		body["inbox_id"] = e.apiBox.ID
	}
	if _, ok := body["contact_id"]; !ok {
		body["contact_id"] = e.contact.ID
	}
	res := e.must("POST", e.path("/conversations"), e.adminTk, body)
	return num(e.t, res.obj(e.t)["id"])
}

// postMessage posts a JSON message as the token's host and returns its id.
func (e *env) postMessage(displayID int64, token string, body map[string]any) int64 {
	e.t.Helper()
	res := e.must("POST", e.path("/conversations/%d/messages", displayID), token, body)
	return num(e.t, res.obj(e.t)["id"])
}

// num reads a JSON number as an int64.
func num(t *testing.T, v any) int64 {
	t.Helper()
	n, ok := v.(json.Number)
	if !ok {
		t.Fatalf("%v (%T): want a number", v, v)
	}
	i, err := n.Int64()
	if err != nil {
		t.Fatalf("%v: want an integer", v)
	}
	return i
}

// get walks a decoded JSON value along keys and indexes.
func get(t *testing.T, v any, path ...any) any {
	t.Helper()
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %v: %v is not an object", p, v)
			}
			if v, ok = m[k]; !ok {
				t.Fatalf("key %q missing in %v", k, m)
			}
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at %v: %v is not an array that long", p, v)
			}
			v = a[k]
		}
	}
	return v
}

// golden reads a file of testdata.
func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantError checks a status and an error body's message and code.
func wantError(t *testing.T, res response, status int, code, message string) {
	t.Helper()
	if res.status != status {
		t.Fatalf("status=%d, want %d; body %s", res.status, status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("Content-Type=%q, want JSON", ct)
	}
	m := res.obj(t)
	if message != "" && m["error"] != message {
		t.Fatalf("error=%q, want %q", m["error"], message)
	}
	if m["description"] != m["error"] {
		t.Fatalf("description=%q, want the error %q", m["description"], m["error"])
	}
	if got := get(t, m, "errors", 0, "code"); got != code {
		t.Fatalf("errors[0].code=%v, want %v", got, code)
	}
	if status == http.StatusUnprocessableEntity {
		if m["message"] != m["error"] {
			t.Fatalf("message=%q, want the error %q", m["message"], m["error"])
		}
		if _, ok := m["attributes"].([]any); !ok {
			t.Fatalf("attributes=%v, want an array", m["attributes"])
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
