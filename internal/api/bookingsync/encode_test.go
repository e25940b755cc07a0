package bookingsync

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
)

// stdMarshal is how responses were encoded before encode.go: every object
// through its MarshalJSON, each member through its own encoding/json
// Encoder without HTML escaping.
func stdMarshal(t *testing.T, v any) []byte {
	t.Helper()
	b, err := stdEncode(stdValue(v))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// stdObject encodes like the former object.MarshalJSON, with encoding/json
// only.
type stdObject []field

func (o stdObject) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := stdEncode(f.k)
		if err != nil {
			return nil, err
		}
		v, err := stdEncode(stdValue(f.v))
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// stdEncode encodes one value with its own Encoder, as marshal did.
func stdEncode(v any) ([]byte, error) {
	var one bytes.Buffer
	enc := json.NewEncoder(&one)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(one.Bytes(), "\n"), nil
}

// stdValue swaps objects for stdObjects, so that nothing of encode.go
// takes part in the reference encoding.
func stdValue(v any) any {
	switch v := v.(type) {
	case object:
		return stdObject(v)
	case []object:
		if v == nil {
			return []stdObject(nil)
		}
		out := make([]stdObject, len(v))
		for i, o := range v {
			out[i] = stdObject(o)
		}
		return out
	}
	return v
}

// TestMarshalMatchesEncodingJSON guards the hand-written encoder: for every
// kind of value records hold, and for strings that need escaping, marshal
// writes exactly the bytes encoding/json wrote.
func TestMarshalMatchesEncodingJSON(t *testing.T) {
	when := time.Date(2026, 12, 1, 21, 0, 0, 0, time.UTC)
	id := int64(42)
	strs := []string{"", "plain", "a\"quote", `back\slash`, "tab\tnew\nline\r", "\x00\x01\x1f\x7f",
		"<a href=\"x\">&amp;</a>", "héllo wörld ☃ 👍", "line\u2028sep\u2029para", "bad\xffutf8", "\xe2\x80",
		"ends with \xe2\x80\xa8", "https://example.com/api/v3/inbox/messages/{messages.sender}?a=1&b=2"}
	var cases []any
	for _, s := range strs {
		cases = append(cases, s, object{{s, s}})
	}
	cases = append(cases,
		nil, object(nil), object{}, []object(nil), []object{}, []object{{}, nil},
		int64(0), int64(-7), int64(1<<62), 0, 12345, true, false,
		[]int64(nil), []int64{}, []int64{1, -2, 3},
		[]string(nil), []string{"a", "<b>"}, 3.25, when, &when, (*time.Time)(nil), &id, (*int64)(nil),
		inbox.MemberHost, inbox.Attributes{"z": 1, "a": []any{"x", nil, 2.5}, "m": map[string]any{"<": ">"}},
		map[string]any{"nested": object{{"k", "v"}}},
		[]any{object{{"a", int64(1)}}, "s", nil},
		object{
			{"links", object{{"account", int64(1)}, {"assignee", idp(nil)}, {"bookings", ids(nil)},
				{"messages", []int64{4, 5}}, {"member", object{{"id", int64(3)}, {"type", inbox.MemberClient}}}}},
			{"closed_at", tmp(nil)}, {"created_at", tm(when)}, {"subject", str("Hi & <bye>")},
			{"attrs", inbox.Attributes{"k": "v"}}, {"empty", object{}}, {"list", []object{{{"x", "y"}}}},
		},
	)
	for _, v := range cases {
		got, err := marshal(v)
		if err != nil {
			t.Fatalf("marshal(%#v): %v", v, err)
		}
		if want := stdMarshal(t, v); !bytes.Equal(got, want) {
			t.Errorf("marshal(%#v)\n got %s\nwant %s", v, got, want)
		}
	}
	// A value encoding/json refuses is refused too.
	if _, err := marshal(object{{"x", make(chan int)}}); err == nil {
		t.Error("marshal of a channel: no error")
	}
}
