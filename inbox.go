// Package inbox is the domain of inboxd, a shared-inbox server.
//
// It holds the one data model that both wire dialects (BookingSync API v3 and
// Chatwoot Application API v1) translate to and from: accounts (tenants), hosts,
// clients, inboxes, conversations, participants, messages, attachments, tokens
// and events. It depends on the standard library only and carries no json or db
// tags: each dialect owns its wire structs.
//
// Every record belongs to exactly one Account; every store method takes the
// account id explicitly and a record of another account behaves exactly like a
// missing one (ENOTFOUND).
package inbox

import (
	"fmt"
	"strings"
	"time"
)

// Page selects a window of a listing. Listings are always ordered by ascending
// id unless a filter says otherwise. AfterID, when set, is a keyset cursor: only
// records with a greater id are returned and Offset is ignored.
type Page struct {
	Offset  int
	Limit   int
	AfterID int64
	// SkipTotal says the caller does not need the number of matches: the
	// listing skips its count and reports a total of 0.
	SkipTotal bool
}

// TimeRange bounds UpdatedSince filters; a nil pointer means "no bound".
type TimeRange struct {
	Since *time.Time
}

// Truncate normalises t to the precision inboxd stores (microseconds, UTC).
func Truncate(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// TimePtr returns a pointer to a normalised copy of t.
func TimePtr(t time.Time) *time.Time { t = Truncate(t); return &t }

// isBlank reports whether s has no visible characters.
func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// Attributes is a free-form JSON-like object (custom and additional attributes,
// content attributes). Values are what encoding/json produces: string, float64,
// bool, nil, []any and map[string]any.
type Attributes map[string]any

// MaxAttributeDepth is how deeply attributes may nest: far more than any
// client's attributes do, and far less than an engine's JSON functions
// refuse (SQLite stops at 1,000 levels).
const MaxAttributeDepth = 32

// Validate checks attributes before they are stored under field: they nest
// at most MaxAttributeDepth levels and hold no NUL, in a key or in a
// string (no client means it, and PostgreSQL's jsonb refuses it).
func (a Attributes) Validate(field string) error {
	return validateAttribute(field, map[string]any(a), 1)
}

func validateAttribute(field string, v any, depth int) error {
	if a, ok := v.(Attributes); ok {
		v = map[string]any(a)
	}
	switch v := v.(type) {
	case map[string]any:
		if depth > MaxAttributeDepth {
			return FieldError(field, fmt.Sprintf("nests too deeply (maximum is %d levels)", MaxAttributeDepth))
		}
		for k, x := range v {
			if strings.IndexByte(k, 0) >= 0 {
				return FieldError(field, MsgInvalid)
			}
			if err := validateAttribute(field, x, depth+1); err != nil {
				return err
			}
		}
	case []any:
		if depth > MaxAttributeDepth {
			return FieldError(field, fmt.Sprintf("nests too deeply (maximum is %d levels)", MaxAttributeDepth))
		}
		for _, x := range v {
			if err := validateAttribute(field, x, depth+1); err != nil {
				return err
			}
		}
	case string:
		if strings.IndexByte(v, 0) >= 0 {
			return FieldError(field, MsgInvalid)
		}
	}
	return nil
}

// Clone returns a shallow copy that is never nil.
func (a Attributes) Clone() Attributes {
	out := make(Attributes, len(a))
	for k, v := range a {
		out[k] = v
	}
	return out
}
