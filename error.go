package inbox

import (
	"context"
	"errors"
	"fmt"
	"unicode/utf8"
)

// Error codes. Each dialect maps them to HTTP statuses with one table.
const (
	EINVALID      = "invalid"
	EUNAUTHORIZED = "unauthorized"
	EFORBIDDEN    = "forbidden"
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	ERATELIMITED  = "rate_limited"
	EINTERNAL     = "internal"
	// EUNAVAILABLE: the database could not be reached, or could not confirm
	// a write; nothing was stored (or, when unknown, a retry with the same
	// Idempotency-Key is safe). The client should retry shortly.
	EUNAVAILABLE = "unavailable"
	// ECANCELED: the client went away before the answer (its request's
	// context was canceled). It is no failure of the server: nothing is
	// logged as an error, and the status (499, as nginx records it) reaches
	// only the access log and the metrics.
	ECANCELED = "canceled"
)

// Error is the one error type the domain and the application layer return.
// Message is safe to show to a client; Field names the offending request
// attribute for validation errors ("" when none applies).
type Error struct {
	Code    string
	Field   string
	Message string
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("inbox error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("inbox error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError returns an EINVALID error about one request attribute.
func FieldError(field, message string) *Error {
	return &Error{Code: EINVALID, Field: field, Message: message}
}

// Validation messages shared by every dialect. They follow Rails' wording,
// which both APIs' clients are used to.
const (
	MsgBlank       = "can't be blank"
	MsgInclusion   = "is not included in the list"
	MsgInvalid     = "is invalid"
	MsgNotWritable = "is not allowed on this action"
	MsgTaken       = "has already been taken"
)

// ErrorCode returns the code of the first *Error in err's chain; ECANCELED for
// a canceled context, EINTERNAL for any other non-nil error and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	} else if errors.Is(err, context.Canceled) {
		return ECANCELED
	}
	return EINTERNAL
}

// ErrorMessage returns the client-safe message of err. Internal errors never
// expose their text.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	} else if errors.Is(err, context.Canceled) {
		return "The request was canceled."
	}
	return "Internal error."
}

// ErrorField returns the field of the first *Error in err's chain.
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}

// NotFound returns an ENOTFOUND error for a kind of record.
func NotFound(kind string) *Error { return Errorf(ENOTFOUND, "%s not found.", kind) }

// tooLong reports whether s has more than max characters (not bytes: the
// messages say characters, and a name in Greek or Japanese takes two or three
// bytes a character).
func tooLong(s string, max int) bool { return utf8.RuneCountInString(s) > max }
