package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/conns"
	"github.com/inboxd/inbox/internal/events"
	"github.com/inboxd/inbox/internal/metrics"
)

// The live updates: each page opens an event stream (Server-Sent Events) of
// its host's account, starting at the outbox position the page was
// rendered at. The stream sends the page's fragments rendered again (a
// conversation's row for the list; new messages and the details panel for a
// conversation), read through the same loader as the page with the host's
// visibility, so an agent never receives a conversation it could not open.
// Each message carries the position it brings the page to (the SSE id): a
// browser that lost the connection reconnects with Last-Event-ID and is sent
// what it missed. A page too far behind (or behind retention) is told to
// reload.
//
// Why SSE and not /cable: the page only listens, SSE is plain HTTP that
// EventSource reconnects and resumes by itself, and the fragments are
// this package's own HTML, which no ActionCable client would read.

// maxCatchUp is the most events a reconnecting page is sent; past it the
// page reloads instead (cheaper than replaying them). A variable only so
// that a test can lower it.
var maxCatchUp = 1000

// recheck is how often a stream checks its session is still alive (a
// variable for the same reason).
var recheck = time.Minute

const (
	// keepAlive is how often an idle stream sends a comment, so proxies
	// and the browser keep the connection.
	keepAlive = 20 * time.Second
	// retryMillis is how long the browser waits before reconnecting.
	retryMillis = 2000
)

// liveURL returns the event stream's URL for a page about to be read: it
// starts at the outbox position before the page's read, so nothing that
// changes after it is missed (what the page already shows is sent again,
// harmlessly).
func (w *Web) liveURL(r *http.Request, view string, n int64) string {
	if w.hub == nil {
		return ""
	}
	u := "/inbox/events?view=" + view + "&after=" + strconv.FormatInt(w.hub.tail.Head(), 10)
	if n != 0 {
		u += "&conversation=" + strconv.FormatInt(n, 10)
	}
	if view == "list" {
		u += "&back=" + urlQueryEscape(r.URL.RequestURI())
	}
	return u
}

// update is one message of the stream: a conversation's fragments.
type update struct {
	Conv    int64  `json:"conv"`
	Removed bool   `json:"removed,omitempty"`
	Row     string `json:"row,omitempty"`
	// Match reports that the row belongs on the list's first page (its
	// filters): a conversation the page lacks is added at its top.
	Match   bool   `json:"match,omitempty"`
	Details string `json:"details,omitempty"`
	// Sum identifies the details' content (detailsSum): the page keeps
	// what it shows when it is the same.
	Sum      string         `json:"sum,omitempty"`
	Messages []messageFrame `json:"messages,omitempty"`
}

type messageFrame struct {
	ID       int64  `json:"id"`
	Incoming bool   `json:"incoming"`
	HTML     string `json:"html"`
}

// feed is one open stream.
type feed struct {
	w       *Web
	rw      http.ResponseWriter
	rc      *http.ResponseController
	r       *http.Request
	view    string
	display int64  // the conversation page's number
	convID  int64  // and its id
	back    string // the list page's URL
	last    int64  // the position the browser has
}

// errStop ends a stream after it told the page what to do.
var errStop = errors.New("stream stopped")

// events serves a page's event stream.
func (w *Web) events(rw http.ResponseWriter, r *http.Request) {
	if w.hub == nil {
		http.NotFound(rw, r)
		return
	}
	q := r.URL.Query()
	f := &feed{w: w, rw: rw, rc: http.NewResponseController(rw), r: r, view: q.Get("view"), back: backURL(r)}
	from := r.Header.Get("Last-Event-ID")
	if from == "" {
		from = q.Get("after")
	}
	var err error
	if f.last, err = strconv.ParseInt(from, 10, 64); err != nil || f.last < 0 {
		w.fail(rw, r, inbox.FieldError("after", inbox.MsgInvalid))
		return
	}
	ctx := r.Context()
	p := inbox.PrincipalFromContext(ctx)
	if f.view == "conversation" {
		if f.display, err = strconv.ParseInt(q.Get("conversation"), 10, 64); err != nil {
			w.fail(rw, r, inbox.NotFound("Conversation"))
			return
		}
		err = w.app.Read(ctx, inbox.ScopeInboxRead, func(l *app.Loader) error {
			c, err := l.Conversation(app.ByDisplayID(f.display), app.ViewOptions{})
			if err == nil {
				f.convID = c.ID
			}
			return err
		})
		if err != nil {
			w.fail(rw, r, err)
			return
		}
	}
	s, err := w.hub.join(ctx, p.AccountID)
	if err != nil {
		return // the client went away
	}
	defer w.hub.leave(s)
	defer metrics.RealtimeConnected("web")()

	h := rw.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no") // nginx: pass each event on at once
	rw.WriteHeader(http.StatusOK)
	if f.write("retry: "+strconv.Itoa(retryMillis)+"\n\n") != nil {
		return
	}
	if err := f.catchUp(ctx, p.AccountID); err != nil {
		return
	}
	alive := time.NewTicker(keepAlive)
	defer alive.Stop()
	check := time.NewTicker(recheck)
	defer check.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-conns.Draining(ctx):
			// The node stops: the browser reconnects (to another node, or
			// to this one restarted) and resumes from its position.
			return
		case <-alive.C:
			if f.write(": keep-alive\n\n") != nil {
				return
			}
		case <-check.C:
			c, _ := r.Cookie(sessionCookie)
			if c == nil {
				return
			}
			if err := w.app.SessionAlive(ctx, c.Value); inbox.ErrorCode(err) == inbox.EUNAUTHORIZED {
				f.send("signout", 0, []byte("{}"))
				return
			}
		case <-s.wake:
			evs, lost := s.take()
			if lost {
				err = f.catchUp(ctx, p.AccountID)
			} else {
				err = f.deliver(ctx, evs)
			}
			if err != nil {
				return
			}
		}
	}
}

// catchUp sends what happened after the browser's position, read from the
// database; a browser that missed more than maxCatchUp events (or events
// older than the retention) reloads instead.
func (f *feed) catchUp(ctx context.Context, account int64) error {
	evs, err := f.w.hub.tail.History(ctx, account, f.last, maxCatchUp+1)
	if errors.Is(err, events.ErrPruned) || err == nil && len(evs) > maxCatchUp {
		f.send("reload", 0, []byte("{}"))
		return errStop
	} else if err != nil {
		return err
	}
	for len(evs) > 0 {
		n := min(len(evs), 200)
		if err := f.deliver(ctx, evs[:n]); err != nil {
			return err
		}
		evs = evs[n:]
	}
	return nil
}

// deliver renders the fragments a batch of events changed and sends each as
// soon as it is ready, then the batch's position.
func (f *feed) deliver(ctx context.Context, evs []*inbox.Event) error {
	var fresh []*inbox.Event
	for _, e := range evs {
		if e.Seq > f.last {
			fresh = append(fresh, e)
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	pos := fresh[len(fresh)-1].Seq
	emit := func(u update) error {
		data, err := json.Marshal(u)
		if err != nil {
			return err
		}
		return f.send("", 0, data)
	}
	if err := f.render(ctx, fresh, emit); err != nil {
		return err
	}
	// The position comes last, alone: a browser that loses the connection
	// before it resumes from the previous one and is sent the batch again
	// (the page replaces what it already has).
	if err := f.write("id: " + strconv.FormatInt(pos, 10) + "\n\n"); err != nil {
		return err
	}
	f.last = pos
	return nil
}

// render reads what the events changed, as the page's host sees it, and
// emits the fragments.
func (f *feed) render(ctx context.Context, evs []*inbox.Event, emit func(update) error) error {
	var convs []int64 // touched conversations, in order
	seen := map[int64]bool{}
	var msgs []int64
	for _, e := range evs {
		if e.ConversationID == nil {
			continue
		}
		id := *e.ConversationID
		if f.view == "conversation" && id != f.convID {
			continue
		}
		if !seen[id] {
			seen[id] = true
			convs = append(convs, id)
		}
		if f.view == "conversation" && e.MessageID != nil &&
			(e.Type == inbox.EventMessageCreated || e.Type == inbox.EventMessageUpdated) && !contains(msgs, *e.MessageID) {
			msgs = append(msgs, *e.MessageID)
		}
	}
	if len(convs) == 0 {
		return nil
	}
	p := inbox.PrincipalFromContext(ctx)
	if f.view == "conversation" {
		return f.renderConversation(ctx, p.Host, mask(f.w.app.CSRFToken(p)), msgs, emit)
	}
	var q listQuery
	if u, err := url.Parse(f.back); err == nil {
		q = readListQuery(u.Query())
	}
	var ups []update
	err := f.w.app.Read(ctx, inbox.ScopeInboxRead, func(l *app.Loader) error {
		ups = ups[:0]
		for _, id := range convs {
			v, err := l.Conversation(app.ByID(id), app.ViewOptions{Details: true})
			switch inbox.ErrorCode(err) {
			case "":
			case inbox.ENOTFOUND:
				ups = append(ups, update{Conv: id, Removed: true})
				continue
			case inbox.EFORBIDDEN:
				continue // another inbox's: not this host's to see
			default:
				return err
			}
			row, err := f.w.fragment("row", rowData{C: v, Back: f.back})
			if err != nil {
				return err
			}
			ups = append(ups, update{Conv: v.DisplayID, Row: row, Match: q.firstPageHas(v.Conversation, p.Host)})
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, u := range ups {
		if err := emit(u); err != nil {
			return err
		}
	}
	return nil
}

// renderConversation emits the conversation page's new or changed messages
// first, read on their own so that a reply reaches the page without waiting
// for the rest, then its details panel.
func (f *feed) renderConversation(ctx context.Context, self *inbox.Host, csrf string, msgs []int64, emit func(update) error) error {
	// Deleted, or moved out of the host's inboxes: the page reloads and
	// says so.
	gone := func(err error) bool {
		code := inbox.ErrorCode(err)
		return code == inbox.ENOTFOUND || code == inbox.EFORBIDDEN
	}
	if len(msgs) > 0 {
		var u update
		err := f.w.app.Read(ctx, inbox.ScopeInboxRead, func(l *app.Loader) error {
			u = update{Conv: f.display}
			for _, id := range msgs {
				// Message checks the host may see the conversation.
				m, err := l.Message(f.convID, id, false)
				if inbox.ErrorCode(err) == inbox.ENOTFOUND {
					continue // deleted since (a deleted conversation: below)
				} else if err != nil {
					return err
				}
				views, err := l.MessageViews([]*inbox.Message{m})
				if err != nil {
					return err
				}
				html, err := f.w.fragment("message", views[0])
				if err != nil {
					return err
				}
				u.Messages = append(u.Messages, messageFrame{ID: m.ID, Incoming: m.Kind == inbox.KindIncoming, HTML: html})
			}
			return nil
		})
		if gone(err) {
			return emit(update{Conv: f.display, Removed: true})
		} else if err != nil {
			return err
		}
		if len(u.Messages) > 0 {
			if err := emit(u); err != nil {
				return err
			}
		}
	}
	var det *details
	err := f.w.app.Read(ctx, inbox.ScopeInboxRead, func(l *app.Loader) (err error) {
		det, err = loadDetails(l, app.ByID(f.convID), self, csrf)
		return err
	})
	if gone(err) {
		return emit(update{Conv: f.display, Removed: true})
	} else if err != nil {
		return err
	}
	u := update{Conv: f.display}
	if u.Details, err = f.w.fragment("details", det); err != nil {
		return err
	}
	u.Sum = detailsSum(u.Details, csrf)
	return emit(u)
}

func contains(ids []int64, id int64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// send writes one event: its type ("" for a plain message), its position
// (0: none) and its one-line data.
func (f *feed) send(event string, id int64, data []byte) error {
	var b bytes.Buffer
	if event != "" {
		b.WriteString("event: " + event + "\n")
	}
	if id > 0 {
		b.WriteString("id: " + strconv.FormatInt(id, 10) + "\n")
	}
	b.WriteString("data: ")
	b.Write(data)
	b.WriteString("\n\n")
	return f.write(b.String())
}

// write sends text at once, with a deadline for this write only (the
// server's write timeout would otherwise end the stream).
func (f *feed) write(s string) error {
	f.rc.SetWriteDeadline(time.Now().Add(30 * time.Second))
	if _, err := f.rw.Write([]byte(s)); err != nil {
		return err
	}
	return f.rc.Flush()
}
