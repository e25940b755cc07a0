package web

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// The conversation's actions. Each is a form posted to the conversation's
// URL; on success the browser goes back to the conversation (Post, Redirect,
// Get), so a reload never posts twice. A request with X-Requested-With (the
// page's script) gets 204 instead: the page updates from the event stream.

// done answers a successful action.
func (w *Web) done(rw http.ResponseWriter, r *http.Request, n int64) {
	if r.Header.Get("X-Requested-With") != "" {
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	to := "/inbox/conversations/" + strconv.FormatInt(n, 10)
	if b := r.PostFormValue("back"); b != "" {
		if back := safeNext(b); back == b {
			to += "?back=" + urlQueryEscape(back)
		}
	}
	http.Redirect(rw, r, to, http.StatusSeeOther)
}

// act runs one action on the conversation of the path.
func (w *Web) act(rw http.ResponseWriter, r *http.Request, fn func(ref app.ConversationRef) error) {
	n, err := displayID(r)
	if err == nil {
		err = fn(app.ByDisplayID(n))
	}
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.done(rw, r, n)
}

// reply posts a reply to the guest, or a private note, with attachments.
func (w *Web) reply(rw http.ResponseWriter, r *http.Request) {
	w.act(rw, r, func(ref app.ConversationRef) error {
		content := r.PostFormValue("content")
		in := app.MessageCreate{ConversationDisplayID: ref.DisplayID}
		if r.PostFormValue("kind") == "note" {
			in.Visibility = inbox.VisibilityInternal
		}
		files, err := uploads(r)
		if err != nil {
			return err
		}
		in.Files = files
		if strings.TrimSpace(content) != "" {
			in.Content = &content
		} else if len(files) == 0 {
			return inbox.FieldError("content", inbox.MsgBlank)
		}
		_, err = w.app.CreateMessage(r.Context(), in)
		return err
	})
}

// uploads reads the files of a reply's form.
func uploads(r *http.Request) ([]inbox.FileUpload, error) {
	if r.MultipartForm == nil {
		return nil, nil
	}
	var out []inbox.FileUpload
	for _, fh := range r.MultipartForm.File["files"] {
		if fh.Size == 0 && fh.Filename == "" {
			continue // an empty file input
		}
		if fh.Size > inbox.MaxAttachmentSize {
			return nil, inbox.FieldError("attachments", "file is too large (maximum is 10 MB)")
		}
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(io.LimitReader(f, inbox.MaxAttachmentSize+1))
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, inbox.FileUpload{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data})
	}
	return out, nil
}

// assign sets the assignee: a host's id, "me", or "" to unassign.
func (w *Web) assign(rw http.ResponseWriter, r *http.Request) {
	w.act(rw, r, func(ref app.ConversationRef) error {
		var id *int64
		switch v := r.PostFormValue("assignee"); v {
		case "":
		case "me":
			id = &inbox.PrincipalFromContext(r.Context()).Host.ID
		default:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return inbox.FieldError("assignee_id", inbox.MsgInvalid)
			}
			id = &n
		}
		_, err := w.app.UpdateConversation(r.Context(), ref, app.ConversationChange{AssigneeID: &id}, app.ViewOptions{})
		return err
	})
}

// setLabels replaces the labels with the ticked ones (and a new one typed).
func (w *Web) setLabels(rw http.ResponseWriter, r *http.Request) {
	w.act(rw, r, func(ref app.ConversationRef) error {
		labels := r.PostForm["labels"]
		if extra := strings.TrimSpace(r.PostFormValue("new")); extra != "" {
			labels = append(labels, extra)
		}
		if labels == nil {
			labels = []string{}
		}
		_, err := w.app.UpdateConversation(r.Context(), ref, app.ConversationChange{Labels: &labels}, app.ViewOptions{})
		return err
	})
}

// setPriority sets the priority ("" clears it).
func (w *Web) setPriority(rw http.ResponseWriter, r *http.Request) {
	w.act(rw, r, func(ref app.ConversationRef) error {
		p := r.PostFormValue("priority")
		_, err := w.app.UpdateConversation(r.Context(), ref, app.ConversationChange{Priority: &p}, app.ViewOptions{})
		return err
	})
}

// setStatus resolves, reopens, marks pending or snoozes (until a time the
// browser gives in its local time, with its offset from UTC in minutes).
func (w *Web) setStatus(rw http.ResponseWriter, r *http.Request) {
	w.act(rw, r, func(ref app.ConversationRef) error {
		status := r.PostFormValue("status")
		var until *time.Time
		if status == inbox.StatusSnoozed {
			t, err := snoozeUntil(r.PostFormValue("until"), r.PostFormValue("tz"))
			if err != nil {
				return err
			}
			until = &t
		}
		if status == "" {
			return inbox.FieldError("status", inbox.MsgBlank)
		}
		_, err := w.app.ToggleStatus(r.Context(), ref, status, until)
		return err
	})
}

// snoozeUntil reads a datetime-local value; tz is the browser's
// getTimezoneOffset() (minutes behind UTC), "" for UTC.
func snoozeUntil(v, tz string) (time.Time, error) {
	t, err := time.Parse("2006-01-02T15:04", v)
	if err != nil {
		return time.Time{}, inbox.FieldError("snoozed_until", inbox.MsgInvalid)
	}
	if tz != "" {
		off, err := strconv.Atoi(tz)
		if err != nil || off < -24*60 || off > 24*60 {
			return time.Time{}, inbox.FieldError("snoozed_until", inbox.MsgInvalid)
		}
		t = t.Add(time.Duration(off) * time.Minute)
	}
	return t.UTC(), nil
}

// markUnread marks the conversation unread and goes back to the list (the
// conversation page would read it again).
func (w *Web) markUnread(rw http.ResponseWriter, r *http.Request) {
	n, err := displayID(r)
	if err == nil {
		_, err = w.app.MarkUnread(r.Context(), app.ByDisplayID(n), app.ViewOptions{})
	}
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	if r.Header.Get("X-Requested-With") != "" {
		rw.WriteHeader(http.StatusNoContent)
		return
	}
	back := "/inbox"
	if b := r.PostFormValue("back"); b != "" && safeNext(b) == b {
		back = b
	}
	http.Redirect(rw, r, back, http.StatusSeeOther)
}

// markSeen records that the host read the conversation (the page's script
// calls it when a guest's message arrives while the page is in view).
func (w *Web) markSeen(rw http.ResponseWriter, r *http.Request) {
	w.act(rw, r, func(ref app.ConversationRef) error {
		_, err := w.app.MarkSeen(r.Context(), ref, app.ViewOptions{})
		return err
	})
}

// mute mutes (resolves, and blocks the contact) or unmutes.
func (w *Web) mute(rw http.ResponseWriter, r *http.Request) {
	w.act(rw, r, func(ref app.ConversationRef) error {
		return w.app.SetMuted(r.Context(), ref, r.PostFormValue("muted") != "false")
	})
}
