package bookingsync

import (
	"errors"
	"net/http"
	"strconv"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/httpx"
)

// codes maps domain error codes to a status and BookingSync's error code.
var codes = map[string]struct {
	status int
	code   string
}{
	inbox.EINVALID:      {http.StatusUnprocessableEntity, "validation_failed"},
	inbox.ECONFLICT:     {http.StatusUnprocessableEntity, "validation_failed"},
	inbox.EUNAUTHORIZED: {http.StatusUnauthorized, "unauthorized"},
	inbox.EFORBIDDEN:    {http.StatusForbidden, "forbidden"},
	inbox.ENOTFOUND:     {http.StatusNotFound, "not_found"},
	inbox.ERATELIMITED:  {http.StatusTooManyRequests, "rate_limit_exceeded"},
	inbox.EINTERNAL:     {http.StatusInternalServerError, "internal_server_error"},
	inbox.EUNAVAILABLE:  {http.StatusServiceUnavailable, "service_unavailable"},
	inbox.ECANCELED:     {httpx.StatusClientClosedRequest, "client_closed_request"},
}

// wireError is an error of the wire format itself (malformed JSON, a missing
// root key, a body too large), detected before any domain call.
type wireError struct {
	status int
	code   string
	title  string
}

func (e *wireError) Error() string { return e.code + ": " + e.title }

func badRequest(title string) error {
	return &wireError{status: http.StatusBadRequest, code: "bad_request", title: title}
}

var errTooLarge = &wireError{status: http.StatusRequestEntityTooLarge, code: "request_entity_too_large",
	title: "The request body is too large."}

// rateLimitTitle is BookingSync's documented message.
const rateLimitTitle = "API v3 rate limit exceeded."

// errorBody is one entry of {"errors": [...]}.
type errorBody struct {
	Code  string `json:"code"`
	Field string `json:"field,omitempty"`
	Title string `json:"title,omitempty"`
}

// writeError renders err in BookingSync's shape. Internal errors are logged
// and never echoed.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var fe fieldErrors
	if errors.As(err, &fe) {
		body := make([]errorBody, len(fe))
		for i, e := range fe {
			body[i] = errorBody{Code: "validation_failed", Field: e.Field, Title: e.Message}
			if body[i].Field == "" {
				body[i].Field = "base" // an attribute named "" (as for single errors below)
			}
		}
		httpx.WriteJSON(w, http.StatusUnprocessableEntity, contentTypeAPI, map[string][]errorBody{"errors": body})
		return
	}
	var we *wireError
	if errors.As(err, &we) {
		httpx.WriteJSON(w, we.status, contentTypeAPI, map[string][]errorBody{"errors": {{Code: we.code, Title: we.title}}})
		return
	}
	switch {
	case errors.Is(err, httpx.ErrBodyTooLarge):
		a.writeError(w, r, errTooLarge)
		return
	case errors.Is(err, httpx.ErrBadJSON):
		a.writeError(w, r, badRequest("The request body is not valid JSON."))
		return
	case errors.As(err, new(*httpx.LimitError)):
		a.writeError(w, r, badRequest(err.Error()+"."))
		return
	}
	code := inbox.ErrorCode(err)
	m, ok := codes[code]
	if !ok {
		m = codes[inbox.EINTERNAL]
	}
	body := errorBody{Code: m.code}
	switch code {
	case inbox.EINTERNAL:
		a.log.Error("bookingsync api", "method", r.Method, "path", r.URL.Path, "request_id", httpx.RequestID(r.Context()), "err", err)
	case inbox.EUNAUTHORIZED:
		// Token-layer failures look like Doorkeeper's.
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("WWW-Authenticate", `Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"`)
		httpx.WriteJSON(w, m.status, contentTypeJSON, map[string][]errorBody{"errors": {body}})
		return
	case inbox.ERATELIMITED:
		body.Title = rateLimitTitle
	case inbox.EUNAVAILABLE:
		a.log.Warn("bookingsync api: database unavailable", "method", r.Method, "path", r.URL.Path,
			"request_id", httpx.RequestID(r.Context()), "err", err)
		w.Header().Set("Retry-After", httpx.RetryAfterUnavailable)
		body.Title = inbox.ErrorMessage(err)
	case inbox.EINVALID, inbox.ECONFLICT:
		body.Field, body.Title = inbox.ErrorField(err), inbox.ErrorMessage(err)
		if body.Field == "" {
			body.Field = "base"
		}
	default:
		body.Title = inbox.ErrorMessage(err)
	}
	httpx.WriteJSON(w, m.status, contentTypeAPI, map[string][]errorBody{"errors": {body}})
}

// notFound answers an unknown route or id.
func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	a.writeError(w, r, inbox.Errorf(inbox.ENOTFOUND, "Not found."))
}

// invalid is a 422 on one request attribute.
func invalid(field, title string) error { return inbox.FieldError(field, title) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
