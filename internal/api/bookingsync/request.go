package bookingsync

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/httpx"
)

// attrs is one record of a request body: attribute name → raw JSON value.
type attrs map[string]json.RawMessage

// readRecord decodes a request envelope {"<root>": [{...}]} and returns its
// first record (bulk writes are not part of the API). The body's content type
// is not checked: JSON is JSON. A body that is not JSON, or has no such root
// key holding an object, is a 400.
func readRecord(r *http.Request, root string) (attrs, error) {
	var doc map[string]json.RawMessage
	if err := httpx.DecodeJSON(r, &doc); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return nil, badRequest("The request body must be a JSON object.")
		}
		return nil, err
	}
	if doc == nil {
		return nil, badRequest("The request body must be a JSON object.")
	}
	raw, ok := doc[root]
	missing := badRequest("param is missing or the value is empty: " + root)
	if !ok {
		return nil, missing
	}
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil || len(list) == 0 {
			return nil, missing
		}
		raw = bytes.TrimSpace(list[0])
	}
	if len(raw) == 0 || raw[0] != '{' {
		return nil, missing
	}
	var at attrs
	if err := json.Unmarshal(raw, &at); err != nil {
		return nil, missing
	}
	return at, nil
}

// fieldErrors are several validation failures found while decoding; they are
// rendered as one 422 with an entry per failure, as Rails does.
type fieldErrors []*inbox.Error

func (e fieldErrors) Error() string { return e[0].Error() }

// add records err when it is a validation failure.
func (e *fieldErrors) add(err error) {
	var ie *inbox.Error
	if errors.As(err, &ie) {
		*e = append(*e, ie)
	}
}

// err returns the collected failures, or nil.
func (e fieldErrors) err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// Titles of strict-write failures.
const (
	msgReadOnly   = "is read-only"
	msgCreateOnly = "can only be set on create"
	msgUpdateOnly = "can only be set on update"
	msgUnknown    = "is not an attribute of this resource"
)

// ignoredAttrs may be sent back as read and are ignored.
var ignoredAttrs = []string{"id", "links", "created_at", "updated_at"}

// schema lists a resource's request attributes.
type schema struct {
	create   []string // writable on create
	update   []string // writable on update
	readOnly []string // shown in responses, never written
}

// check rejects attributes that may not be written on this action: an
// attribute the action cannot write, or one the resource does not have, is a
// 422 on that attribute (inboxd is strict where silence would hide a
// mistake). id, links, created_at and updated_at are ignored.
func (s schema) check(at attrs, creating bool) error {
	var errs fieldErrors
	names := make([]string, 0, len(at))
	for k := range at {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		switch {
		case slices.Contains(ignoredAttrs, k):
			delete(at, k)
		case creating && slices.Contains(s.create, k), !creating && slices.Contains(s.update, k):
		case !creating && slices.Contains(s.create, k):
			errs = append(errs, inbox.FieldError(k, msgCreateOnly))
		case creating && slices.Contains(s.update, k):
			errs = append(errs, inbox.FieldError(k, msgUpdateOnly))
		case slices.Contains(s.readOnly, k):
			errs = append(errs, inbox.FieldError(k, msgReadOnly))
		default:
			errs = append(errs, inbox.FieldError(k, msgUnknown))
		}
	}
	return errs.err()
}

// missing reports whether a required attribute is absent, null or blank.
func (at attrs) missing(name string) bool {
	raw, ok := at[name]
	if !ok {
		return true
	}
	raw = bytes.TrimSpace(raw)
	if string(raw) == "null" {
		return true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil && strings.TrimSpace(s) == "" {
		return true
	}
	return false
}

// require records "can't be blank" for each missing attribute.
func (at attrs) require(errs *fieldErrors, names ...string) {
	for _, n := range names {
		if at.missing(n) {
			*errs = append(*errs, inbox.FieldError(n, inbox.MsgBlank))
		}
	}
}

// notBlank records "can't be blank" for each attribute sent blank or null.
func (at attrs) notBlank(errs *fieldErrors, names ...string) {
	for _, n := range names {
		if at.has(n) && at.missing(n) {
			*errs = append(*errs, inbox.FieldError(n, inbox.MsgBlank))
		}
	}
}

// has reports whether the attribute was sent.
func (at attrs) has(name string) bool { _, ok := at[name]; return ok }

// isNull reports whether the attribute was sent as null.
func (at attrs) isNull(name string) bool {
	raw, ok := at[name]
	return ok && string(bytes.TrimSpace(raw)) == "null"
}

// String decodes a string attribute; ok is false when it is absent or null.
func (at attrs) String(errs *fieldErrors, name string) (string, bool) {
	if !at.has(name) || at.isNull(name) {
		return "", false
	}
	var s string
	// NUL is no text: PostgreSQL cannot store it and no client means it.
	if err := json.Unmarshal(at[name], &s); err != nil || strings.ContainsRune(s, 0) {
		errs.add(invalid(name, inbox.MsgInvalid))
		return "", false
	}
	return s, true
}

// Bool decodes a boolean attribute, also given as "true" or "false".
func (at attrs) Bool(errs *fieldErrors, name string) (bool, bool) {
	if !at.has(name) || at.isNull(name) {
		return false, false
	}
	var b bool
	if json.Unmarshal(at[name], &b) == nil {
		return b, true
	}
	var s string
	if json.Unmarshal(at[name], &s) == nil {
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1":
			return true, true
		case "false", "0":
			return false, true
		}
	}
	errs.add(invalid(name, inbox.MsgInvalid))
	return false, false
}

// parseID reads a positive integer id from a JSON number or numeric string.
func parseID(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(strings.TrimSpace(s))
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || n <= 0 {
		return 0, false
	}
	return n, true
}

// ID decodes an id attribute (a JSON integer or a numeric string).
func (at attrs) ID(errs *fieldErrors, name string) (int64, bool) {
	if !at.has(name) || at.isNull(name) {
		return 0, false
	}
	n, ok := parseID(at[name])
	if !ok {
		errs.add(invalid(name, inbox.MsgInvalid))
	}
	return n, ok
}

// Int decodes a non-negative integer attribute.
func (at attrs) Int(errs *fieldErrors, name string) (int, bool) {
	if !at.has(name) || at.isNull(name) {
		return 0, false
	}
	raw := bytes.TrimSpace(at[name])
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(strings.TrimSpace(s))
	}
	n, err := strconv.Atoi(string(raw))
	if err != nil || n < 0 {
		errs.add(invalid(name, inbox.MsgInvalid))
		return 0, false
	}
	return n, true
}

// IDs decodes an array of ids.
func (at attrs) IDs(errs *fieldErrors, name string) ([]int64, bool) {
	if !at.has(name) {
		return nil, false
	}
	if at.isNull(name) {
		return []int64{}, true
	}
	var list []json.RawMessage
	if err := json.Unmarshal(at[name], &list); err != nil {
		errs.add(invalid(name, inbox.MsgInvalid))
		return nil, false
	}
	out := make([]int64, 0, len(list))
	for _, raw := range list {
		n, ok := parseID(raw)
		if !ok {
			errs.add(invalid(name, inbox.MsgInvalid))
			return nil, false
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, true
}

// Time decodes a time attribute in any form updated_since accepts.
func (at attrs) Time(errs *fieldErrors, name string) (time.Time, bool) {
	s, ok := at.String(errs, name)
	if !ok {
		return time.Time{}, false
	}
	t, err := parseUpdatedSince(s)
	if err != nil || t == nil {
		errs.add(invalid(name, inbox.MsgInvalid))
		return time.Time{}, false
	}
	return *t, true
}

// OptTime decodes a nullable time: ok with nil means null was sent.
func (at attrs) OptTime(errs *fieldErrors, name string) (*time.Time, bool) {
	if !at.has(name) {
		return nil, false
	}
	if at.isNull(name) {
		return nil, true
	}
	t, ok := at.Time(errs, name)
	if !ok {
		return nil, false
	}
	return &t, true
}

// maxPathIDs bounds an id list: it becomes one IN list.
const maxPathIDs = 1000

// pathIDs parses the {ids} path segment: one id or a comma list of at most
// maxPathIDs ids. Any other segment names no record.
func pathIDs(r *http.Request, name string) ([]int64, bool) {
	seg := r.PathValue(name)
	if seg == "" {
		return nil, false
	}
	parts := strings.Split(seg, ",")
	if len(parts) > maxPathIDs {
		return nil, false
	}
	out := make([]int64, 0, len(parts))
	for _, p := range parts {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n <= 0 {
			return nil, false
		}
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out, true
}

// pathID parses a single-id path segment.
func pathID(r *http.Request, name string) (int64, bool) {
	ids, ok := pathIDs(r, name)
	if !ok || len(ids) != 1 || strings.Contains(r.PathValue(name), ",") {
		return 0, false
	}
	return ids[0], true
}
