package bookingsync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
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
// fuzz process, with one record of each kind for requests to aim at.
type fuzzServer struct {
	h     http.Handler
	token string
	// ids of seeded records, by path root (conversations, messages, …).
	ids map[string]string
}

// newFuzzServer seeds an account through the API itself. The app has no
// fetcher: a fuzzed remote_file_url must never make the process dial out
// (it is a 422 "remote files are not enabled" instead).
func newFuzzServer(f *testing.F) *fuzzServer {
	store := inboxtest.MustOpenStore(f)
	files, err := filestore.New(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	a := app.New(app.Deps{Store: store, Files: files, Logger: discardLogger()})
	ctx := context.Background()
	acc := &inbox.Account{Name: "Fuzz Villas", Email: "fuzz@example.com"}
	if err := app.NewAdmin(a).CreateAccount(ctx, acc); err != nil {
		f.Fatal(err)
	}
	application := &inbox.Application{AccountID: acc.ID, Name: "Fuzzer", Scopes: allScopes}
	if _, err := app.NewAdmin(a).CreateApplication(ctx, application); err != nil {
		f.Fatal(err)
	}
	g, err := app.NewAdmin(a).CreateToken(ctx, acc.ID, allScopes, &application.ID, 0)
	if err != nil {
		f.Fatal(err)
	}
	s := &fuzzServer{h: server.New(server.Deps{App: a, Logger: discardLogger(), MaxBody: 64 << 10}),
		token: g.AccessToken, ids: map[string]string{}}
	create := func(path, root, body string) {
		rec := s.do("POST", path, "", []byte(body), "")
		var doc map[string]json.RawMessage
		var recs []struct{ ID int64 }
		if rec.Code != http.StatusCreated || json.Unmarshal(rec.Body.Bytes(), &doc) != nil ||
			json.Unmarshal(doc[root], &recs) != nil || len(recs) == 0 {
			f.Fatalf("seed %s: %d %s", path, rec.Code, rec.Body)
		}
		s.ids[root] = fmt.Sprint(recs[0].ID)
	}
	create("/api/v3/inbox/conversations", "conversations", `{"conversations":[{"subject":"Late check-in","default_channel":"airbnb"}]}`)
	create("/api/v3/hosts", "hosts", `{"hosts":[{"firstname":"Jan","lastname":"Kowalski","email":"jan@example.com"}]}`)
	create("/api/v3/clients", "clients", `{"clients":[{"fullname":"Grace Guest","emails":[{"label":"default","email":"grace@example.com"}]}]}`)
	create("/api/v3/inbox/attachments", "attachments", `{"attachments":[{"name":"a.png","file":"`+pngBase64+`"}]}`)
	create("/api/v3/inbox/participants", "participants", `{"participants":[{"conversation_id":`+s.ids["conversations"]+`,"member_id":`+s.ids["hosts"]+`,"member_type":"Host"}]}`)
	create("/api/v3/inbox/messages", "messages", `{"messages":[{"conversation_id":`+s.ids["conversations"]+`,"sender_id":`+s.ids["participants"]+`,"content":"Hello","origin":"email","visibility":"external"}]}`)
	create("/api/v3/sources", "sources", `{"sources":[{"name":"Fuzz"}]}`)
	return s
}

// do serves one request through the real handler.
func (s *fuzzServer) do(method, target, rawQuery string, body []byte, idemKey string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, bytes.NewReader(body))
	req.URL.RawQuery = rawQuery
	req.Header.Set("Authorization", "Bearer "+s.token)
	req.Header.Set("Content-Type", "application/vnd.api+json")
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

// fuzzRoutes are the routes a fuzzed request goes to; {id} is the seeded
// record of the route's resource and {seg} the fuzzed path segment.
var fuzzRoutes = []struct{ method, path, root string }{
	{"POST", "/api/v3/inbox/conversations", ""},
	{"PUT", "/api/v3/inbox/conversations/{id}", "conversations"},
	{"PATCH", "/api/v3/inbox/conversations/{id}/connect_booking", "conversations"},
	{"PATCH", "/api/v3/inbox/conversations/{id}/disconnect_booking", "conversations"},
	{"POST", "/api/v3/inbox/messages", ""},
	{"PUT", "/api/v3/inbox/messages/{id}", "messages"},
	{"PUT", "/api/v3/inbox/messages/{id}/add_attachment", "messages"},
	{"POST", "/api/v3/inbox/participants", ""},
	{"PUT", "/api/v3/inbox/participants/{id}", "participants"},
	{"POST", "/api/v3/inbox/attachments", ""},
	{"PUT", "/api/v3/inbox/attachments/{id}", "attachments"},
	{"POST", "/api/v3/hosts", ""},
	{"PUT", "/api/v3/hosts/{id}", "hosts"},
	{"POST", "/api/v3/clients", ""},
	{"PUT", "/api/v3/clients/{id}", "clients"},
	{"POST", "/api/v3/sources", ""},
	{"PUT", "/api/v3/sources/{id}", "sources"},
	{"POST", "/api/v3/rentals/{seg}/bookings", ""},
	{"POST", "/api/v3/inquiries", ""},
	{"GET", "/api/v3/inbox/conversations", ""},
	{"GET", "/api/v3/inbox/conversations/{seg}", ""},
	{"GET", "/api/v3/inbox/messages", ""},
	{"GET", "/api/v3/inbox/messages/{seg}", ""},
	{"GET", "/api/v3/inbox/participants/{seg}", ""},
	{"GET", "/api/v3/inbox/attachments", ""},
	{"GET", "/api/v3/hosts/{seg}", ""},
	{"GET", "/api/v3/clients", ""},
	{"GET", "/api/v3/bookings/{seg}", ""},
	{"GET", "/api/v3/accounts", ""},
	{"POST", "/oauth/token", ""},
	{"POST", "/oauth/revoke", ""},
}

// FuzzHTTP sends fuzzed bodies, queries and path segments to every write
// route and the listings: never a 5xx, always a JSON body.
func FuzzHTTP(f *testing.F) {
	s := newFuzzServer(f)
	golden, _ := filepath.Glob(filepath.Join("testdata", "*.request.json"))
	for i, r := range fuzzRoutes {
		// The golden bodies of the route's resource ("messages.create…"
		// and "messages.update…" for /api/v3/inbox/messages…).
		resource := strings.Split(strings.TrimPrefix(strings.TrimPrefix(r.path, "/api/v3/"), "inbox/"), "/")[0]
		for _, name := range golden {
			if b, err := os.ReadFile(name); err == nil && strings.HasPrefix(filepath.Base(name), resource+".") {
				f.Add(uint8(i), "1", "", b, "")
			}
		}
		f.Add(uint8(i), s.ids["conversations"]+",2,3", "page=2&per_page=1&updated_since=&fields=id,subject&include=participants", []byte(`{}`), "")
	}
	f.Add(uint8(0), "", "", []byte(`{"conversations":[{"subject":"x","last_message_at":"0000-01-01T00:00:00+23:59"}]}`), "")
	f.Add(uint8(4), "", "", []byte(`{"messages":[{"conversation_id":1,"sender_id":1,"content":"\u0000","sent_at":"9999-12-31 23:59:59 -2359"}]}`), "")
	f.Add(uint8(9), "", "", []byte(`{"attachments":[{"name":"../../etc/passwd","remote_file_url":"http://127.0.0.1:1/x"}]}`), "")
	f.Add(uint8(10), "", "", []byte(`{"attachments":[{"name":"..\\..\\x\u0001","file":"data:text/plain;base64,aGk="}]}`), "")
	f.Add(uint8(19), "", "per_page=1000000&page=9223372036854775807&updated_since=2010-01-01+12:12:12+UTC", []byte(nil), "")
	f.Add(uint8(29), "", "", []byte("grant_type=client_credentials&client_id=%00&client_secret=x"), "")
	f.Add(uint8(29), "", "", []byte(`{"grant_type":"refresh_token","refresh_token":1e999}`), "")
	f.Add(uint8(29), "", "", []byte("grant_type=client_credentials&client_id=%FF&client_secret=%FE"), "")
	f.Add(uint8(29), "", "", []byte("grant_type=refresh_token&refresh_token=%FF"), "")
	f.Add(uint8(30), "", "", []byte("token=%FF"), "")
	f.Add(uint8(0), "", "", []byte(`{"conversations":[{"subject":"once"}]}`), "key-1")
	f.Add(uint8(0), "", "", []byte(`{"conversations":[{"subject":"once"}]}`), "\xff\xfe")
	f.Add(uint8(19), "", "updated_since=%FF&fields=%FF&include=%FF", []byte(nil), "")
	f.Fuzz(func(t *testing.T, route uint8, seg, rawQuery string, body []byte, idemKey string) {
		r := fuzzRoutes[int(route)%len(fuzzRoutes)]
		path := strings.ReplaceAll(r.path, "{seg}", url.PathEscape(seg))
		path = strings.ReplaceAll(path, "{id}", s.ids[r.root])
		if r.method == "GET" {
			body = nil
		}
		rec := s.do(r.method, path, rawQuery, body, idemKey)
		if rec.Code >= 500 || rec.Code < 200 {
			t.Fatalf("%s %s?%s %q: status %d, body %s", r.method, path, rawQuery, body, rec.Code, rec.Body)
		}
		if !json.Valid(rec.Body.Bytes()) || !strings.Contains(rec.Header().Get("Content-Type"), "json") {
			t.Fatalf("%s %s?%s %q: %d with a body that is not JSON (%s): %q", r.method, path, rawQuery, body,
				rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
	})
}
