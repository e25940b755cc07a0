package bookingsync

// White-box fuzz targets for every request decoder of the dialect: the JSON
// envelope and its attribute accessors, the {ids} path segment, the time
// formats of updated_since, the list query and the Base64 file attribute.
// The property is always the same: no panic, and every failure is an error
// the dialect renders cleanly (a 4xx in its own JSON format, never a 5xx).
//
// Run one with: go test -run='^$' -fuzz='^FuzzReadRecord$' ./internal/api/bookingsync
//
// The handlers themselves are fuzzed through the real server in
// fuzz_http_test.go (package bookingsync_test, as internal/server imports
// this package).

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
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

// cleanError fails unless err is one the dialect renders as a 4xx JSON body
// without reaching the internal-error branch.
func cleanError(t *testing.T, err error) {
	t.Helper()
	var we *wireError
	var fe fieldErrors
	var ie *inbox.Error
	switch {
	case errors.As(err, &fe):
		for _, e := range fe {
			if e.Code != inbox.EINVALID || e.Message == "" {
				t.Fatalf("field error without code or message: %#v", e)
			}
		}
	case errors.As(err, &we):
		if we.status/100 != 4 {
			t.Fatalf("wire error with status %d: %v", we.status, we)
		}
	case errors.Is(err, httpx.ErrBadJSON), errors.Is(err, httpx.ErrBodyTooLarge):
	case errors.As(err, &ie):
		if ie.Code == inbox.EINTERNAL || ie.Code == "" {
			t.Fatalf("decoder returned an internal error: %v", err)
		}
	default:
		t.Fatalf("decoder returned an error the dialect cannot render: %T %v", err, err)
	}
	rec := httptest.NewRecorder()
	fuzzAPI.writeError(rec, httptest.NewRequest("GET", "/api/v3/inbox/conversations", nil), err)
	if rec.Code < 400 || rec.Code >= 500 {
		t.Fatalf("error %v rendered as %d", err, rec.Code)
	}
	var body struct {
		Errors []errorBody `json:"errors"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || len(body.Errors) == 0 {
		t.Fatalf("error rendered as %q", rec.Body.String())
	}
	for _, e := range body.Errors {
		// A 422 names the attribute (or "base") and says what is wrong.
		if e.Code == "" || rec.Code == http.StatusUnprocessableEntity && (e.Field == "" || e.Title == "") {
			t.Fatalf("error rendered as %d %q", rec.Code, rec.Body.String())
		}
	}
}

// requestRoots are the envelope roots the handlers read.
var requestRoots = []string{"conversations", "messages", "participants", "attachments", "bookings",
	"hosts", "clients", "sources", "inquiries"}

// addGoldenSeeds adds every golden request body of testdata, with its root.
func addGoldenSeeds(f *testing.F, add func(root string, body []byte)) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.request.json"))
	if err != nil || len(files) == 0 {
		f.Fatalf("no golden request bodies in testdata: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		var doc map[string]json.RawMessage
		if err := json.Unmarshal(b, &doc); err != nil {
			f.Fatalf("%s: %v", name, err)
		}
		for root := range doc {
			add(root, b)
		}
	}
}

func FuzzReadRecord(f *testing.F) {
	addGoldenSeeds(f, func(root string, body []byte) { f.Add(root, body) })
	for _, s := range []string{
		``, `{}`, `null`, `[]`, `"x"`, `{"conversations":null}`, `{"conversations":[]}`,
		`{"conversations":{"subject":"a"}}`, `{"conversations":[1]}`, `{"conversations":[{"subject":"\u0000"}]}`,
		`{"messages":[{"sent_at":"2018-12-20 14:25:57 UTC","conversation_id":"7","attachment_ids":["1",2,2]}]}`,
		`{"messages":[{"sent_at":"2018-12-20 15:25:57 01:00","read":"TRUE","conversation_id":1e3}]}`,
		`{"attachments":[{"name":"../../etc/passwd","file":"data:image/png;base64,aGVsbG8="}]}`,
		`{"attachments":[{"file":"aGVs\nbG8","remote_file_url":"http://127.0.0.1/x"}]}`,
		`{"participants":[{"member_id":-1,"read":"maybe","last_message_sent_at":""}]}`,
		`{"conversations":[{"subject":"a"}]} {"x":1}`, `{"conversations":[{"a":{"b":[1,{"c":null}]}}]}`,
	} {
		f.Add("conversations", []byte(s))
	}
	f.Fuzz(func(t *testing.T, root string, body []byte) {
		r := httptest.NewRequest("POST", "/api/v3/inbox/"+pathSafe(root), bytes.NewReader(body))
		at, err := readRecord(r, root)
		if err != nil {
			cleanError(t, err)
			return
		}
		if at == nil {
			t.Fatal("readRecord returned neither attributes nor an error")
		}
		exerciseAttrs(t, at)
	})
}

// pathSafe keeps a fuzzed root usable in a request target.
func pathSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r == '_' {
			return r
		}
		return -1
	}, s)
}

// exerciseAttrs reads every attribute with every accessor and checks what
// each one promises.
func exerciseAttrs(t *testing.T, at attrs) {
	t.Helper()
	names := make([]string, 0, len(at))
	for k := range at {
		names = append(names, k)
	}
	slices.Sort(names)
	var errs fieldErrors
	for _, n := range names {
		at.missing(n)
		if !at.has(n) {
			t.Fatalf("has(%q) is false for a decoded attribute", n)
		}
		at.isNull(n)
		if s, ok := at.String(&errs, n); ok {
			if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
				t.Fatalf("String(%q) = %q: not storable text", n, s)
			}
		}
		at.Bool(&errs, n)
		if id, ok := at.ID(&errs, n); ok && id <= 0 {
			t.Fatalf("ID(%q) = %d", n, id)
		}
		if v, ok := at.Int(&errs, n); ok && v < 0 {
			t.Fatalf("Int(%q) = %d", n, v)
		}
		if list, ok := at.IDs(&errs, n); ok {
			seen := map[int64]bool{}
			for _, id := range list {
				if id <= 0 || seen[id] {
					t.Fatalf("IDs(%q) = %v", n, list)
				}
				seen[id] = true
			}
		}
		if tm, ok := at.Time(&errs, n); ok {
			checkTime(t, tm)
		}
		if tm, ok := at.OptTime(&errs, n); ok && tm != nil {
			checkTime(t, *tm)
		}
	}
	name, _ := at.String(&errs, "name")
	if up := upload(at, &errs, name); up != nil {
		if up.RemoteURL == "" && (len(up.Data) == 0 || len(up.Data) > inbox.MaxAttachmentSize) {
			t.Fatalf("upload of %d bytes", len(up.Data))
		}
	}
	at.require(&errs, names...)
	if err := errs.err(); err != nil {
		cleanError(t, err)
	}
	for _, s := range []schema{conversationSchema, messageSchema, participantSchema, attachmentSchema,
		hostSchema, clientSchema, sourceSchema, bookingSchema, inquirySchema, referenceSchema} {
		for _, creating := range []bool{true, false} {
			cp := attrs{}
			for k, v := range at {
				cp[k] = v
			}
			if err := s.check(cp, creating); err != nil {
				cleanError(t, err)
			}
		}
	}
}

// checkTime fails unless t is UTC and survives the store's microsecond
// encoding.
func checkTime(t *testing.T, tm time.Time) {
	t.Helper()
	if tm.Location() != time.UTC {
		t.Fatalf("time %v is not UTC", tm)
	}
	if back := time.UnixMicro(tm.UnixMicro()).UTC(); !back.Equal(tm.Truncate(time.Microsecond)) {
		t.Fatalf("time %v does not survive storage (reads back as %v)", tm, back)
	}
}

func FuzzPathIDs(f *testing.F) {
	for _, s := range []string{"1", "1,2,3", "4,5,9", "", ",", "1,,2", "0", "-1", "01", "+1", " 1",
		"9223372036854775807", "9223372036854775808", "1,1,1", "1;2", "١", strings.Repeat("7,", 1000) + "7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, seg string) {
		r := httptest.NewRequest("GET", "/api/v3/inbox/conversations/x", nil)
		r.SetPathValue("ids", seg)
		list, ok := pathIDs(r, "ids")
		if ok {
			if len(list) == 0 || len(list) > maxPathIDs {
				t.Fatalf("pathIDs(%q) = %d ids", seg, len(list))
			}
			seen := map[int64]bool{}
			for _, id := range list {
				if id <= 0 || seen[id] {
					t.Fatalf("pathIDs(%q) = %v", seg, list)
				}
				seen[id] = true
			}
		} else if list != nil {
			t.Fatalf("pathIDs(%q) failed but returned %v", seg, list)
		}
		if id, ok := pathID(r, "ids"); ok {
			if id <= 0 || strings.Contains(seg, ",") || len(list) != 1 || list[0] != id {
				t.Fatalf("pathID(%q) = %d (list %v)", seg, id, list)
			}
		}
	})
}

func FuzzParseUpdatedSince(f *testing.F) {
	for _, s := range []string{"", " ", "2018-12-20T14:25:57Z", "2018-12-20T15:25:57.250+01:00",
		"2010-01-01 12:12:12 UTC", "2018-12-20", "2018-12-20 15:25:57 +0100", "2018-12-20 15:25:57 01:00",
		"2018-12-20T15:25:57", "2018-12-20T15:25:57.123456789", "2018-12-20T15:25:57+0100",
		"0000-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59", "yesterday", "2018-13-45", "1545315957"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := parseUpdatedSince(s)
		if err != nil {
			if inbox.ErrorField(err) != "updated_since" || inbox.ErrorCode(err) != inbox.EINVALID {
				t.Fatalf("parseUpdatedSince(%q): %v", s, err)
			}
			cleanError(t, err)
			return
		}
		if tm == nil {
			if strings.TrimSpace(s) != "" {
				t.Fatalf("parseUpdatedSince(%q) gave no time and no error", s)
			}
			return
		}
		checkTime(t, *tm)
	})
}

func FuzzParseListQuery(f *testing.F) {
	for _, s := range []string{"", "page=2&per_page=1&updated_since=", "per_page=500", "page=abc&per_page=-3",
		"page=0&per_page=0", "page=1.5", "page=1000000", "page=9223372036854775807&per_page=1",
		"fields=id,subject&include=participants,messages", "include=sender.member,,%20sender",
		"updated_since=2010-01-01+12:12:12+UTC", "updated_since=2010-01-01%2012:12:12%20UTC&updated_since=x",
		"updated_since=garbage", "zeta=a+b&per_page=2", "%zz", "page=%00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, rawQuery string) {
		r := httptest.NewRequest("GET", "/api/v3/inbox/conversations", nil)
		r.URL.RawQuery = rawQuery
		q, err := parseListQuery(r)
		if err != nil {
			if inbox.ErrorField(err) != "updated_since" {
				t.Fatalf("parseListQuery(%q): error on %q: %v", rawQuery, inbox.ErrorField(err), err)
			}
			cleanError(t, err)
			return
		}
		if q.page < 1 || q.perPage < 1 || q.perPage > perPageDefault {
			t.Fatalf("parseListQuery(%q): page %d, per_page %d", rawQuery, q.page, q.perPage)
		}
		// The offset and the page after it must fit the store's 32-bit
		// LIMIT/OFFSET arithmetic without wrapping.
		if off := q.offset(); off < 0 || int64(off)+int64(q.perPage) > 1<<31 {
			t.Fatalf("parseListQuery(%q): offset %d", rawQuery, off)
		}
		if q.since != nil {
			checkTime(t, *q.since)
		}
		for _, set := range []map[string]bool{q.fields, q.include} {
			for n := range set {
				if n == "" || strings.Contains(n, ".") || strings.TrimSpace(n) != n {
					t.Fatalf("parseListQuery(%q): name %q", rawQuery, n)
				}
			}
		}
	})
}

func FuzzDecodeFile(f *testing.F) {
	for _, s := range []string{"aGVsbG8=", "aGVsbG8", "aGVs\nbG8=\r\n", "data:image/png;base64,aGVsbG8=",
		"data:;base64,aGVsbG8=", "data:text/plain,hello", "data:a/b;c=d;base64,_-8=", "", "====", "here goes encoded file",
		"data:image/png;charset=\x00;base64,aGVsbG8="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		data, ctype, err := decodeFile(s)
		if err != nil {
			if inbox.ErrorField(err) != "file" {
				t.Fatalf("decodeFile: error on %q: %v", inbox.ErrorField(err), err)
			}
			cleanError(t, err)
			return
		}
		if len(data) == 0 || len(data) > inbox.MaxAttachmentSize {
			t.Fatalf("decodeFile gave %d bytes", len(data))
		}
		if !utf8.ValidString(ctype) || strings.ContainsAny(ctype, "\x00\r\n") {
			t.Fatalf("decodeFile gave content type %q", ctype)
		}
	})
}

func FuzzOAuthParams(f *testing.F) {
	for _, s := range [][3]string{
		{"grant_type=client_credentials&client_id=abc&client_secret=def", "", ""},
		{`{"grant_type":"client_credentials","client_id":"abc","client_secret":"def","scope":"inbox_read"}`, "", ""},
		{`{"grant_type":"refresh_token","refresh_token":1e999,"x":[1],"y":true}`, "scope=public", ""},
		{"", "grant_type=client_credentials", "Basic YWJjJTQwOmRlZg=="},
		{"client_id=%FF&client_secret=%00", "", "Basic /w==:"},
		{"{", "%zz", "Basic %%%"},
	} {
		f.Add([]byte(s[0]), s[1], s[2])
	}
	f.Fuzz(func(t *testing.T, body []byte, rawQuery, authorization string) {
		r := httptest.NewRequest("POST", "/oauth/token", nil)
		r.Body = http.MaxBytesReader(nil, io.NopCloser(bytes.NewReader(body)), 4<<10)
		r.URL.RawQuery = rawQuery
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		v, basic, err := oauthParams(r)
		if err != nil {
			if !errors.Is(err, httpx.ErrBodyTooLarge) && (inbox.ErrorCode(err) != inbox.EINVALID ||
				!slices.Contains([]string{"invalid_request", "invalid_client"}, inbox.ErrorField(err))) {
				t.Fatalf("oauthParams: %v", err)
			}
			rec := httptest.NewRecorder()
			fuzzAPI.writeOAuthError(rec, r, err, basic)
			var body struct{ Error, ErrorDescription string }
			if rec.Code < 400 || rec.Code >= 500 || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Error == "" {
				t.Fatalf("error %v rendered as %d %q", err, rec.Code, rec.Body)
			}
			return
		}
		// Parameters are looked up in the store (client_id) or hashed: all
		// must be text PostgreSQL accepts.
		for k, vs := range v {
			for _, s := range vs {
				if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
					t.Fatalf("oauthParams: %s = %q", k, s)
				}
			}
		}
	})
}
