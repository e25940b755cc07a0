package bookingsync_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

// allScopes is what test applications may be granted.
var allScopes = inbox.Scopes{inbox.ScopeInboxWrite, inbox.ScopeClientsWrite, inbox.ScopeBookingsWrite,
	inbox.ScopeInquiriesWrite}

// options tune a test environment.
type options struct {
	rateLimit    int
	allowPrivate bool
	maxBody      int64
}

// env is a running inboxd with one account and one OAuth application.
type env struct {
	t       *testing.T
	app     *app.App
	store   inbox.Store
	srv     *httptest.Server
	account *inbox.Account
	appID   int64
	// clientID and secret are the application's OAuth credentials.
	clientID, secret string
	// token holds every scope of the application.
	token string
}

// newEnv starts a server the way cmd/inboxd wires it.
func newEnv(t *testing.T, opt options) *env {
	t.Helper()
	store := inboxtest.MustOpenStore(t)
	files, err := filestore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	fetcher := fetch.New()
	fetcher.AllowPrivate = opt.allowPrivate
	a := app.New(app.Deps{Store: store, Files: files, Fetcher: fetcher, RateLimit: opt.rateLimit,
		Logger: discardLogger()})
	srv := httptest.NewServer(server.New(server.Deps{App: a, BaseURL: "", Logger: discardLogger(), MaxBody: opt.maxBody}))
	t.Cleanup(srv.Close)
	e := &env{t: t, app: a, store: store, srv: srv}
	e.account, e.appID, e.clientID, e.secret = e.newAccount()
	e.token = e.newToken(e.account.ID, allScopes, &e.appID, 0)
	return e
}

// newAccount creates an account with an application holding allScopes.
func (e *env) newAccount() (*inbox.Account, int64, string, string) {
	e.t.Helper()
	ctx := context.Background()
	acc := &inbox.Account{Name: "Villas " + time.Now().Format("150405.000000"), Email: "owner@example.com"}
	if err := app.NewAdmin(e.app).CreateAccount(ctx, acc); err != nil {
		e.t.Fatalf("create account: %v", err)
	}
	application := &inbox.Application{AccountID: acc.ID, Name: "Channel manager", Scopes: allScopes}
	secret, err := app.NewAdmin(e.app).CreateApplication(ctx, application)
	if err != nil {
		e.t.Fatalf("create application: %v", err)
	}
	return acc, application.ID, application.ClientID, secret
}

// newToken issues an access token; appID nil gives a token of no application.
func (e *env) newToken(accountID int64, scopes inbox.Scopes, appID *int64, expiresIn time.Duration) string {
	e.t.Helper()
	g, err := app.NewAdmin(e.app).CreateToken(context.Background(), accountID, scopes, appID, expiresIn)
	if err != nil {
		e.t.Fatalf("create token: %v", err)
	}
	return g.AccessToken
}

// response is a decoded HTTP answer.
type response struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

// do sends a request with a bearer token (none when token is "") and a JSON
// body (a string is sent verbatim).
func (e *env) do(method, path, token string, body any) *response {
	e.t.Helper()
	return e.doType(method, path, token, "application/vnd.api+json", body)
}

func (e *env) doType(method, path, token, contentType string, body any) *response {
	e.t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case []byte:
		r = bytes.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			e.t.Fatal(err)
		}
		r = bytes.NewReader(data)
	}
	url := path
	if !strings.HasPrefix(path, "http") {
		url = e.srv.URL + path
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&out.body); err != nil {
			e.t.Fatalf("%s %s: status %d, body is not a JSON object: %v\n%s", method, path, resp.StatusCode, err, raw)
		}
	}
	return out
}

// must fails the test unless the status is want, and returns the response.
func (r *response) must(t *testing.T, want int) *response {
	t.Helper()
	if r.status != want {
		t.Fatalf("status=%d, want %d; body: %s", r.status, want, r.raw)
	}
	return r
}

// records returns the records under the plural key.
func (r *response) records(t *testing.T, plural string) []map[string]any {
	t.Helper()
	list, ok := r.body[plural].([]any)
	if !ok {
		t.Fatalf("%q is %T, want an array; body: %s", plural, r.body[plural], r.raw)
	}
	out := make([]map[string]any, len(list))
	for i, v := range list {
		out[i] = v.(map[string]any)
	}
	return out
}

// one returns the single record under the plural key.
func (r *response) one(t *testing.T, plural string) map[string]any {
	t.Helper()
	recs := r.records(t, plural)
	if len(recs) != 1 {
		t.Fatalf("%d %s, want 1; body: %s", len(recs), plural, r.raw)
	}
	return recs[0]
}

// firstError returns the first entry of {"errors": [...]}.
func (r *response) firstError(t *testing.T) map[string]any {
	t.Helper()
	list, ok := r.body["errors"].([]any)
	if !ok || len(list) == 0 {
		t.Fatalf("no errors in body: %s", r.raw)
	}
	return list[0].(map[string]any)
}

// id reads an integer member.
func id(t *testing.T, rec map[string]any, key string) int64 {
	t.Helper()
	n, ok := rec[key].(json.Number)
	if !ok {
		t.Fatalf("%s=%v (%T), want a number", key, rec[key], rec[key])
	}
	v, err := n.Int64()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// link reads an integer member of the record's links.
func link(t *testing.T, rec map[string]any, key string) any {
	t.Helper()
	links, ok := rec["links"].(map[string]any)
	if !ok {
		t.Fatalf("record has no links: %v", rec)
	}
	return links[key]
}

// idList turns a JSON array of numbers into ids.
func idList(t *testing.T, v any) []int64 {
	t.Helper()
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("%v (%T) is not an array", v, v)
	}
	out := make([]int64, len(list))
	for i, x := range list {
		n, err := x.(json.Number).Int64()
		if err != nil {
			t.Fatal(err)
		}
		out[i] = n
	}
	return out
}

// wrap builds a request envelope {"<plural>": [attrs]}.
func wrap(plural string, attrs map[string]any) map[string]any {
	return map[string]any{plural: []any{attrs}}
}

// readTestdata loads a golden file.
func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fixture is a small world built through the API: a client, a host, a
// source, a booking, a conversation with a host and a client participant,
// one message from each, and three attachments.
type fixture struct {
	client, host, source, booking, conversation int64
	hostParticipant, clientParticipant          int64
	hostMessage, clientMessage                  int64
	attachments                                 []int64
}

// pngBase64 is a 2x1 PNG.
const pngBase64 = "iVBORw0KGgoAAAANSUhEUgAAAAIAAAABCAYAAAD0In+KAAAADklEQVR4nGP4z8DwHwQBEPgD/U6VwW8AAAAASUVORK5CYII="

func (e *env) fixture() *fixture {
	e.t.Helper()
	return e.fixtureWith(e.token)
}

// fixtureWith builds the fixture with a token (of any account).
func (e *env) fixtureWith(tok string) *fixture {
	e.t.Helper()
	t := e.t
	f := &fixture{}
	f.client = id(t, e.do("POST", "/api/v3/clients", tok, wrap("clients", map[string]any{
		"fullname": "Anna Guest", "emails": []any{map[string]any{"label": "default", "email": "anna@example.com"}}})).
		must(t, 201).one(t, "clients"), "id")
	f.source = id(t, e.do("POST", "/api/v3/sources", tok, wrap("sources", map[string]any{"name": "Website"})).
		must(t, 201).one(t, "sources"), "id")
	f.host = id(t, e.do("POST", "/api/v3/hosts", tok, wrap("hosts", map[string]any{
		"firstname": "Jan", "lastname": "Kowalski", "email": "jan@example.com", "source_id": f.source})).
		must(t, 201).one(t, "hosts"), "id")
	f.booking = id(t, e.do("POST", "/api/v3/rentals/7/bookings", tok, wrap("bookings", map[string]any{
		"start_at": "2030-07-01T16:00:00Z", "end_at": "2030-07-08T10:00:00Z", "client_id": f.client,
		"source_id": f.source, "reference": "ABC1"})).must(t, 201).one(t, "bookings"), "id")
	f.conversation = id(t, e.do("POST", "/api/v3/inbox/conversations", tok, wrap("conversations", map[string]any{
		"subject": "Arrival time", "default_channel": "booking-com", "assignee_id": f.host, "source_id": f.source,
		"deadline_response_at": "2030-06-01T10:00:00Z"})).must(t, 201).one(t, "conversations"), "id")
	f.hostParticipant = id(t, e.do("POST", "/api/v3/inbox/participants", tok, wrap("participants", map[string]any{
		"conversation_id": f.conversation, "member_id": f.host, "member_type": "Host", "read": true})).
		must(t, 201).one(t, "participants"), "id")
	f.clientParticipant = id(t, e.do("POST", "/api/v3/inbox/participants", tok, wrap("participants", map[string]any{
		"conversation_id": f.conversation, "member_id": f.client, "member_type": "Client"})).
		must(t, 201).one(t, "participants"), "id")
	for i := 0; i < 3; i++ {
		f.attachments = append(f.attachments, id(t, e.do("POST", "/api/v3/inbox/attachments", tok,
			wrap("attachments", map[string]any{"name": "pixel.png", "file": "data:image/png;base64," + pngBase64})).
			must(t, 201).one(t, "attachments"), "id"))
	}
	f.clientMessage = id(t, e.do("POST", "/api/v3/inbox/messages", tok, wrap("messages", map[string]any{
		"content": "When can we check in?", "origin": "booking-com", "visibility": "external",
		"conversation_id": f.conversation, "sender_id": f.clientParticipant, "sent_at": "2030-05-01T09:00:00Z"})).
		must(t, 201).one(t, "messages"), "id")
	f.hostMessage = id(t, e.do("POST", "/api/v3/inbox/messages", tok, wrap("messages", map[string]any{
		"content": "From 4 pm.", "origin": "bookingsync_inbox", "visibility": "external", "channel": "booking-com",
		"conversation_id": f.conversation, "sender_id": f.hostParticipant, "attachment_ids": []int64{f.attachments[0]}})).
		must(t, 201).one(t, "messages"), "id")
	return f
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

func mustDecodeBase64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
