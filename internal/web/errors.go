package web

import (
	"net/http"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/httpx"
)

// statuses maps error codes to HTTP statuses: one table, as each dialect has.
var statuses = map[string]int{
	inbox.EINVALID:      http.StatusUnprocessableEntity,
	inbox.EUNAUTHORIZED: http.StatusUnauthorized,
	inbox.EFORBIDDEN:    http.StatusForbidden,
	inbox.ENOTFOUND:     http.StatusNotFound,
	inbox.ECONFLICT:     http.StatusConflict,
	inbox.ERATELIMITED:  http.StatusTooManyRequests,
	inbox.EUNAVAILABLE:  http.StatusServiceUnavailable,
	inbox.EINTERNAL:     http.StatusInternalServerError,
	inbox.ECANCELED:     httpx.StatusClientClosedRequest,
}

// status returns the status of an error, logging internal ones (their
// text is never shown).
func (w *Web) status(r *http.Request, err error) int {
	code := inbox.ErrorCode(err)
	if code == inbox.EINTERNAL {
		w.log.Error("web", "method", r.Method, "path", r.URL.Path, "request_id", httpx.RequestID(r.Context()), "err", err)
	}
	if s, ok := statuses[code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// message is an error as a sentence for the page: the field it is about
// (password, labels…) named first.
func message(err error) string {
	msg := inbox.ErrorMessage(err)
	if f := inbox.ErrorField(err); f != "" && inbox.ErrorCode(err) == inbox.EINVALID {
		name := strings.ReplaceAll(f, "_", " ")
		return strings.ToUpper(name[:1]) + name[1:] + " " + msg
	}
	return msg
}

// errorData is the error page's.
type errorData struct {
	page
	Status int
}

// fail answers a request with an error page. A signed-in caller keeps the
// layout's header.
func (w *Web) fail(rw http.ResponseWriter, r *http.Request, err error) {
	status := w.status(r, err)
	d := &errorData{Status: status}
	if p := inbox.PrincipalFromContext(r.Context()); p != nil && p.Kind == inbox.TokenSession {
		d.page = w.base(r, http.StatusText(status), "error")
	} else {
		d.page = page{Title: http.StatusText(status), Body: "error"}
	}
	d.Error = message(err)
	if status == http.StatusServiceUnavailable {
		rw.Header().Set("Retry-After", httpx.RetryAfterUnavailable)
	}
	w.render(rw, r, status, "error", d)
}
