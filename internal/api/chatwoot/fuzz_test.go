package chatwoot

// White-box fuzz targets for every request decoder of the dialect: params
// from JSON, form-urlencoded and multipart bodies (with a fuzzed or fixed
// content type) and the query, every typed accessor on every key, the
// message and conversation-list mappings, filter payloads and the paging
// parameters. The property: no panic, and every failure is an error the
// dialect renders as a 4xx in its own JSON format.
//
// Run one with: go test -run='^$' -fuzz='^FuzzReadParams$' ./internal/api/chatwoot
//
// The handlers themselves are fuzzed through the real server in
// fuzz_http_test.go (package chatwoot_test, as internal/server imports this
// package).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/httpx"
)

// fuzzAPI renders errors; it has no app, so only error paths may use it.
var fuzzAPI = New(Deps{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})

// fuzzBodyLimit is the body limit of fuzzed requests, small so that the
// over-limit path is reached too.
const fuzzBodyLimit = 8 << 10

// cleanError fails unless err is one the dialect renders as a 4xx JSON body
// without reaching the internal-error branch.
func cleanError(t *testing.T, err error) {
	t.Helper()
	var be *bodyError
	var ie *inbox.Error
	switch {
	case errors.As(err, &be):
		if be.status/100 != 4 || be.msg == "" {
			t.Fatalf("body error %d %q", be.status, be.msg)
		}
	case errors.Is(err, httpx.ErrBadJSON), errors.Is(err, httpx.ErrBodyTooLarge):
	case errors.As(err, &ie):
		if ie.Code == inbox.EINTERNAL || ie.Code == "" || ie.Message == "" {
			t.Fatalf("decoder returned an internal or empty error: %#v", ie)
		}
	default:
		t.Fatalf("decoder returned an error the dialect cannot render: %T %v", err, err)
	}
	rec := httptest.NewRecorder()
	fuzzAPI.writeError(rec, httptest.NewRequest("GET", "/api/v1/accounts/1/conversations", nil), err)
	if rec.Code < 400 || rec.Code >= 500 {
		t.Fatalf("error %v rendered as %d", err, rec.Code)
	}
	var body errorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.Error == "" || len(body.Errors) == 0 ||
		body.Errors[0].Message == "" {
		t.Fatalf("error rendered as %q", rec.Body.String())
	}
}

// storable fails unless s is text both engines store: valid UTF-8 without
// NUL (PostgreSQL rejects both).
func storable(t *testing.T, what, s string) {
	t.Helper()
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		t.Fatalf("%s = %q: not storable text", what, s)
	}
}

// checkTime fails unless t is UTC and survives the store's microsecond
// encoding.
func checkTime(t *testing.T, what string, tm time.Time) {
	t.Helper()
	if tm.Location() != time.UTC {
		t.Fatalf("%s = %v: not UTC", what, tm)
	}
	if back := time.UnixMicro(tm.UnixMicro()).UTC(); !back.Equal(tm.Truncate(time.Microsecond)) {
		t.Fatalf("%s = %v does not survive storage (reads back as %v)", what, tm, back)
	}
}

// Content types of the fuzzed requests (the fuzzer picks one by index, or
// sends its own string).
var fuzzContentTypes = []string{"application/json", "application/x-www-form-urlencoded",
	"multipart/form-data; boundary=" + fuzzBoundary, "text/plain", ""}

const fuzzBoundary = "--------------------------a1e75233de37a863d935760a"

// multipartSeed builds a multipart body as the SDKs send it.
func multipartSeed(f *testing.F, fields [][2]string, files [][2]string) []byte {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary(fuzzBoundary); err != nil {
		f.Fatal(err)
	}
	for _, kv := range fields {
		mw.WriteField(kv[0], kv[1])
	}
	for _, nf := range files {
		w, err := mw.CreateFormFile("attachments[]", nf[0])
		if err != nil {
			f.Fatal(err)
		}
		w.Write([]byte(nf[1]))
	}
	mw.Close()
	return buf.Bytes()
}

// sdkSeed returns the body and content type of the recorded SDK request.
func sdkSeed(f *testing.F) (string, []byte) {
	raw, err := os.ReadFile(filepath.Join("testdata", "message-create-request.sdk.http"))
	if err != nil {
		f.Fatal(err)
	}
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		f.Fatal(err)
	}
	body, err := io.ReadAll(req.Body)
	if err != nil {
		f.Fatal(err)
	}
	return req.Header.Get("Content-Type"), body
}

// jsonSeeds are the golden JSON request bodies.
func jsonSeeds(f *testing.F) [][]byte {
	files, err := filepath.Glob(filepath.Join("testdata", "*request*.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no golden request bodies in testdata: %v", err)
	}
	var out [][]byte
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

// fuzzRequest builds a POST with the fuzzed parts; ct is an index into
// fuzzContentTypes, or when out of range, ctRaw is sent as is.
func fuzzRequest(ct uint8, ctRaw string, body []byte, query string) *http.Request {
	r := httptest.NewRequest("POST", "/api/v1/accounts/1/conversations/7/messages", nil)
	r.Body = http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(body)), fuzzBodyLimit)
	r.ContentLength = int64(len(body))
	r.URL.RawQuery = query
	if int(ct) < len(fuzzContentTypes) {
		ctRaw = fuzzContentTypes[ct]
	}
	if ctRaw != "" {
		r.Header.Set("Content-Type", ctRaw)
	}
	r.SetPathValue("account_id", "1")
	r.SetPathValue("conversation_id", "7")
	principal := &inbox.Principal{AccountID: 1, Kind: inbox.TokenPersonal, Host: &inbox.Host{ID: 3, AccountID: 1}}
	return r.WithContext(inbox.NewContextWithPrincipal(context.Background(), principal))
}

func FuzzReadParams(f *testing.F) {
	for _, b := range jsonSeeds(f) {
		f.Add(uint8(0), "", b, "")
	}
	ct, sdk := sdkSeed(f)
	f.Add(uint8(255), ct, sdk, "")
	f.Add(uint8(2), "", multipartSeed(f, [][2]string{{"content", "See attached"}, {"message_type", "outgoing"},
		{"private", "false"}, {"content_attributes[in_reply_to]", "12"}, {"labels[]", "vip"}},
		[][2]string{{"../../etc/passwd", "root:x:0:0"}, {"a\x01b.txt", "x"}}), "")
	f.Add(uint8(2), "", multipartSeed(f, nil, [][2]string{{`..\..\x`, ""}}), "page=2")
	for _, s := range []string{
		"content=hi&message_type=outgoing&labels[]=a&labels[]=b&content_attributes[in_reply_to]=1",
		"user_ids[]=1&user_ids[]=2&labels=a,b", "a[b][c][]=1&a[b][c][]=2&a=x", "content=%FF%00", "%zz",
		"snoozed_until=1e300&status=snoozed", "payload[][attribute_key]=status",
	} {
		f.Add(uint8(1), "", []byte(s), "")
	}
	for _, s := range []string{
		`{"status":"snoozed","snoozed_until":1e300}`, `{"snoozed_until":"2024-06-02T10:00:00+02:00"}`,
		`{"snoozed_until":-9.3e18}`, `{"user_ids":[1,"2",3.0,4.5]}`, `{"user_ids":"1,2,,3"}`,
		`{"content":"a\u0000b","content_attributes":"{\"x\":1}"}`, `{"labels":[{"a":1}]}`, `[1,2]`, `{"a":1} 2`,
		`{"message":{"content":"hi","message_type":"incoming"},"inbox_id":"1","contact_id":2}`,
		`{"payload":[{"attribute_key":"status","filter_operator":"equal_to","values":"open"}]}`,
		`{"payload":[{"values":[{"x":1}]}]}`, `{"custom_attributes":{"n":1e400}}`,
	} {
		f.Add(uint8(0), "", []byte(s), "page=9223372036854775807&before=1&after=-9223372036854775808")
	}
	f.Add(uint8(0), "", []byte(`{}`), "status=all&q=x&assignee_type=me&labels[]=a&sort_by=latest&updated_within=-1")
	f.Add(uint8(255), "multipart/form-data", []byte("--x\r\n"), "")
	f.Add(uint8(255), "multipart/form-data; boundary=\"", []byte(""), "")
	f.Fuzz(func(t *testing.T, ct uint8, ctRaw string, body []byte, query string) {
		r := fuzzRequest(ct, ctRaw, body, query)
		p, err := readParams(r, "conversation_id")
		if r.MultipartForm != nil {
			defer r.MultipartForm.RemoveAll()
		}
		if err != nil {
			cleanError(t, err)
			return
		}
		exerciseParams(t, p, 0)
		uploads, err := p.uploads()
		if err != nil {
			t.Fatalf("uploads: %v", err)
		}
		for _, u := range uploads {
			if u.RemoteURL != "" {
				t.Fatalf("a multipart upload with a remote URL: %+v", u)
			}
		}
		if in, err := messageCreate(p); err != nil {
			cleanError(t, err)
		} else {
			if in.Content != nil {
				storable(t, "content", *in.Content)
			}
			mustMarshal(t, in.ContentAttributes)
			mustMarshal(t, in.AdditionalAttributes)
		}
		if conds, err := filterConditions(p); err != nil {
			cleanError(t, err)
		} else {
			for _, c := range conds {
				for _, v := range append([]string{c.Attribute, c.Operator, c.QueryOperator}, c.Values...) {
					storable(t, "filter condition", v)
				}
			}
		}
		if pg, err := conversationPage(p); err != nil {
			cleanError(t, err)
		} else {
			checkPage(t, pg)
		}
		var mf inbox.MessageFilter
		if err := messageWindow(p, &mf); err != nil {
			cleanError(t, err)
		} else if !slices.Contains([]int{messagesNewest, messagesAfter, messagesBetween}, mf.Page.Limit) {
			t.Fatalf("message window limit %d", mf.Page.Limit)
		}
		if lf, err := listFilter(r, p); err != nil {
			cleanError(t, err)
		} else {
			checkPage(t, lf.Page)
			storable(t, "q", lf.Query)
			for _, l := range lf.Labels {
				storable(t, "label", l)
			}
		}
	})
}

// checkPage fails unless a page is one the store can run.
func checkPage(t *testing.T, pg inbox.Page) {
	t.Helper()
	if pg.Offset < 0 || pg.Limit <= 0 || pg.Limit > updatedWithinLimit || int64(pg.Offset)+int64(pg.Limit) > 1<<31 {
		t.Fatalf("page %+v", pg)
	}
}

func mustMarshal(t *testing.T, a inbox.Attributes) {
	t.Helper()
	if _, err := json.Marshal(a); err != nil {
		t.Fatalf("attributes %v cannot be stored: %v", a, err)
	}
}

// exerciseParams reads every key with every accessor and checks what each
// one promises; nested objects are read the same way (two levels deep).
func exerciseParams(t *testing.T, p *params, depth int) {
	t.Helper()
	keys := make([]string, 0, len(p.values))
	for k := range p.values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !p.has(k) {
			t.Fatalf("has(%q) is false for a decoded key", k)
		}
		p.isNull(k)
		if s, err := p.str(k); err != nil {
			cleanError(t, err)
		} else {
			storable(t, k, s)
		}
		if s, err := p.optStr(k); err != nil {
			cleanError(t, err)
		} else if s != nil {
			storable(t, k, *s)
		}
		if _, err := p.id(k); err != nil {
			cleanError(t, err)
		}
		if _, err := p.ids(k); err != nil {
			cleanError(t, err)
		}
		if list, err := p.list(k); err != nil {
			cleanError(t, err)
		} else {
			for _, s := range list {
				if s == "" {
					t.Fatalf("list(%q) holds a blank item: %q", k, list)
				}
				storable(t, k, s)
			}
		}
		if _, err := p.boolean(k); err != nil {
			cleanError(t, err)
		}
		if a, _, err := p.object(k); err != nil {
			cleanError(t, err)
		} else {
			mustMarshal(t, a)
		}
		if tm, err := p.unixOrISO(k); err != nil {
			cleanError(t, err)
		} else if tm != nil {
			checkTime(t, k, *tm)
		}
		if sub, ok := p.sub(k); ok && depth < 2 {
			exerciseParams(t, sub, depth+1)
		}
	}
}

func FuzzConversationPage(f *testing.F) {
	for _, s := range []string{"", "1", "2", "0", "-5", "abc", " 3 ", "1000000", "9223372036854775807",
		"-9223372036854775808", "85899346", "1e3", "٣"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, page string) {
		pg, err := conversationPage(&params{values: map[string]any{"page": page}})
		if err != nil {
			if inbox.ErrorField(err) != "page" {
				t.Fatalf("conversationPage(%q): %v", page, err)
			}
			cleanError(t, err)
			return
		}
		if pg.Limit != conversationsPerPage {
			t.Fatalf("conversationPage(%q) = %+v", page, pg)
		}
		checkPage(t, pg)
	})
}

func FuzzMessageWindow(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"10", ""}, {"", "10"}, {"10", "5"}, {"x", ""}, {"", "3.0"},
		{"9223372036854775807", "-9223372036854775808"}, {"1e30", ""}, {" 7 ", "0"}} {
		f.Add(s[0], s[1], true)
		f.Add(s[0], s[1], false)
	}
	f.Fuzz(func(t *testing.T, before, after string, asNumbers bool) {
		p := &params{values: map[string]any{}}
		for k, v := range map[string]string{"before": before, "after": after} {
			if asNumbers {
				p.values[k] = json.Number(v)
			} else {
				p.values[k] = v
			}
		}
		var mf inbox.MessageFilter
		if err := messageWindow(p, &mf); err != nil {
			if f := inbox.ErrorField(err); f != "before" && f != "after" {
				t.Fatalf("messageWindow(%q, %q): %v", before, after, err)
			}
			cleanError(t, err)
			return
		}
		if !slices.Contains([]int{messagesNewest, messagesAfter, messagesBetween}, mf.Page.Limit) {
			t.Fatalf("messageWindow(%q, %q): limit %d", before, after, mf.Page.Limit)
		}
	})
}
