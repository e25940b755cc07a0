package web

import (
	"hash/fnv"
	"net/http"
	"strconv"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// messagesShown is how many messages a conversation page shows at once;
// earlier ones are a link away.
const messagesShown = 100

// convData is the conversation page's.
type convData struct {
	page
	Side *details
	// SideSum identifies the details panel's content (detailsSum).
	SideSum  string
	Messages []*app.MessageView
	// Earlier is the URL of the messages before these ("" when none).
	Earlier string
	Canned  []*inbox.CannedResponse
	// Back is the list the host came from.
	Back string
}

// details is the conversation's side panel: what the event stream sends
// again when the conversation changes.
type details struct {
	C            *app.ConversationView
	Participants []*app.ParticipantView
	Bookings     []*inbox.Booking
	Labels       []*inbox.Label
	Agents       []*inbox.Host
	Self         *inbox.Host
	CSRF         string
	Statuses     []string
	Priorities   []string
}

// loadDetails reads a conversation's side panel inside a loader's
// transaction.
func loadDetails(l *app.Loader, ref app.ConversationRef, self *inbox.Host, csrf string) (*details, error) {
	c, err := l.Conversation(ref, app.ViewOptions{Details: true, Links: true})
	if err != nil {
		return nil, err
	}
	d := &details{C: c, Self: self, CSRF: csrf, Statuses: inbox.Statuses, Priorities: inbox.Priorities}
	ps, _, err := l.Participants(inbox.ParticipantFilter{ConversationID: &c.ID, Page: inbox.Page{Limit: 100, SkipTotal: true}})
	if err != nil {
		return nil, err
	}
	if d.Participants, err = l.ParticipantViews(ps); err != nil {
		return nil, err
	}
	if c.Links != nil && len(c.Links.BookingIDs) > 0 {
		b, err := l.Bookings(inbox.ListFilter{IDs: c.Links.BookingIDs, Page: inbox.Page{Limit: 20, SkipTotal: true}})
		if err != nil {
			return nil, err
		}
		d.Bookings = b.Items
	}
	if d.Labels, err = l.Labels(); err != nil {
		return nil, err
	}
	d.Agents, err = l.Agents()
	return d, err
}

// detailsSum identifies a rendered details panel by its content, less its
// CSRF token (masked anew on every rendering). A page is sent the panel
// again after every change of the conversation, including the one it was
// rendered after (the stream starts before the page's read); with the sum
// it keeps the panel it shows when nothing changed, instead of replacing
// the controls under the reader's pointer.
func detailsSum(html, csrf string) string {
	h := fnv.New64a()
	h.Write([]byte(strings.ReplaceAll(html, csrf, "")))
	return strconv.FormatUint(h.Sum64(), 36)
}

// displayID reads the conversation number of the path (the account's own
// numbering, as in Chatwoot's URLs).
func displayID(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n <= 0 {
		return 0, inbox.NotFound("Conversation")
	}
	return n, nil
}

// conversation shows a conversation: its messages, notes and activity, and
// the panel of its details and actions. Opening it marks it read.
func (w *Web) conversation(rw http.ResponseWriter, r *http.Request) {
	n, err := displayID(r)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	d := &convData{page: w.base(r, "Conversation", "conversation"), Back: backURL(r)}
	d.Live = w.liveURL(r, "conversation", n)
	var before int64
	if v := r.URL.Query().Get("before"); v != "" {
		if before, err = strconv.ParseInt(v, 10, 64); err != nil || before <= 0 {
			w.fail(rw, r, inbox.FieldError("before", inbox.MsgInvalid))
			return
		}
	}
	err = w.app.Read(r.Context(), inbox.ScopeInboxRead, func(l *app.Loader) error {
		det, err := loadDetails(l, app.ByDisplayID(n), d.Host, d.CSRF)
		if err != nil {
			return err
		}
		d.Side = det
		side, err := w.fragment("details", det)
		if err != nil {
			return err
		}
		d.SideSum = detailsSum(side, det.CSRF)
		msgs, _, err := l.Messages(inbox.MessageFilter{ConversationID: &det.C.ID, Newest: true, BeforeID: before,
			Page: inbox.Page{Limit: messagesShown, SkipTotal: true}})
		if err != nil {
			return err
		}
		if len(msgs) == messagesShown {
			d.Earlier = "/inbox/conversations/" + strconv.FormatInt(n, 10) + "?before=" + strconv.FormatInt(msgs[0].ID, 10)
		}
		if d.Messages, err = l.MessageViews(msgs); err != nil {
			return err
		}
		d.Canned, err = l.CannedResponses("")
		return err
	})
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	d.Title = "#" + strconv.FormatInt(n, 10) + " " + contactName(d.Side.C)
	if d.Side.C.Stats != nil && d.Side.C.Stats.UnreadCount > 0 && before == 0 {
		if _, err := w.app.MarkSeen(r.Context(), app.ByDisplayID(n), app.ViewOptions{}); err != nil {
			w.status(r, err) // logged; the page shows anyway
		}
	}
	w.render(rw, r, http.StatusOK, "conversation", d)
}

// contactName names a conversation's contact, or its subject.
func contactName(c *app.ConversationView) string {
	if c.Client != nil {
		return c.Client.Name()
	}
	if c.Subject != "" {
		return c.Subject
	}
	return "Conversation"
}

// backURL is the list to go back to: the one in ?back= when it is a list
// of this site, else the default list.
func backURL(r *http.Request) string {
	b := r.URL.Query().Get("back")
	if len(b) >= 6 && b[:6] == "/inbox" && safeNext(b) == b {
		return b
	}
	return "/inbox"
}
