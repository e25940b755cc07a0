package abuse_test

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/server"
)

// smallLimit is the body limit of the server the route matrix below runs
// against (moving 16 MiB bodies through every route would be slow); the
// real limit is tested on its own.
const smallLimit = 256 << 10

// chunked hides a body's length, so the client sends it chunked and the
// server cannot refuse it from Content-Length alone.
type chunked struct{ io.Reader }

// The body limit cmd/inboxd serves with (16 MiB, server.DefaultMaxBody):
// one byte-heavy upload in each dialect, one chunked and one with a
// Content-Length, is a 413 that creates nothing.
func TestBodyOverDefaultLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	before := e.state()
	over := server.DefaultMaxBody + 64<<10
	file := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, over*3/4))
	r := e.bs("POST", "/api/v3/inbox/attachments", chunked{strings.NewReader(`{"attachments":[{"name":"big.bin","file":"` + file + `"}]}`)})
	bsError(t, r, http.StatusRequestEntityTooLarge, "request_entity_too_large", "")

	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("content", "see the file")
	w, _ := mw.CreateFormFile("attachments[]", "big.bin")
	w.Write(bytes.Repeat([]byte{1}, over))
	mw.Close()
	r = e.cw("POST", fmt.Sprintf("/conversations/%d/messages", e.conv.DisplayID), mw.FormDataContentType(), buf.Bytes())
	if msg := cwError(t, r, http.StatusRequestEntityTooLarge, "body"); msg != "Request body is too large" {
		t.Fatalf("message %q", msg)
	}
	e.unchanged(before, "bodies over 16 MiB")
}

// Bodies over the limit are refused with 413 in each dialect's error format
// on every kind of write (JSON, form, multipart; Content-Length or
// chunked), and nothing is created: no record, no event, no file.
func TestBodyOverLimit(t *testing.T) {
	t.Parallel()
	e := newEnvWithLimit(t, smallLimit, nil)
	const overLimit = smallLimit + 1<<10
	big := strings.Repeat("x", overLimit)
	b64 := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{0xff}, overLimit*3/4))
	conv := fmt.Sprintf("/conversations/%d", e.conv.DisplayID)

	multipartBody := func() (string, []byte) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("content", "see the file")
		w, _ := mw.CreateFormFile("attachments[]", "big.bin")
		w.Write(bytes.Repeat([]byte{1}, overLimit))
		mw.Close()
		return mw.FormDataContentType(), buf.Bytes()
	}
	mpType, mpBody := multipartBody()

	bsCases := []struct{ name, path, body string }{
		{"conversation", "/api/v3/inbox/conversations", `{"conversations":[{"subject":"` + big + `"}]}`},
		{"message", "/api/v3/inbox/messages", fmt.Sprintf(`{"messages":[{"conversation_id":%d,"content":"%s"}]}`, e.conv.ID, big)},
		{"attachment", "/api/v3/inbox/attachments", `{"attachments":[{"name":"big.bin","file":"` + b64 + `"}]}`},
	}
	cwCases := []struct {
		name, path, contentType string
		body                    []byte
	}{
		{"message JSON", conv + "/messages", "application/json", []byte(`{"content":"` + big + `"}`)},
		{"message form", conv + "/messages", "application/x-www-form-urlencoded", []byte("content=" + big)},
		{"message multipart", conv + "/messages", mpType, mpBody},
		{"conversation", "/conversations", "application/json",
			[]byte(fmt.Sprintf(`{"inbox_id":%d,"contact_id":%d,"message":{"content":"%s"}}`, e.conv.InboxID, e.client.ID, big))},
		{"labels", conv + "/labels", "application/json", []byte(`{"labels":["` + big + `"]}`)},
	}
	before := e.state()
	for _, length := range []string{"Content-Length", "chunked"} {
		wrap := func(b []byte) io.Reader {
			if length == "chunked" {
				return chunked{bytes.NewReader(b)}
			}
			return bytes.NewReader(b)
		}
		for _, c := range bsCases {
			t.Run("BookingSync "+c.name+" "+length, func(t *testing.T) {
				r := e.bs("POST", c.path, wrap([]byte(c.body)))
				bsError(t, r, http.StatusRequestEntityTooLarge, "request_entity_too_large", "")
			})
		}
		t.Run("BookingSync oauth token "+length, func(t *testing.T) {
			r := e.send("POST", e.srv.URL+"/oauth/token", map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
				wrap([]byte("grant_type=client_credentials&client_id="+big)))
			var body struct{ Error, ErrorDescription string }
			decode(t, r, &body)
			if r.status != http.StatusRequestEntityTooLarge || body.Error != "invalid_request" {
				t.Fatalf("oauth: %s", r)
			}
		})
		for _, c := range cwCases {
			t.Run("Chatwoot "+c.name+" "+length, func(t *testing.T) {
				r := e.cw("POST", c.path, c.contentType, wrap(c.body))
				if msg := cwError(t, r, http.StatusRequestEntityTooLarge, "body"); msg != "Request body is too large" {
					t.Fatalf("message %q", msg)
				}
			})
		}
	}
	e.unchanged(before, "bodies over the limit")

	// A refused body does not use up its Idempotency-Key: the retry with a
	// body that fits runs once.
	t.Run("Idempotency-Key survives a 413", func(t *testing.T) {
		h := map[string]string{"api_access_token": e.cwToken, "Content-Type": "application/json", "Idempotency-Key": "big-1"}
		url := fmt.Sprintf("%s/api/v1/accounts/%d%s/messages", e.srv.URL, e.account.ID, conv)
		cwError(t, e.send("POST", url, h, strings.NewReader(`{"content":"`+big+`"}`)), 413, "body")
		first := e.send("POST", url, h, strings.NewReader(`{"content":"fits"}`))
		again := e.send("POST", url, h, strings.NewReader(`{"content":"fits"}`))
		if first.status != 200 || again.status != 200 || !bytes.Equal(first.body, again.body) {
			t.Fatalf("retry after 413: %s, then %s", first, again)
		}
		if got := e.state().Messages; got != before.Messages+1 {
			t.Fatalf("%d messages, want %d", got, before.Messages+1)
		}
	})
}

// seedConversations brings the account to n conversations.
func (e *env) seedConversations(n int) {
	e.t.Helper()
	for have := e.state().Conversations; have < n; have++ {
		e.newConversation()
	}
}

// bsPage lists BookingSync conversations with a query and returns the ids
// and the pagination headers.
func (e *env) bsPage(t *testing.T, query string) ([]int64, http.Header) {
	t.Helper()
	r := e.bs("GET", "/api/v3/inbox/conversations?"+query, nil)
	if r.status != 200 {
		t.Fatalf("%s: %s", query, r)
	}
	var body struct {
		Conversations []struct{ ID int64 }
		Meta          map[string]any
	}
	decode(t, r, &body)
	ids := make([]int64, len(body.Conversations))
	for i, c := range body.Conversations {
		ids[i] = c.ID
	}
	if body.Meta["X-Total-Count"] != r.header.Get("X-Total-Count") || body.Meta["X-Per-Page"] != r.header.Get("X-Per-Page") {
		t.Fatalf("%s: meta %v does not mirror the headers %v", query, body.Meta, r.header)
	}
	return ids, r.header
}

// links parses a Link header into rel → page number.
func links(t *testing.T, h http.Header) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, m := range regexp.MustCompile(`<([^>]*)>; rel="(\w+)"`).FindAllStringSubmatch(h.Get("Link"), -1) {
		u, err := url.Parse(m[1])
		if err != nil {
			t.Fatalf("link %q: %v", m[1], err)
		}
		out[m[2]], _ = strconv.Atoi(u.Query().Get("page"))
	}
	return out
}

// cwPage lists Chatwoot conversations and returns the ids and all_count.
func (e *env) cwPage(t *testing.T, query string) ([]int64, int) {
	t.Helper()
	r := e.cw("GET", "/conversations?"+query, "", nil)
	if r.status != 200 {
		t.Fatalf("%s: %s", query, r)
	}
	var body struct {
		Data struct {
			Meta struct {
				AllCount int `json:"all_count"`
			}
			Payload []struct{ ID int64 }
		}
	}
	decode(t, r, &body)
	ids := make([]int64, len(body.Data.Payload))
	for i, c := range body.Data.Payload {
		ids[i] = c.ID
	}
	return ids, body.Data.Meta.AllCount
}

// Huge per_page values are clamped (BookingSync to 100; Chatwoot's page
// sizes are fixed), and deep pages are empty pages with correct headers,
// not errors. Negative or garbage page values fall back to the first page
// (Chatwoot: a page that is not a number is a 422, as its dialect decides).
func TestPagesAndPageSizes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	const total = 105
	e.seedConversations(total)
	before := e.state()

	t.Run("BookingSync per_page", func(t *testing.T) {
		for _, pp := range []string{"1000000", "101", "99999999999999999999999", "-5", "0", "abc"} {
			ids, h := e.bsPage(t, "per_page="+pp)
			if len(ids) != 100 || h.Get("X-Per-Page") != "100" || h.Get("X-Total-Count") != strconv.Itoa(total) ||
				h.Get("X-Total-Pages") != "2" {
				t.Errorf("per_page=%s: %d records, headers %v", pp, len(ids), h)
			}
		}
		ids, h := e.bsPage(t, "per_page=7")
		if len(ids) != 7 || h.Get("X-Per-Page") != "7" || h.Get("X-Total-Pages") != "15" {
			t.Errorf("per_page=7: %d records, headers %v", len(ids), h)
		}
	})

	t.Run("BookingSync deep pages", func(t *testing.T) {
		first, _ := e.bsPage(t, "page=1")
		for _, c := range []struct {
			page string
			want int // X-Current-Page
		}{{"1000000", 1000000}, {"21474836", 21474836}, {"9223372036854775807", 21474836}} {
			ids, h := e.bsPage(t, "page="+c.page)
			l := links(t, h)
			if len(ids) != 0 || h.Get("X-Current-Page") != strconv.Itoa(c.want) || h.Get("X-Total-Count") != strconv.Itoa(total) ||
				h.Get("X-Total-Pages") != "2" || l["first"] != 1 || l["last"] != 2 || l["prev"] != c.want-1 {
				t.Errorf("page=%s: %d records, headers %v, links %v", c.page, len(ids), h, l)
			}
			if _, ok := l["next"]; ok {
				t.Errorf("page=%s: a next link past the end: %v", c.page, l)
			}
		}
		for _, page := range []string{"-3", "0", "abc", "1.5", "99999999999999999999999", ""} {
			ids, h := e.bsPage(t, "page="+page)
			if fmt.Sprint(ids) != fmt.Sprint(first) || h.Get("X-Current-Page") != "1" || links(t, h)["next"] != 2 {
				t.Errorf("page=%q is not the first page: %d records, headers %v", page, len(ids), h)
			}
		}
	})

	t.Run("Chatwoot page size", func(t *testing.T) {
		for _, q := range []string{"per_page=1000000", "per_page=-1", "limit=100000", "page_size=500"} {
			ids, all := e.cwPage(t, q)
			if len(ids) != 25 || all != total {
				t.Errorf("%s: %d conversations (all_count %d), want 25 of %d", q, len(ids), all, total)
			}
		}
		// The messages listing has fixed windows too: 20 newest.
		for i := 0; i < 30; i++ {
			if r := e.cw("POST", fmt.Sprintf("/conversations/%d/messages", e.conv.DisplayID), "application/json",
				fmt.Sprintf(`{"content":"m%d"}`, i)); r.status != 200 {
				t.Fatal(r)
			}
		}
		// A negative cursor is no cursor: the default window.
		for _, q := range []string{"per_page=100000", "limit=100000", "before=9223372036854775807", "before=-1"} {
			r := e.cw("GET", fmt.Sprintf("/conversations/%d/messages?%s", e.conv.DisplayID, q), "", nil)
			var body struct{ Payload []any }
			decode(t, r, &body)
			if r.status != 200 || len(body.Payload) != 20 {
				t.Errorf("messages?%s: %d messages, want 20: %s", q, len(body.Payload), r)
			}
		}
		for _, q := range []string{"after=9223372036854775807", "before=1", "after=9223372036854775807&before=1",
			"after=-9223372036854775808&before=-9223372036854775808"} {
			r := e.cw("GET", fmt.Sprintf("/conversations/%d/messages?%s", e.conv.DisplayID, q), "", nil)
			var body struct{ Payload []any }
			decode(t, r, &body)
			if r.status != 200 || len(body.Payload) != 0 {
				t.Errorf("messages?%s: %d messages, want none: %s", q, len(body.Payload), r)
			}
		}
	})

	t.Run("Chatwoot deep pages", func(t *testing.T) {
		first, _ := e.cwPage(t, "page=1")
		for _, page := range []string{"1000000", "85899346", "368934881474191034", "9223372036854775807"} {
			ids, all := e.cwPage(t, "page="+page)
			if len(ids) != 0 || all != total {
				t.Errorf("page=%s: %d conversations (all_count %d), want none of %d", page, len(ids), all, total)
			}
			r := e.cw("POST", "/conversations/filter?page="+page, "application/json", `{"payload":[]}`)
			var body struct {
				Meta struct {
					AllCount int `json:"all_count"`
				}
				Payload []any
			}
			decode(t, r, &body)
			if r.status != 200 || len(body.Payload) != 0 || body.Meta.AllCount != total {
				t.Errorf("filter page=%s: %s", page, r)
			}
		}
		for _, page := range []string{"-5", "0", "-9223372036854775808"} {
			if ids, _ := e.cwPage(t, "page="+page); fmt.Sprint(ids) != fmt.Sprint(first) {
				t.Errorf("page=%s is not the first page", page)
			}
		}
		for _, page := range []string{"abc", "1.5", "99999999999999999999999"} {
			if msg := cwError(t, e.cw("GET", "/conversations?page="+page, "", nil), 422, "page"); msg != "Page is invalid" {
				t.Errorf("page=%s: %q", page, msg)
			}
		}
	})
	if after := e.state(); after.Conversations != before.Conversations || after.Attachments != before.Attachments {
		t.Errorf("reads changed records: before %+v, after %+v", before, after)
	}
}

// idList is "1,2,…,n".
func idList(from, n int64) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = strconv.FormatInt(from+int64(i), 10)
	}
	return strings.Join(parts, ",")
}

// Id lists in a BookingSync path hold at most 1000 ids (one IN list); a
// longer list names no record: the dialect's 404, answered at once. Up to
// the limit, the records found are listed.
func TestLongIDLists(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	other := e.newConversation()
	before := e.state()
	for _, n := range []int64{10000, 1001} {
		start := time.Now()
		r := e.bs("GET", "/api/v3/inbox/conversations/"+idList(1, n), nil)
		bsError(t, r, http.StatusNotFound, "not_found", "")
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("%d ids took %v", n, d)
		}
	}
	// 1000 ids (some ours, most unknown, some repeated): 200 with ours.
	list := fmt.Sprintf("%d,%d,%s,%d", e.conv.ID, other.ID, idList(1_000_000, 997), e.conv.ID)
	r := e.bs("GET", "/api/v3/inbox/conversations/"+list, nil)
	var body struct{ Conversations []struct{ ID int64 } }
	decode(t, r, &body)
	if r.status != 200 || len(body.Conversations) != 2 || r.header.Get("X-Total-Count") != "2" {
		t.Fatalf("1000 ids: %s", r)
	}
	for _, path := range []string{"messages", "participants", "attachments"} {
		bsError(t, e.bs("GET", "/api/v3/inbox/"+path+"/"+idList(1, 10000), nil), http.StatusNotFound, "not_found", "")
	}

	// Chatwoot has no id lists in paths; its user_ids list of 10,000 ids
	// (one real agent, then unknown ones) is a 422 that adds nobody.
	ids := "[" + strconv.FormatInt(e.admin.ID, 10) + "," + idList(1_000_000, 9999) + "]"
	start := time.Now()
	r = e.cw("POST", fmt.Sprintf("/conversations/%d/participants", e.conv.DisplayID), "application/json", `{"user_ids":`+ids+`}`)
	cwError(t, r, http.StatusUnprocessableEntity, "user_ids")
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("10,000 user_ids took %v", d)
	}
	// A filter over 10,000 display ids is answered, and finds ours.
	r = e.cw("POST", "/conversations/filter", "application/json",
		`{"payload":[{"attribute_key":"display_id","filter_operator":"equal_to","values":[`+idList(1, 10000)+`],"query_operator":null}]}`)
	var found struct {
		Meta struct {
			AllCount int `json:"all_count"`
		}
		Payload []struct{ ID int64 }
	}
	decode(t, r, &found)
	if r.status != 200 || found.Meta.AllCount != 2 || len(found.Payload) != 2 {
		t.Fatalf("filter with 10,000 values: %s", r)
	}
	e.unchanged(before, "long id lists")
}
