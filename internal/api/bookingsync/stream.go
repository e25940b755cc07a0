package bookingsync

import (
	"net/http"
	"strconv"
	"strings"

	inbox "github.com/inboxd/inbox"
)

// GET /api/v3/inbox/stream: the account's events as Server-Sent Events
// (internal/realtime). A client resumes after the last event id it saw:
// EventSource sends it in Last-Event-ID; clients that cannot set headers
// give it as ?last_event_id=.
func (a *API) stream(w http.ResponseWriter, r *http.Request) {
	after, err := lastEventID(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := a.streams.Stream(w, r, after); err != nil {
		a.writeError(w, r, err)
	}
}

// lastEventID reads the position a stream resumes after: nil for none.
func lastEventID(r *http.Request) (*int64, error) {
	v := strings.TrimSpace(r.Header.Get("Last-Event-ID"))
	if v == "" {
		v = strings.TrimSpace(r.URL.Query().Get("last_event_id"))
	}
	if v == "" {
		return nil, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return nil, &inbox.Error{Code: inbox.EINVALID, Field: "last_event_id", Message: "is not an event id"}
	}
	return &n, nil
}
