package bookingsync

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	inbox "github.com/inboxd/inbox"
)

// perPageDefault is the default and the maximum page size of the inbox
// resources and hosts (BookingSync caps per_page at the default).
const perPageDefault = 100

// listQuery is what a GET understands from its query string.
type listQuery struct {
	page    int
	perPage int
	// since is the updated_since lower bound; sinceSet reports that the
	// parameter was present (even empty), which turns on meta.deleted_ids.
	since    *time.Time
	sinceSet bool
	fields   map[string]bool // nil: all
	include  map[string]bool
}

// offset is the number of records before the page.
func (q listQuery) offset() int { return (q.page - 1) * q.perPage }

// parseListQuery reads page, per_page, updated_since, fields and include.
// Bad page values fall back to the defaults; an unparsable updated_since is
// a 422.
func parseListQuery(r *http.Request) (listQuery, error) {
	v := r.URL.Query()
	q := listQuery{page: 1, perPage: perPageDefault}
	if n, err := strconv.Atoi(v.Get("page")); err == nil && n > 0 {
		q.page = n
	}
	if n, err := strconv.Atoi(v.Get("per_page")); err == nil && n > 0 {
		q.perPage = min(n, perPageDefault)
	}
	// A page so deep that its offset overflows cannot hold records.
	if q.page > (1<<31-1)/q.perPage {
		q.page = (1<<31 - 1) / q.perPage
	}
	if vals, ok := v["updated_since"]; ok {
		q.sinceSet = true
		t, err := parseUpdatedSince(vals[0])
		if err != nil {
			return q, err
		}
		q.since = t
	}
	q.fields = nameSet(v.Get("fields"))
	q.include = nameSet(v.Get("include"))
	return q, nil
}

// nameSet splits a comma list; nested paths (sender.member) are ignored.
func nameSet(s string) map[string]bool {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	out := map[string]bool{}
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if n != "" && !strings.Contains(n, ".") {
			out[n] = true
		}
	}
	return out
}

// updatedSinceLayouts are the accepted forms besides RFC 3339: Ruby's
// Time#to_s (UTC and with an offset), and ISO without a zone (read as UTC).
var updatedSinceLayouts = []string{
	"2006-01-02 15:04:05 UTC",
	"2006-01-02 15:04:05 -0700",
	"2006-01-02T15:04:05",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05",
	"2006-01-02T15:04:05-0700",
	"2006-01-02T15:04:05.999999999-0700",
	"2006-01-02",
}

// parseUpdatedSince reads every form of updated_since clients send. The empty
// value means no bound.
func parseUpdatedSince(s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	try := func(s string) (time.Time, bool) {
		if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
			return t, true
		}
		for _, l := range updatedSinceLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t, true
			}
		}
		return time.Time{}, false
	}
	t, ok := try(s)
	// An unencoded "+" of an offset arrives as a space: 15:25:57 01:00.
	if i := strings.LastIndexByte(s, ' '); !ok && i > 10 {
		t, ok = try(s[:i] + "+" + s[i+1:])
		if !ok {
			t, ok = try(s[:i] + " +" + s[i+1:])
		}
	}
	if !ok {
		return nil, invalid("updated_since", inbox.MsgInvalid)
	}
	t = t.UTC()
	return &t, nil
}

// pageURL is the request URL with page replaced: absolute, every query
// parameter kept, keys sorted and values form-encoded.
func (a *API) pageURL(r *http.Request, page int) string {
	v := url.Values{}
	for k, vs := range r.URL.Query() {
		v[k] = vs
	}
	v.Set("page", strconv.Itoa(page))
	return a.base(r) + r.URL.EscapedPath() + "?" + v.Encode()
}

// paginate writes the pagination headers (Link, X-Total-Count,
// X-Total-Pages, X-Per-Page, X-Current-Page) and returns meta with their
// mirror, led by deleted_ids when updated_since was given.
func (a *API) paginate(w http.ResponseWriter, r *http.Request, q listQuery, total int, deleted []int64) object {
	pages := (total + q.perPage - 1) / q.perPage
	last := max(pages, 1)
	links := object{{"first", a.pageURL(r, 1)}}
	if q.page > 1 {
		links = append(links, field{"prev", a.pageURL(r, q.page-1)})
	}
	if q.page < last {
		links = append(links, field{"next", a.pageURL(r, q.page+1)})
	}
	links = append(links, field{"last", a.pageURL(r, last)})
	parts := make([]string, len(links))
	for i, l := range links {
		parts[i] = "<" + l.v.(string) + `>; rel="` + l.k + `"`
	}
	h := w.Header()
	h.Set("Link", strings.Join(parts, ", "))
	h.Set("X-Total-Count", strconv.Itoa(total))
	h.Set("X-Total-Pages", strconv.Itoa(pages))
	h.Set("X-Per-Page", strconv.Itoa(q.perPage))
	h.Set("X-Current-Page", strconv.Itoa(q.page))
	meta := object{}
	if q.sinceSet {
		meta = append(meta, field{"deleted_ids", ids(deleted)})
	}
	return append(meta,
		field{"Link", links},
		field{"X-Total-Pages", strconv.Itoa(pages)},
		field{"X-Total-Count", strconv.Itoa(total)},
		field{"X-Per-Page", strconv.Itoa(q.perPage)},
	)
}

// Deep pages.
//
// BookingSync pages by number, and its clients follow the Link rel="next"
// URL verbatim, which must carry nothing but the request's own parameters.
// An OFFSET query gets slower with every page, so the API remembers, for a
// short while, the last id of each page it served. When a client asks for the
// page after one it was just given, the listing continues from that id with
// a keyset condition (inbox.Page.AfterID) instead of skipping rows. A miss
// (another node served the previous page, the hint expired, a random jump)
// falls back to the offset, which gives the same rows; the hint is a cache,
// never the source of truth.
//
// On a continued page the store counts only the records after the cursor, so
// X-Total-Count is the records already served plus those: exactly what the
// client following the links will still receive, even when records before the
// cursor were deleted meanwhile (a recount would end the links a page early
// and lose the last records). Deep pages thus cost less than shallow ones
// instead of more.

const (
	defaultHintCapacity = 4096
	defaultHintTTL      = 15 * time.Minute
)

type hint struct {
	lastID  int64
	expires time.Time
}

// pageHints maps (listing, page) to the last id that page ended with.
type pageHints struct {
	mu       sync.Mutex
	capacity int
	ttl      time.Duration
	m        map[string]hint
}

func newPageHints(capacity int, ttl time.Duration) *pageHints {
	return &pageHints{capacity: capacity, ttl: ttl, m: map[string]hint{}}
}

func (h *pageHints) get(key string, page int) (int64, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	k := key + "#" + strconv.Itoa(page)
	e, ok := h.m[k]
	if !ok || time.Now().After(e.expires) {
		delete(h.m, k)
		return 0, false
	}
	return e.lastID, true
}

func (h *pageHints) put(key string, page int, lastID int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.m) >= h.capacity {
		// Drop an arbitrary eighth (map order is random): cheap, and a
		// dropped hint only costs one offset query.
		n := h.capacity / 8
		for k := range h.m {
			if n <= 0 {
				break
			}
			delete(h.m, k)
			n--
		}
	}
	h.m[key+"#"+strconv.Itoa(page)] = hint{lastID: lastID, expires: time.Now().Add(h.ttl)}
}

// listingKey names a listing: the account, the path and every parameter but
// page (the effective per_page included).
func listingKey(r *http.Request, q listQuery) string {
	v := url.Values{}
	for k, vs := range r.URL.Query() {
		if k != "page" && k != "per_page" {
			v[k] = vs
		}
	}
	return itoa(inbox.AccountIDFromContext(r.Context())) + " " + r.URL.Path + " " + strconv.Itoa(q.perPage) + " " + v.Encode()
}

// fetchPage runs a listing for page q.page. fetch is given either an
// offset page or a keyset page continuing after the previous page's last id;
// it returns the records and the store's total, which for a keyset page
// counts only what lies after the cursor.
func fetchPage[T any](a *API, r *http.Request, q listQuery, fetch func(inbox.Page) ([]T, int, error), idOf func(T) int64) ([]T, int, error) {
	key := listingKey(r, q)
	if q.page > 1 {
		if after, ok := a.hints.get(key, q.page-1); ok {
			items, rest, err := fetch(inbox.Page{AfterID: after, Limit: q.perPage})
			if err != nil {
				return nil, 0, err
			}
			if len(items) > 0 {
				a.hints.put(key, q.page, idOf(items[len(items)-1]))
				return items, q.offset() + rest, nil
			}
			// Past the end: the offset query below gives the right total.
		}
	}
	items, total, err := fetch(inbox.Page{Offset: q.offset(), Limit: q.perPage})
	if err != nil {
		return nil, 0, err
	}
	if len(items) > 0 && len(items) == q.perPage {
		a.hints.put(key, q.page, idOf(items[len(items)-1]))
	}
	return items, total, nil
}
