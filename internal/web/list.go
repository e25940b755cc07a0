package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// pageSize is how many conversations a page of the list shows.
const pageSize = 50

// listQuery is the list's filters, as they appear in its URL.
type listQuery struct {
	Status   string // open (default), pending, snoozed, resolved, all
	Assignee string // all (default), mine, unassigned
	Inbox    int64
	Label    string
	Before   string // cursor: "<last activity µs>-<id>"
}

func readListQuery(v url.Values) listQuery {
	q := listQuery{Status: v.Get("status"), Assignee: v.Get("assignee"), Label: strings.TrimSpace(v.Get("label")),
		Before: v.Get("before")}
	if q.Status != "all" && !inbox.ValidStatus(q.Status) {
		q.Status = inbox.StatusOpen
	}
	if q.Assignee != "mine" && q.Assignee != "unassigned" {
		q.Assignee = "all"
	}
	q.Inbox, _ = strconv.ParseInt(v.Get("inbox"), 10, 64)
	return q
}

// URL returns the list's URL with these filters, changed by the
// name/value pairs given ("" removes a filter); changing a filter starts
// again from the first page.
func (q listQuery) URL(pairs ...string) string {
	v := url.Values{}
	set := func(k, val string) {
		if val != "" {
			v.Set(k, val)
		}
	}
	if q.Status != inbox.StatusOpen {
		set("status", q.Status)
	}
	if q.Assignee != "all" {
		set("assignee", q.Assignee)
	}
	if q.Inbox != 0 {
		set("inbox", strconv.FormatInt(q.Inbox, 10))
	}
	set("label", q.Label)
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Del(pairs[i])
		set(pairs[i], pairs[i+1])
	}
	if len(v) == 0 {
		return "/inbox"
	}
	return "/inbox?" + v.Encode()
}

// filter turns the query into the loader's filter, for the host reading.
func (q listQuery) filter(host *inbox.Host) (inbox.ConversationFilter, error) {
	f := inbox.ConversationFilter{Sort: inbox.SortLastActivityDesc,
		Page: inbox.Page{Limit: pageSize + 1, SkipTotal: true}}
	if q.Status != "all" {
		f.Statuses = []string{q.Status}
	}
	switch q.Assignee {
	case "mine":
		f.AssigneeID = &host.ID
	case "unassigned":
		f.Assigned = new(bool)
	}
	if q.Inbox != 0 {
		f.InboxID = &q.Inbox
	}
	if q.Label != "" {
		f.Labels = []string{q.Label}
	}
	if q.Before != "" {
		at, id, ok := strings.Cut(q.Before, "-")
		micros, err1 := strconv.ParseInt(at, 10, 64)
		n, err2 := strconv.ParseInt(id, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return f, inbox.FieldError("before", inbox.MsgInvalid)
		}
		f.Before = &inbox.ActivityCursor{LastActivityAt: time.UnixMicro(micros).UTC(), ID: n}
	}
	return f, nil
}

// firstPageHas reports whether a conversation belongs on the first page of
// this list as the host reads it: it passes the filters (the page's
// newest-first order puts a conversation that just changed at the top).
func (q listQuery) firstPageHas(c *inbox.Conversation, host *inbox.Host) bool {
	switch {
	case q.Before != "":
		return false
	case q.Status != "all" && c.Status != q.Status:
		return false
	case q.Assignee == "mine" && (c.AssigneeID == nil || host == nil || *c.AssigneeID != host.ID):
		return false
	case q.Assignee == "unassigned" && c.AssigneeID != nil:
		return false
	case q.Inbox != 0 && c.InboxID != q.Inbox:
		return false
	case q.Label != "" && !slices.Contains(c.Labels, q.Label):
		return false
	}
	return true
}

func cursorOf(c *inbox.Conversation) string {
	return strconv.FormatInt(c.LastActivityAt.UnixMicro(), 10) + "-" + strconv.FormatInt(c.ID, 10)
}

// listData is the list page's.
type listData struct {
	page
	Q        listQuery
	Items    []*app.ConversationView
	Counts   inbox.ConversationCounts
	Inboxes  []*inbox.Inbox
	Labels   []*inbox.Label
	Statuses []string
	// Next is the URL of the following page ("" on the last one).
	Next string
	// First reports whether this is the first page.
	First bool
}

// list shows a page of the conversations the host sees, newest activity
// first, with the filters and their counters.
func (w *Web) list(rw http.ResponseWriter, r *http.Request) {
	d := &listData{page: w.base(r, "Inbox", "list"), Q: readListQuery(r.URL.Query()),
		Statuses: []string{inbox.StatusOpen, inbox.StatusPending, inbox.StatusSnoozed, inbox.StatusResolved, "all"}}
	d.First = d.Q.Before == ""
	f, err := d.Q.filter(d.Host)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	d.Live = w.liveURL(r, "list", 0)
	err = w.app.Read(r.Context(), inbox.ScopeInboxRead, func(l *app.Loader) error {
		list, err := l.Conversations(app.ConversationQuery{Filter: f, View: app.ViewOptions{Details: true}, Counts: true})
		if err != nil {
			return err
		}
		d.Items, d.Counts = list.Items, list.Counts
		if d.Inboxes, err = l.InboxesByName(); err != nil {
			return err
		}
		d.Labels, err = l.Labels()
		return err
	})
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if len(d.Items) > pageSize {
		d.Items = d.Items[:pageSize]
		d.Next = d.Q.URL("before", cursorOf(d.Items[pageSize-1].Conversation))
	}
	w.render(rw, r, http.StatusOK, "list", d)
}
