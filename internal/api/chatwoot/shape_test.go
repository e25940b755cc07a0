package chatwoot_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// node is a JSON value that remembers the order of object keys, so golden
// tests can compare key order as well as shape and types.
type node struct {
	kind  string // object, array, string, int, float, bool, null
	keys  []string
	kids  map[string]*node
	items []*node
	val   string
}

// parseOrdered parses JSON keeping key order.
func parseOrdered(t *testing.T, b []byte) *node {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	n, err := parseNode(dec)
	if err != nil {
		t.Fatalf("parse %s: %v", b, err)
	}
	return n
}

func parseNode(dec *json.Decoder) (*node, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			n := &node{kind: "object", kids: map[string]*node{}}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				key := k.(string)
				kid, err := parseNode(dec)
				if err != nil {
					return nil, err
				}
				n.keys = append(n.keys, key)
				n.kids[key] = kid
			}
			_, err := dec.Token()
			return n, err
		case '[':
			n := &node{kind: "array"}
			for dec.More() {
				kid, err := parseNode(dec)
				if err != nil {
					return nil, err
				}
				n.items = append(n.items, kid)
			}
			_, err := dec.Token()
			return n, err
		}
	case json.Number:
		if strings.ContainsAny(v.String(), ".eE") {
			return &node{kind: "float", val: v.String()}, nil
		}
		return &node{kind: "int", val: v.String()}, nil
	case string:
		return &node{kind: "string", val: v}, nil
	case bool:
		return &node{kind: "bool", val: fmt.Sprint(v)}, nil
	case nil:
		return &node{kind: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected token %v", tok)
}

// at returns the node at a path of keys and indexes.
func (n *node) at(path ...any) *node {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			n = n.kids[k]
		case int:
			n = n.items[k]
		}
		if n == nil {
			return nil
		}
	}
	return n
}

// drop removes a key of the object at path (a documented inboxd deviation).
func (n *node) drop(key string, path ...any) {
	o := n.at(path...)
	delete(o.kids, key)
	for i, k := range o.keys {
		if k == key {
			o.keys = append(o.keys[:i], o.keys[i+1:]...)
			return
		}
	}
}

// sameShape reports every difference of kind, key order and array length
// between want (golden) and got.
func sameShape(want, got *node, path string, diffs *[]string) {
	if want.kind != got.kind {
		*diffs = append(*diffs, fmt.Sprintf("%s: kind %s, want %s (%s)", path, got.kind, want.kind, want.val))
		return
	}
	switch want.kind {
	case "object":
		if strings.Join(want.keys, ",") != strings.Join(got.keys, ",") {
			*diffs = append(*diffs, fmt.Sprintf("%s: keys\n  got  [%s]\n  want [%s]", path,
				strings.Join(got.keys, ","), strings.Join(want.keys, ",")))
			return
		}
		for _, k := range want.keys {
			sameShape(want.kids[k], got.kids[k], path+"."+k, diffs)
		}
	case "array":
		if len(want.items) != len(got.items) {
			*diffs = append(*diffs, fmt.Sprintf("%s: %d items, want %d", path, len(got.items), len(want.items)))
			return
		}
		for i := range want.items {
			sameShape(want.items[i], got.items[i], fmt.Sprintf("%s[%d]", path, i), diffs)
		}
	}
}

// assertShape fails unless got has exactly the golden's keys, key order,
// types and array lengths.
func assertShape(t *testing.T, name string, want *node, got []byte) {
	t.Helper()
	var diffs []string
	sameShape(want, parseOrdered(t, got), "$", &diffs)
	if len(diffs) > 0 {
		t.Fatalf("%s: body differs from the golden shape:\n%s\nbody: %s", name, strings.Join(diffs, "\n"), got)
	}
}

func TestShapeComparator(t *testing.T) {
	want := parseOrdered(t, []byte(`{"a":1,"b":[{"c":null}],"d":1.5}`))
	for _, tc := range []struct {
		body  string
		equal bool
	}{
		{`{"a":7,"b":[{"c":null}],"d":2.25}`, true},
		{`{"b":[{"c":null}],"a":1,"d":1.5}`, false},   // order
		{`{"a":1.5,"b":[{"c":null}],"d":1.5}`, false}, // int vs float
		{`{"a":1,"b":[{"c":"x"}],"d":1.5}`, false},    // null vs string
		{`{"a":1,"b":[],"d":1.5}`, false},             // length
		{`{"a":1,"b":[{"c":null}],"d":1}`, false},     // float vs int
		{`{"a":1,"b":[{"c":null,"e":1}],"d":1.5}`, false},
	} {
		var diffs []string
		sameShape(want, parseOrdered(t, []byte(tc.body)), "$", &diffs)
		if (len(diffs) == 0) != tc.equal {
			t.Errorf("%s: equal=%v, want %v (%v)", tc.body, len(diffs) == 0, tc.equal, diffs)
		}
	}
}
