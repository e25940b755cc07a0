// Package abuse_test sends the real server what careless and hostile clients
// send: bodies over the limit, slow headers, huge and deep pages, very long
// id lists, remote_file_url aimed at internal hosts, and attachment names
// with path tricks. Each must get a clear answer in the dialect's own error
// format (never a 5xx) and leave nothing half-written.
package abuse_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/fetch"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/server"
)

var ctx = context.Background()

func discard() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// env is a real server (server.New over a real store, file store and
// fetcher, wired as cmd/inboxd wires them) with one account: an OAuth
// application token for BookingSync, an administrator's token for Chatwoot,
// a contact and a conversation.
type env struct {
	t        *testing.T
	store    inbox.Store
	app      *app.App
	srv      *httptest.Server
	dataDir  string // everything the server writes to disk lives here
	filesDir string // the file store, nested so a "../.." escape would stay visible
	account  *inbox.Account
	admin    *inbox.Host
	client   *inbox.Client
	conv     *inbox.Conversation
	bsToken  string
	cwToken  string
	pctx     context.Context // the administrator's principal, for app calls
}

// newEnv starts the server. configure may adjust the fetcher (which refuses
// every non-public address unless told otherwise).
func newEnv(t *testing.T, configure func(*fetch.Client)) *env {
	t.Helper()
	return newEnvWithLimit(t, 0, configure)
}

// newEnvWithLimit starts the server with a body limit (0: the default
// cmd/inboxd serves with).
func newEnvWithLimit(t *testing.T, maxBody int64, configure func(*fetch.Client)) *env {
	t.Helper()
	e := &env{t: t, store: inboxtest.MustOpenStore(t), dataDir: t.TempDir()}
	e.filesDir = filepath.Join(e.dataDir, "a", "b", "files")
	files, err := filestore.New(e.filesDir)
	if err != nil {
		t.Fatal(err)
	}
	fetcher := fetch.New()
	if configure != nil {
		configure(fetcher)
	}
	e.app = app.New(app.Deps{Store: e.store, Files: files, Fetcher: fetcher, Logger: discard()})
	e.srv = httptest.NewServer(server.New(server.Deps{App: e.app, Logger: discard(), MaxBody: maxBody}))
	t.Cleanup(e.srv.Close)

	e.account = &inbox.Account{Name: "Abuse Rentals", Email: "abuse@example.com"}
	if err := app.NewAdmin(e.app).CreateAccount(ctx, e.account); err != nil {
		t.Fatal(err)
	}
	scopes := inbox.Scopes{inbox.ScopeInboxWrite, inbox.ScopeClientsWrite, inbox.ScopeBookingsWrite, inbox.ScopeInquiriesWrite}
	application := &inbox.Application{AccountID: e.account.ID, Name: "Channel manager", Scopes: scopes}
	if _, err := app.NewAdmin(e.app).CreateApplication(ctx, application); err != nil {
		t.Fatal(err)
	}
	g, err := app.NewAdmin(e.app).CreateToken(ctx, e.account.ID, scopes, &application.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.bsToken = g.AccessToken
	e.admin = &inbox.Host{AccountID: e.account.ID, Firstname: "Ada", Lastname: "Admin", Email: "ada@example.com",
		Role: inbox.RoleAdministrator}
	if e.cwToken, err = app.NewAdmin(e.app).CreateHostWithToken(ctx, e.admin, nil); err != nil {
		t.Fatal(err)
	}
	e.client = &inbox.Client{AccountID: e.account.ID, Fullname: "Grace Guest", Email: "grace@example.com"}
	if err := app.NewAdmin(e.app).CreateClient(ctx, e.client); err != nil {
		t.Fatal(err)
	}
	p, err := e.app.Authenticate(ctx, e.cwToken)
	if err != nil {
		t.Fatal(err)
	}
	e.pctx = inbox.NewContextWithPrincipal(ctx, p)
	e.conv = e.newConversation()
	return e
}

// newConversation creates an open conversation with the contact.
func (e *env) newConversation() *inbox.Conversation {
	e.t.Helper()
	c, err := e.app.CreateConversation(e.pctx, app.ConversationCreate{ClientID: &e.client.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.Conversation
}

// response is a finished request.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) String() string {
	b := r.body
	if len(b) > 600 {
		b = append(b[:600:600], "…"...)
	}
	return fmt.Sprintf("%d %s", r.status, b)
}

// send makes one request; body is sent as is (an io.Reader of unknown
// length goes chunked).
func (e *env) send(method, url string, header map[string]string, body io.Reader) response {
	e.t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		e.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatalf("%s %s: read body: %v", method, url, err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// bs sends a BookingSync request; a non-reader body is encoded as JSON.
func (e *env) bs(method, path string, body any) response {
	e.t.Helper()
	return e.send(method, e.srv.URL+path, map[string]string{"Authorization": "Bearer " + e.bsToken,
		"Content-Type": "application/vnd.api+json"}, encode(e.t, body))
}

// cw sends a Chatwoot request to a path of the account.
func (e *env) cw(method, path, contentType string, body any) response {
	e.t.Helper()
	h := map[string]string{"api_access_token": e.cwToken}
	if contentType != "" {
		h["Content-Type"] = contentType
	}
	return e.send(method, fmt.Sprintf("%s/api/v1/accounts/%d%s", e.srv.URL, e.account.ID, path), h, encode(e.t, body))
}

func encode(t *testing.T, body any) io.Reader {
	t.Helper()
	switch b := body.(type) {
	case nil:
		return nil
	case io.Reader:
		return b
	case string:
		return strings.NewReader(b)
	case []byte:
		return bytes.NewReader(b)
	}
	data, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(data)
}

// bsError checks a BookingSync error: status, the JSON envelope
// {"errors":[{"code","field","title"}]} and the first entry's code and field
// (field "" means not checked).
func bsError(t *testing.T, r response, status int, code, field string) map[string]string {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r)
	}
	var body struct {
		Errors []map[string]string `json:"errors"`
	}
	if err := json.Unmarshal(r.body, &body); err != nil || len(body.Errors) == 0 {
		t.Fatalf("not a BookingSync error body: %s", r)
	}
	got := body.Errors[0]
	if got["code"] != code || field != "" && got["field"] != field || got["title"] == "" {
		t.Fatalf("error %v, want code %q field %q: %s", got, code, field, r)
	}
	return got
}

// cwError checks a Chatwoot error: status, the body's error/description and
// the documented errors array naming field.
func cwError(t *testing.T, r response, status int, field string) string {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r)
	}
	var body struct {
		Error       string `json:"error"`
		Description string `json:"description"`
		Errors      []struct{ Field, Message, Code string }
	}
	if err := json.Unmarshal(r.body, &body); err != nil || body.Error == "" || body.Description == "" ||
		len(body.Errors) == 0 || body.Errors[0].Message == "" {
		t.Fatalf("not a Chatwoot error body: %s", r)
	}
	if body.Errors[0].Field != field {
		t.Fatalf("error on %q, want %q: %s", body.Errors[0].Field, field, r)
	}
	return body.Error
}

// decode decodes a JSON body.
func decode(t *testing.T, r response, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode: %v: %s", err, r)
	}
}

// state counts what a request may write: records of each kind, events, and
// the files of the file store. Equal states before and after a refused
// request mean it left nothing behind.
type state struct {
	Conversations, Messages, Participants, Attachments, Events, Files int
}

func (e *env) state() state {
	e.t.Helper()
	var s state
	one := inbox.Page{Limit: 1}
	err := e.store.View(ctx, func(tx inbox.Tx) (err error) {
		if _, s.Conversations, err = tx.FindConversations(ctx, e.account.ID, inbox.ConversationFilter{Page: one}); err != nil {
			return err
		}
		if _, s.Messages, err = tx.FindMessages(ctx, e.account.ID, inbox.MessageFilter{Page: one}); err != nil {
			return err
		}
		if _, s.Participants, err = tx.FindParticipants(ctx, e.account.ID, inbox.ParticipantFilter{Page: one}); err != nil {
			return err
		}
		if _, s.Attachments, err = tx.FindAttachments(ctx, e.account.ID, inbox.AttachmentFilter{Page: one}); err != nil {
			return err
		}
		events, err := tx.FindEvents(ctx, e.account.ID, 0, 1<<30)
		s.Events = len(events)
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	s.Files = len(e.storedFiles())
	return s
}

// storedFiles walks the whole data directory and returns the files in it
// by path. Every file must be a content-addressed blob of the file store
// (files/<2 hex>/<64 hex>); anything else — a file named after an upload,
// a file outside the store — fails the test.
func (e *env) storedFiles() map[string]bool {
	e.t.Helper()
	out := map[string]bool{}
	err := filepath.WalkDir(e.dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(e.filesDir, path)
		if err != nil {
			return err
		}
		dir, name := filepath.Split(rel)
		if len(name) != 64 || strings.Trim(name, "0123456789abcdef") != "" || filepath.Clean(dir) != name[:2] {
			e.t.Errorf("unexpected file in the data directory: %s", path)
		}
		out[rel] = true
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// unchanged fails if the state differs from before.
func (e *env) unchanged(before state, what string) {
	e.t.Helper()
	if after := e.state(); after != before {
		e.t.Errorf("%s left state behind: before %+v, after %+v", what, before, after)
	}
}
