package bookingsync

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"
)

// Responses are trees of objects whose leaves are a handful of types
// (strings, ids, id lists, null). Written through encoding/json, each
// object's MarshalJSON output was re-scanned and copied by every enclosing
// level, and every member went through a fresh Encoder: 10 to 15% of the CPU
// of a read in profiles. appendJSON writes those types itself and hands any
// other value to encoding/json, so the bytes are the same as before
// (TestMarshalMatchesEncodingJSON).

// appendJSON appends the JSON encoding of v to b.
func appendJSON(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case object:
		return v.appendJSON(b)
	case []object:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, o := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = o.appendJSON(b); err != nil {
				return nil, err
			}
		}
		return append(b, ']'), nil
	case string:
		return appendString(b, v)
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case []int64:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, n := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, n, 10)
		}
		return append(b, ']'), nil
	}
	return appendStd(b, v)
}

// appendJSON appends the object, its members in order; a nil object is {},
// as its MarshalJSON always wrote.
func (o object) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	for i, f := range o {
		if i > 0 {
			b = append(b, ',')
		}
		var err error
		if b, err = appendString(b, f.k); err != nil {
			return nil, err
		}
		b = append(b, ':')
		if b, err = appendJSON(b, f.v); err != nil {
			return nil, err
		}
	}
	return append(b, '}'), nil
}

// appendString quotes s. Strings encoding/json writes verbatim between
// quotes (no quote, backslash or control character; valid UTF-8 without
// U+2028 and U+2029, which it escapes) are copied; any other goes through
// encoding/json.
func appendString(b []byte, s string) ([]byte, error) {
	ascii := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == '"' || c == '\\' {
			return appendStd(b, s)
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	if !ascii && (!utf8.ValidString(s) || containsLineSeparator(s)) {
		return appendStd(b, s)
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), nil
}

// containsLineSeparator reports whether s holds U+2028 or U+2029 (UTF-8
// E2 80 A8 and E2 80 A9).
func containsLineSeparator(s string) bool {
	for i := 0; i+2 < len(s); i++ {
		if s[i] == 0xE2 && s[i+1] == 0x80 && (s[i+2] == 0xA8 || s[i+2] == 0xA9) {
			return true
		}
	}
	return false
}

// appendStd appends v as encoding/json encodes it without HTML escaping.
func appendStd(b []byte, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return append(b, bytes.TrimRight(buf.Bytes(), "\n")...), nil
}
