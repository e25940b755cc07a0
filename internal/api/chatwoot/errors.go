package chatwoot

import (
	"errors"
	"net/http"
	"strings"
	"unicode"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/httpx"
)

// contentType is what every Chatwoot response carries.
const contentType = "application/json; charset=utf-8"

// Messages of the errors this dialect raises itself (Chatwoot's wording).
const (
	msgMissingToken  = "You need to sign in or sign up before continuing."
	msgInvalidToken  = "Invalid Access Token"
	msgNotFound      = "Resource could not be found"
	msgNotPermitted  = "You are not authorized to do this action"
	msgInternal      = "Internal Server Error"
	msgValidationPre = "Validation failed: "
)

// statuses maps domain error codes to HTTP statuses. Chatwoot answers denials
// with 401, not 403, and record problems with 422.
var statuses = map[string]int{
	inbox.EINVALID:      http.StatusUnprocessableEntity,
	inbox.EUNAUTHORIZED: http.StatusUnauthorized,
	inbox.EFORBIDDEN:    http.StatusUnauthorized,
	inbox.ENOTFOUND:     http.StatusNotFound,
	inbox.ECONFLICT:     http.StatusUnprocessableEntity,
	inbox.ERATELIMITED:  http.StatusTooManyRequests,
	inbox.EINTERNAL:     http.StatusInternalServerError,
	inbox.EUNAVAILABLE:  http.StatusServiceUnavailable,
	inbox.ECANCELED:     httpx.StatusClientClosedRequest,
}

// errorItem is one entry of the documented errors array.
type errorItem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Code    string `json:"code"`
}

// errorBody carries both what Chatwoot servers send (error, and for record
// errors message + attributes) and the documented shape (description +
// errors), in that key order.
type errorBody struct {
	Status      int         `json:"status,omitempty"`
	Error       string      `json:"error"`
	Message     *string     `json:"message,omitempty"`
	Attributes  *[]string   `json:"attributes,omitempty"`
	Description string      `json:"description"`
	Errors      []errorItem `json:"errors"`
}

// apiError is an error raised by the dialect itself, with the field the
// documented errors array names.
func apiError(code, field, message string) error {
	return &inbox.Error{Code: code, Field: field, Message: message}
}

// bodyError is a request body the dialect could not read at all: too large
// (413) or not in a format it claims (400). It is not a record problem, so
// it has no 422 fields.
type bodyError struct {
	status int
	msg    string
}

func (e *bodyError) Error() string { return e.msg }

// errorOptions adjust how one handler renders errors.
type errorOptions struct {
	// notFoundField names the record a 404 is about (default conversation_id).
	notFoundField string
	// validationPrefix renders model validation errors as Rails'
	// RecordInvalid does ("Validation failed: Content is too long …"),
	// as Chatwoot's message create does.
	validationPrefix bool
}

// writeError renders err in the dialect's error format. Internal errors are
// logged, never echoed.
func (a *API) writeError(w http.ResponseWriter, r *http.Request, err error, opts ...errorOptions) {
	var opt errorOptions
	if len(opts) > 0 {
		opt = opts[0]
	}
	var be *bodyError
	switch {
	case errors.Is(err, httpx.ErrBodyTooLarge):
		be = &bodyError{status: http.StatusRequestEntityTooLarge, msg: "Request body is too large"}
	case errors.Is(err, httpx.ErrBadJSON):
		be = &bodyError{status: http.StatusBadRequest, msg: "Request body is not valid JSON"}
	case errors.As(err, new(*httpx.LimitError)):
		be = &bodyError{status: http.StatusBadRequest, msg: err.Error()}
	default:
		errors.As(err, &be)
	}
	if be != nil {
		httpx.WriteJSON(w, be.status, contentType, errorBody{Error: be.msg, Description: be.msg,
			Errors: []errorItem{{Field: "body", Message: be.msg, Code: inbox.EINVALID}}})
		return
	}
	code, field, msg := inbox.ErrorCode(err), inbox.ErrorField(err), inbox.ErrorMessage(err)
	status, ok := statuses[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	body := errorBody{}
	switch code {
	case inbox.EINTERNAL:
		a.log.Error("chatwoot request failed", "err", err, "request_id", httpx.RequestID(r.Context()),
			"method", r.Method, "uri", r.URL.Path)
		body.Status, msg, field = http.StatusInternalServerError, msgInternal, ""
	case inbox.ENOTFOUND:
		msg = msgNotFound
		if field == "" {
			field = opt.notFoundField
		}
		if field == "" {
			field = "conversation_id"
		}
	case inbox.EFORBIDDEN:
		// A denial about a field of a record the caller may reach (the
		// message status of a non-API inbox) is Chatwoot's one 403; a
		// denial of the record itself is 401.
		if field != "" {
			status = http.StatusForbidden
		} else {
			field = "conversation_id"
		}
	case inbox.ERATELIMITED:
		w.Header().Set("Retry-After", "60")
		msg = "Retry later"
	case inbox.EUNAVAILABLE:
		a.log.Warn("chatwoot request: database unavailable", "err", err, "request_id", httpx.RequestID(r.Context()),
			"method", r.Method, "uri", r.URL.Path)
		w.Header().Set("Retry-After", httpx.RetryAfterUnavailable)
		body.Status = http.StatusServiceUnavailable
	case inbox.EINVALID, inbox.ECONFLICT:
		attrs := []string{}
		if field != "" {
			// A lower-case message is a model validation of the field
			// ("is too long …"); a capitalised one is already a sentence.
			model := msg != "" && !unicode.IsUpper([]rune(msg)[0])
			msg = fullMessage(field, msg)
			if opt.validationPrefix && model {
				msg = msgValidationPre + msg
			}
			attrs = append(attrs, field)
		}
		body.Message, body.Attributes = &msg, &attrs
	}
	body.Error, body.Description = msg, msg
	body.Errors = []errorItem{{Field: field, Message: msg, Code: code}}
	httpx.WriteJSON(w, status, contentType, body)
}

// fullMessage turns a Rails-style attribute message ("is invalid") into a
// sentence naming the attribute ("Inbox is invalid"), as Rails' full
// messages do. Messages that are already sentences are kept.
func fullMessage(field, msg string) string {
	if msg == "" || unicode.IsUpper([]rune(msg)[0]) || strings.HasPrefix(msg, field) ||
		strings.HasPrefix(msg, "param is missing") {
		return msg
	}
	return humanize(field) + " " + msg
}

// humanize renders an attribute name as Rails does: "inbox_id" → "Inbox",
// "custom_attributes" → "Custom attributes".
func humanize(field string) string {
	field = strings.TrimSuffix(field, "_id")
	field = strings.ReplaceAll(field, "_", " ")
	if field == "" {
		return field
	}
	r := []rune(field)
	r[0] = unicode.ToUpper(r[0])
	return string(r)
}
