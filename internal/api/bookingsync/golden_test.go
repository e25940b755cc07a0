package bookingsync_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// extraKeys are members inboxd sends that a golden file may lack: attributes
// the field tables document but an example omits (created_by_*, and what
// 2018 production did not have yet), and the pagination mirror that the
// docs examples leave out of meta.
var extraKeys = map[string]bool{
	// Seed 001 documents a participant's account; the examples lack it.
	"account": true, "participants.account": true,
	"created_by_id": true, "created_by_type": true, "default_channel": true, "read_at": true,
	"messages": true, "participants": true, "conversations.messages": true, "conversations.participants": true,
	"channel": true, "forget_me_at": true, "processing_restricted_at": true,
	"Link": true, "X-Total-Pages": true, "X-Total-Count": true, "X-Per-Page": true, "deleted_ids": true,
	"first": true, "prev": true, "next": true, "last": true,
}

// compareShape reports where actual differs from golden in shape: a member
// of golden missing from actual, a member of actual that golden lacks (unless
// in extraKeys), or a different JSON type. Values are not compared, and null
// (a value) matches any type. Arrays compare every actual element with the
// first golden element.
func compareShape(path string, golden, actual any) []string {
	switch g := golden.(type) {
	case nil:
		return nil
	case map[string]any:
		a, ok := actual.(map[string]any)
		if !ok {
			if actual == nil {
				return nil
			}
			return []string{fmt.Sprintf("%s: %T, want an object", path, actual)}
		}
		var diffs []string
		for _, k := range sortedKeys(g) {
			av, ok := a[k]
			if !ok {
				diffs = append(diffs, fmt.Sprintf("%s.%s: missing", path, k))
				continue
			}
			diffs = append(diffs, compareShape(path+"."+k, g[k], av)...)
		}
		for _, k := range sortedKeys(a) {
			if _, ok := g[k]; !ok && !extraKeys[k] {
				diffs = append(diffs, fmt.Sprintf("%s.%s: not in the golden file", path, k))
			}
		}
		return diffs
	case []any:
		a, ok := actual.([]any)
		if !ok {
			return []string{fmt.Sprintf("%s: %T, want an array", path, actual)}
		}
		if len(g) == 0 {
			return nil
		}
		var diffs []string
		for i, av := range a {
			diffs = append(diffs, compareShape(fmt.Sprintf("%s[%d]", path, i), g[0], av)...)
		}
		return diffs
	case string:
		if _, ok := actual.(string); !ok && actual != nil {
			return []string{fmt.Sprintf("%s: %T, want a string", path, actual)}
		}
	case json.Number:
		if _, ok := actual.(json.Number); !ok && actual != nil {
			return []string{fmt.Sprintf("%s: %T, want a number", path, actual)}
		}
	case bool:
		if _, ok := actual.(bool); !ok && actual != nil {
			return []string{fmt.Sprintf("%s: %T, want a boolean", path, actual)}
		}
	}
	return nil
}

func sortedKeys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func decodeGolden(t *testing.T, name string) map[string]any {
	t.Helper()
	var v map[string]any
	dec := json.NewDecoder(bytes.NewReader(readTestdata(t, name)))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

// prepareRequest loads a golden request and points its references at the
// fixture's records. The docs' placeholders that no server accepts
// ("channelname", "here goes encoded file") become valid values, and remote
// URLs point at a local file server.
func prepareRequest(t *testing.T, name string, f *fixture, remote string) map[string]any {
	t.Helper()
	req := decodeGolden(t, name)
	for root, v := range req {
		list, _ := v.([]any)
		for _, item := range list {
			rec := item.(map[string]any)
			for k, val := range rec {
				switch k {
				case "conversation_id":
					rec[k] = f.conversation
				case "sender_id":
					rec[k] = f.hostParticipant
				case "assignee_id":
					rec[k] = f.host
				case "source_id":
					rec[k] = f.source
				case "member_id":
					rec[k] = f.host
					if rec["member_type"] == "Client" {
						rec[k] = f.client
					}
				case "attachment_ids":
					rec[k] = f.attachments
				case "default_channel":
					if val == "channelname" {
						rec[k] = "booking-com"
					}
				case "file":
					rec[k] = "data:image/png;base64," + pngBase64
				case "remote_file_url":
					rec[k] = remote
				case "id":
					switch root {
					case "bookings":
						rec[k] = f.booking
					case "attachments":
						rec[k] = f.attachments[2]
					}
				}
			}
		}
	}
	return req
}

// goldenCase replays one example.
type goldenCase struct {
	name     string
	method   string
	path     func(f *fixture) string
	request  string // testdata file; "" for none
	response string
	status   int
	plural   string
	headers  map[string]string // recorded response headers, when known
}

func p(format string, pick func(f *fixture) int64) func(f *fixture) string {
	return func(f *fixture) string { return fmt.Sprintf(format, pick(f)) }
}

func fixed(path string) func(*fixture) string { return func(*fixture) string { return path } }

var (
	pickConv        = func(f *fixture) int64 { return f.conversation }
	pickParticipant = func(f *fixture) int64 { return f.hostParticipant }
	pickMessage     = func(f *fixture) int64 { return f.hostMessage }
	pickAttachment  = func(f *fixture) int64 { return f.attachments[0] }
)

// docsCases are the current docs examples (top level of testdata).
var docsCases = []goldenCase{
	{name: "conversations.list", method: "GET", path: fixed("/api/v3/inbox/conversations"), response: "conversations.list.response.json", status: 200, plural: "conversations"},
	{name: "conversations.show", method: "GET", path: p("/api/v3/inbox/conversations/%d", pickConv), response: "conversations.show.response.json", status: 200, plural: "conversations"},
	{name: "conversations.create", method: "POST", path: fixed("/api/v3/inbox/conversations"), request: "conversations.create.request.json", response: "conversations.create.response.json", status: 201, plural: "conversations"},
	{name: "conversations.update", method: "PUT", path: p("/api/v3/inbox/conversations/%d", pickConv), request: "conversations.update.request.json", response: "conversations.update.response.json", status: 200, plural: "conversations"},
	{name: "conversations.connect_booking", method: "PUT", path: p("/api/v3/inbox/conversations/%d/connect_booking", pickConv), request: "conversations.connect_booking.request.json", response: "conversations.connect_booking.response.json", status: 200, plural: "conversations"},
	{name: "conversations.disconnect_booking", method: "PUT", path: p("/api/v3/inbox/conversations/%d/disconnect_booking", pickConv), request: "conversations.disconnect_booking.request.json", response: "conversations.disconnect_booking.response.json", status: 200, plural: "conversations"},
	{name: "participants.list", method: "GET", path: fixed("/api/v3/inbox/participants"), response: "participants.list.response.json", status: 200, plural: "participants"},
	{name: "participants.show", method: "GET", path: p("/api/v3/inbox/participants/%d", pickParticipant), response: "participants.show.response.json", status: 200, plural: "participants"},
	{name: "participants.create", method: "POST", path: fixed("/api/v3/inbox/participants"), request: "participants.create.request.json", response: "participants.create.response.json", status: 201, plural: "participants"},
	{name: "participants.update", method: "PUT", path: p("/api/v3/inbox/participants/%d", pickParticipant), request: "participants.update.request.json", response: "participants.update.response.json", status: 200, plural: "participants"},
	{name: "messages.list", method: "GET", path: fixed("/api/v3/inbox/messages"), response: "messages.list.response.json", status: 200, plural: "messages"},
	{name: "messages.show", method: "GET", path: p("/api/v3/inbox/messages/%d", pickMessage), response: "messages.show.response.json", status: 200, plural: "messages"},
	{name: "messages.create", method: "POST", path: fixed("/api/v3/inbox/messages"), request: "messages.create.request.json", response: "messages.create.response.json", status: 201, plural: "messages"},
	{name: "messages.update", method: "PUT", path: p("/api/v3/inbox/messages/%d", pickMessage), request: "messages.update.request.json", response: "messages.update.response.json", status: 200, plural: "messages"},
	{name: "messages.add_attachment", method: "PUT", path: p("/api/v3/inbox/messages/%d/add_attachment", pickMessage), request: "messages.add_attachment.request.json", response: "messages.add_attachment.response.json", status: 200, plural: "messages"},
	{name: "attachments.list", method: "GET", path: fixed("/api/v3/inbox/attachments"), response: "attachments.list.response.json", status: 200, plural: "attachments"},
	{name: "attachments.show", method: "GET", path: p("/api/v3/inbox/attachments/%d", pickAttachment), response: "attachments.show.response.json", status: 200, plural: "attachments"},
	{name: "attachments.create", method: "POST", path: fixed("/api/v3/inbox/attachments"), request: "attachments.create.request.json", response: "attachments.create.response.json", status: 201, plural: "attachments"},
	{name: "attachments.update", method: "PUT", path: p("/api/v3/inbox/attachments/%d", pickAttachment), request: "attachments.update.request.json", response: "attachments.update.response.json", status: 200, plural: "attachments"},
	{name: "hosts.list", method: "GET", path: fixed("/api/v3/hosts"), response: "hosts.list.response.json", status: 200, plural: "hosts"},
	// The docs give no response for host creation; a create answers the
	// record as the list shows it.
	{name: "hosts.create", method: "POST", path: fixed("/api/v3/hosts"), request: "hosts.create.request.json", response: "hosts.list.response.json", status: 201, plural: "hosts"},
}

// recordedCases turns recorded-2018/exchanges.json into cases.
func recordedCases(t *testing.T) []goldenCase {
	t.Helper()
	var exchanges []struct {
		Name     string            `json:"name"`
		Method   string            `json:"method"`
		URL      string            `json:"url"`
		Request  string            `json:"request_body"`
		Status   int               `json:"status"`
		Headers  map[string]string `json:"response_headers"`
		Response string            `json:"response_body"`
	}
	if err := json.Unmarshal(readTestdata(t, "recorded-2018/exchanges.json"), &exchanges); err != nil {
		t.Fatal(err)
	}
	idSeg := regexp.MustCompile(`^(.*/api/v3/(?:inbox/)?([a-z]+))/(\d+)(/[a-z_]+)?$`)
	var out []goldenCase
	for _, x := range exchanges {
		c := goldenCase{name: "recorded-2018/" + x.Name, method: x.Method, status: x.Status, headers: x.Headers,
			response: "recorded-2018/" + x.Response, plural: strings.SplitN(x.Name, ".", 2)[0]}
		if x.Request != "" {
			c.request = "recorded-2018/" + x.Request
		}
		path := strings.TrimPrefix(x.URL, "https://www.bookingsync.com")
		if m := idSeg.FindStringSubmatch(path); m != nil {
			prefix, resource, action := m[1], m[2], m[4]
			pick := map[string]func(*fixture) int64{"conversations": pickConv, "participants": pickParticipant,
				"messages": pickMessage, "attachments": pickAttachment}[resource]
			if pick == nil {
				t.Fatalf("%s: no fixture for %s", x.Name, resource)
			}
			c.path = func(f *fixture) string { return prefix + "/" + strconv.FormatInt(pick(f), 10) + action }
		} else {
			c.path = fixed(path)
		}
		out = append(out, c)
	}
	return out
}

var (
	linkHeader   = regexp.MustCompile(`^<http://[^>]+\?[^>]*page=1[^>]*>; rel="first"(, <[^>]+>; rel="(prev|next)")*, <[^>]+>; rel="last"$`)
	syncedAt     = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$`)
	decimal      = regexp.MustCompile(`^\d+$`)
	locationPath = regexp.MustCompile(`^http://127\.0\.0\.1:\d+/api/v3/[a-z/]+/\d+$`)
)

// checkHeaders compares the headers of a response with the recorded ones:
// each must be there and well-formed. The 2018 POST responses leaked a Link
// and X-Per-Page built from the body, which inboxd rightly does not send.
func checkHeaders(t *testing.T, c goldenCase, r *response) {
	t.Helper()
	if got := r.header.Get("Content-Type"); got != "application/vnd.api+json; charset=utf-8" {
		t.Errorf("Content-Type=%q", got)
	}
	if !syncedAt.MatchString(r.header.Get("X-Updated-Since-Request-Synced-At")) {
		t.Errorf("X-Updated-Since-Request-Synced-At=%q", r.header.Get("X-Updated-Since-Request-Synced-At"))
	}
	for _, h := range []string{"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} {
		if !decimal.MatchString(r.header.Get(h)) {
			t.Errorf("%s=%q", h, r.header.Get(h))
		}
	}
	if c.method == "GET" {
		if !linkHeader.MatchString(r.header.Get("Link")) {
			t.Errorf("Link=%q", r.header.Get("Link"))
		}
		for _, h := range []string{"X-Total-Count", "X-Total-Pages", "X-Per-Page", "X-Current-Page"} {
			if !decimal.MatchString(r.header.Get(h)) {
				t.Errorf("%s=%q", h, r.header.Get(h))
			}
		}
	} else if r.header.Get("Link") != "" || r.header.Get("X-Total-Count") != "" {
		t.Errorf("a write answered pagination headers: Link=%q", r.header.Get("Link"))
	}
	if c.status == 201 && !locationPath.MatchString(r.header.Get("Location")) {
		t.Errorf("Location=%q", r.header.Get("Location"))
	}
	for name := range c.headers {
		switch name {
		case "Link", "X-Per-Page":
			if c.method != "GET" {
				continue
			}
		}
		if r.header.Get(name) == "" {
			t.Errorf("recorded header %s is missing", name)
		}
	}
}

func TestGolden(t *testing.T) {
	t.Parallel()
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(mustDecodeBase64(t, pngBase64))
	}))
	defer files.Close()
	// This test downloads remote_file_url from the local server above.
	e := newEnv(t, options{rateLimit: 1000, allowPrivate: true})
	f := e.fixture()
	// disconnect_booking and the list of bookings need a connected booking.
	e.do("PUT", fmt.Sprintf("/api/v3/inbox/conversations/%d/connect_booking", f.conversation), e.token,
		wrap("bookings", map[string]any{"id": f.booking})).must(t, 200)

	cases := append(slices.Clone(docsCases), recordedCases(t)...)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body any
			if c.request != "" {
				body = prepareRequest(t, c.request, f, files.URL+"/header-ruby-logo.png")
			}
			if strings.HasSuffix(c.name, "disconnect_booking") {
				e.do("PUT", fmt.Sprintf("/api/v3/inbox/conversations/%d/connect_booking", f.conversation), e.token,
					wrap("bookings", map[string]any{"id": f.booking})).must(t, 200)
			}
			r := e.do(c.method, c.path(f), e.token, body).must(t, c.status)
			golden := decodeGolden(t, c.response)
			if len(r.records(t, c.plural)) == 0 {
				t.Fatalf("no %s in the response: %s", c.plural, r.raw)
			}
			gold, actual := golden, r.body
			if c.method != "GET" {
				// Writes answer an empty meta (2018 production leaked
				// pagination data into it; the contract says {}).
				if m, _ := r.body["meta"].(map[string]any); len(m) != 0 {
					t.Errorf("meta=%v, want {}", m)
				}
				gold, actual = without(golden, "meta"), without(r.body, "meta")
			}
			for _, d := range compareShape("$", gold, actual) {
				t.Error(d)
			}
			checkHeaders(t, c, r)
		})
	}
}

func without(m map[string]any, key string) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if k != key {
			out[k] = v
		}
	}
	return out
}
