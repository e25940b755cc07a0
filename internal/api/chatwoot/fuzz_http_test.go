package chatwoot_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/server"
)

// fuzzServer is the real root handler over a real store, set up once per
// fuzz process: an account, an administrator, a contact and a conversation
// with a message for requests to aim at.
type fuzzServer struct {
	h       http.Handler
	token   string
	account int64
	conv    int64 // display id
	message int64
	inbox   int64
	contact int64
	host    int64
}

func newFuzzServer(f *testing.F) *fuzzServer {
	store := inboxtest.MustOpenStore(f)
	files, err := filestore.New(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	// No fetcher: nothing a fuzzer sends may make the process dial out.
	a := app.New(app.Deps{Store: store, Files: files, Logger: logger})
	acc := &inbox.Account{Name: "Fuzz Rentals", Email: "fuzz@example.com"}
	if err := app.NewAdmin(a).CreateAccount(ctx, acc); err != nil {
		f.Fatal(err)
	}
	h := &inbox.Host{AccountID: acc.ID, Firstname: "Ada", Lastname: "Admin", Email: "ada@example.com", Role: inbox.RoleAdministrator}
	token, err := app.NewAdmin(a).CreateHostWithToken(ctx, h, nil)
	if err != nil {
		f.Fatal(err)
	}
	contact := &inbox.Client{AccountID: acc.ID, Fullname: "Jane Doe", Email: "jane@example.com"}
	if err := app.NewAdmin(a).CreateClient(ctx, contact); err != nil {
		f.Fatal(err)
	}
	s := &fuzzServer{h: server.New(server.Deps{App: a, Logger: logger, MaxBody: 64 << 10}), token: token,
		account: acc.ID, contact: contact.ID, host: h.ID}
	var boxes []*inbox.Inbox
	if err := store.View(ctx, func(tx inbox.Tx) (err error) {
		boxes, err = tx.FindInboxes(ctx, acc.ID)
		return err
	}); err != nil || len(boxes) == 0 {
		f.Fatalf("inboxes: %v", err)
	}
	s.inbox = boxes[0].ID
	rec := s.do("POST", "/conversations", "application/json", "",
		[]byte(fmt.Sprintf(`{"inbox_id":%d,"contact_id":%d,"message":{"content":"Hello"}}`, s.inbox, s.contact)), "")
	var conv struct{ ID int64 }
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &conv) != nil || conv.ID == 0 {
		f.Fatalf("seed conversation: %d %s", rec.Code, rec.Body)
	}
	s.conv = conv.ID
	rec = s.do("POST", fmt.Sprintf("/conversations/%d/messages", s.conv), "application/json", "", []byte(`{"content":"Hi"}`), "")
	var msg struct{ ID int64 }
	if rec.Code != 200 || json.Unmarshal(rec.Body.Bytes(), &msg) != nil || msg.ID == 0 {
		f.Fatalf("seed message: %d %s", rec.Code, rec.Body)
	}
	s.message = msg.ID
	return s
}

// do serves one request of the account through the real handler.
func (s *fuzzServer) do(method, path, contentType, rawQuery string, body []byte, idemKey string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, fmt.Sprintf("/api/v1/accounts/%d", s.account)+path, bytes.NewReader(body))
	req.URL.RawQuery = rawQuery
	req.Header.Set("api_access_token", s.token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if idemKey != "" && validHeaderValue(idemKey) {
		req.Header.Set("Idempotency-Key", idemKey)
	}
	rec := httptest.NewRecorder()
	s.h.ServeHTTP(rec, req)
	return rec
}

// validHeaderValue reports whether a real client could send v as a header
// value (net/http refuses control characters on the wire).
func validHeaderValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// fuzzRoutes are the routes fuzzed requests go to; {conv} is the seeded
// conversation's display id and {msg} its message. Deletes are left out so
// the seeded records stay.
var fuzzRoutes = []struct{ method, path string }{
	{"POST", "/conversations"},
	{"POST", "/conversations/filter"},
	{"GET", "/conversations"},
	{"GET", "/conversations/meta"},
	{"GET", "/conversations/{conv}"},
	{"PATCH", "/conversations/{conv}"},
	{"POST", "/conversations/{conv}/toggle_status"},
	{"POST", "/conversations/{conv}/toggle_priority"},
	{"POST", "/conversations/{conv}/assignments"},
	{"POST", "/conversations/{conv}/labels"},
	{"POST", "/conversations/{conv}/custom_attributes"},
	{"POST", "/conversations/{conv}/update_last_seen"},
	{"POST", "/conversations/{conv}/unread"},
	{"POST", "/conversations/{conv}/mute"},
	{"POST", "/conversations/{conv}/participants"},
	{"PATCH", "/conversations/{conv}/participants"},
	{"GET", "/conversations/{conv}/messages"},
	{"POST", "/conversations/{conv}/messages"},
	{"PATCH", "/conversations/{conv}/messages/{msg}"},
}

// Content types of fuzzed requests, picked by index; a multipart body uses
// fuzzBoundary.
var fuzzContentTypes = []string{"application/json", "application/x-www-form-urlencoded",
	"multipart/form-data; boundary=" + fuzzBoundary, "text/plain", ""}

const fuzzBoundary = "----inboxdfuzzboundary"

// FuzzHTTP sends fuzzed bodies (JSON, form, multipart) and queries to the
// dialect's routes: never a 5xx, and a JSON body unless the action's
// success is an empty 200.
func FuzzHTTP(f *testing.F) {
	s := newFuzzServer(f)
	golden, _ := filepath.Glob(filepath.Join("testdata", "*request*.json"))
	for i := range fuzzRoutes {
		for _, name := range golden {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(uint8(i), uint8(0), "", b, "")
			}
		}
		f.Add(uint8(i), uint8(1), "page=2&status=all", []byte("content=hi&labels[]=a&user_ids[]=1&status=snoozed&snoozed_until=1e300"), "")
	}
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	mw.SetBoundary(fuzzBoundary)
	mw.WriteField("content", "See attached")
	fw, _ := mw.CreateFormFile("attachments[]", "../../etc/passwd")
	fw.Write([]byte("not the real one"))
	mw.Close()
	f.Add(uint8(17), uint8(2), "", mp.Bytes(), "")
	f.Add(uint8(17), uint8(0), "", []byte(`{"content":"once"}`), "key-1")
	f.Add(uint8(0), uint8(0), "", []byte(`{"inbox_id":1,"contact_id":1}`), "\xff\xfe")
	for _, q := range []string{"page=9223372036854775807", "page=-1&status=all&sort_by=latest", "before=9223372036854775807&after=-9223372036854775808",
		"updated_within=9223372036854775807", "labels=%FF", "q=%00"} {
		f.Add(uint8(2), uint8(4), q, []byte(nil), "")
		f.Add(uint8(16), uint8(4), q, []byte(nil), "")
	}
	for _, b := range []string{`{"status":"snoozed","snoozed_until":1e300}`, `{"content":"a\u0000b"}`, `{"labels":["a\u0000"]}`,
		`{"payload":[{"attribute_key":"status","filter_operator":"equal_to","values":["\u0000"]}]}`,
		`{"inbox_id":1,"contact_id":1,"snoozed_until":-1e20,"message":{"content":"x"}}`} {
		for i := range fuzzRoutes {
			f.Add(uint8(i), uint8(0), "", []byte(b), "")
		}
	}
	f.Fuzz(func(t *testing.T, route, ct uint8, rawQuery string, body []byte, idemKey string) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		path := strings.NewReplacer("{conv}", fmt.Sprint(s.conv), "{msg}", fmt.Sprint(s.message)).Replace(r.path)
		if r.method == "GET" {
			body = nil
		}
		rec := s.do(r.method, path, fuzzContentTypes[int(ct)%len(fuzzContentTypes)], rawQuery, body, idemKey)
		if rec.Code >= 500 || rec.Code < 200 {
			t.Fatalf("%s %s?%s %q: status %d, body %s", r.method, path, rawQuery, body, rec.Code, rec.Body)
		}
		// Chatwoot answers some actions (mute, toggle_priority, …) with an
		// empty 200; every other answer, and every error, is JSON.
		if empty := rec.Body.Len() == 0; (!empty || rec.Code >= 300) &&
			(!json.Valid(rec.Body.Bytes()) || !strings.Contains(rec.Header().Get("Content-Type"), "json")) {
			t.Fatalf("%s %s?%s %q: %d with a body that is not JSON (%s): %q", r.method, path, rawQuery, body,
				rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	})
}
