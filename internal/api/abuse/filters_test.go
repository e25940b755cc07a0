package abuse_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
)

// nested returns attributes nested depth levels deep: {"a":{"a":…"leaf"}}.
func nested(depth int) map[string]any {
	var v any = "leaf"
	for i := 0; i < depth; i++ {
		v = map[string]any{"a": v}
	}
	return v.(map[string]any)
}

// filterCond is one condition of a Chatwoot filter payload.
func filterCond(key, op string, values []any, query any) map[string]any {
	return map[string]any{"attribute_key": key, "filter_operator": op, "values": values, "query_operator": query}
}

// filtered runs a Chatwoot filter and returns the display ids it found.
func (e *env) filtered(t *testing.T, conds ...map[string]any) map[int64]bool {
	t.Helper()
	r := e.cw("POST", "/conversations/filter", "application/json", map[string]any{"payload": conds})
	if r.status != http.StatusOK {
		t.Fatalf("filter %v: %s", conds, r)
	}
	var body struct{ Payload []struct{ ID int64 } }
	decode(t, r, &body)
	out := map[int64]bool{}
	for _, c := range body.Payload {
		out[c.ID] = true
	}
	return out
}

// One record cannot break its account: attributes no engine's JSON
// functions should choke on are refused when written (422), and records
// already holding such JSON (written before the bound, or by anything
// else) leave every attribute filter answering, with the other records
// found as before.
func TestOddAttributesDoNotBreakFilters(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	inboxID := e.conv.InboxID

	t.Run("RefusedOnWrite", func(t *testing.T) {
		for name, attrs := range map[string]map[string]any{
			"1,000 levels": nested(1000),
			"33 levels":    nested(33),
			"NUL value":    {"referer": "a\x00b"},
			"NUL key":      {"ref\x00": "x"},
			"nested NUL":   {"x": []any{map[string]any{"y": "a\x00"}}},
		} {
			r := e.cw("POST", "/conversations", "application/json", map[string]any{"inbox_id": inboxID,
				"contact_id": e.client.ID, "additional_attributes": attrs})
			if r.status != http.StatusUnprocessableEntity && r.status != http.StatusBadRequest {
				t.Errorf("%s: %s, want 422 (or 400 for a body nested too deeply)", name, r)
			}
			r = e.cw("POST", fmt.Sprintf("/conversations/%d/custom_attributes", e.conv.DisplayID), "application/json",
				map[string]any{"custom_attributes": attrs})
			if r.status != http.StatusUnprocessableEntity && r.status != http.StatusBadRequest {
				t.Errorf("%s custom attributes: %s, want 422 (or 400)", name, r)
			}
		}
		// 32 levels are fine.
		r := e.cw("POST", "/conversations", "application/json", map[string]any{"inbox_id": inboxID,
			"contact_id": e.client.ID, "additional_attributes": nested(32)})
		if r.status != http.StatusOK {
			t.Fatalf("32 levels: %s", r)
		}
	})

	t.Run("StoredAlready", func(t *testing.T) {
		plain := e.newConversation()
		odd := map[string]inbox.Attributes{
			"deep":     inbox.Attributes(nested(1000)),
			"nul":      {"referer": "https://nul.example/a\x00b", "browser_language": "fr"},
			"nul key":  {"k\x00": 1.0, "referer": "https://key.example"},
			"deeper":   inbox.Attributes(nested(9000)),
			"mixed":    {"referer": "https://mixed.example", "x": nested(1500)},
			"sentinel": {"referer": "https://plain.example", "mail_subject": "Late check-in"},
		}
		ids := map[string]int64{}
		for name, attrs := range odd {
			c := plain
			if name != "sentinel" {
				c = e.newConversation()
			}
			ids[name] = c.DisplayID
			err := e.store.Update(ctx, func(tx inbox.Tx) error {
				_, err := tx.UpdateConversation(ctx, e.account.ID, c.ID, inbox.ConversationUpdate{AdditionalAttributes: &attrs})
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		for key, ops := range map[string][]string{
			"browser_language":      {"equal_to", "not_equal_to"},
			"conversation_language": {"equal_to", "not_equal_to"},
			"referer":               {"equal_to", "not_equal_to", "contains", "does_not_contain"},
			"mail_subject":          {"equal_to", "not_equal_to", "contains", "does_not_contain"},
		} {
			for _, op := range ops {
				e.filtered(t, filterCond(key, op, []any{"x"}, nil))
			}
		}
		if got := e.filtered(t, filterCond("referer", "contains", []any{"plain.example"}, nil)); !got[ids["sentinel"]] || len(got) != 1 {
			t.Errorf("referer contains plain.example: %v, want only %d", got, ids["sentinel"])
		}
		if got := e.filtered(t, filterCond("mail_subject", "equal_to", []any{"Late check-in"}, nil)); !got[ids["sentinel"]] || len(got) != 1 {
			t.Errorf("mail_subject: %v, want only %d", got, ids["sentinel"])
		}
		// A NUL elsewhere in the record does not hide its other keys.
		if got := e.filtered(t, filterCond("referer", "contains", []any{"key.example"}, nil)); !got[ids["nul key"]] {
			t.Errorf("referer beside a NUL key: %v, want %d", got, ids["nul key"])
		}
		if got := e.filtered(t, filterCond("browser_language", "equal_to", []any{"fr"}, nil)); !got[ids["nul"]] {
			t.Errorf("browser_language beside a NUL value: %v, want %d", got, ids["nul"])
		}
		// The lists and the other dialect read them too.
		if r := e.cw("GET", "/conversations?status=all", "", nil); r.status != http.StatusOK {
			t.Errorf("list: %s", r)
		}
		if r := e.bs("GET", "/api/v3/inbox/conversations", nil); r.status != http.StatusOK {
			t.Errorf("BookingSync list: %s", r)
		}
	})
}

// Filters are bounded: too many conditions, values or patterns, and values
// or searches too long, are a 422 naming what is too long, on both
// engines; a filter at every bound at once is answered.
func TestFilterBounds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	// A message, so that a search has rows to test its pattern on.
	if r := e.cw("POST", fmt.Sprintf("/conversations/%d/messages", e.conv.DisplayID), "application/json",
		map[string]any{"content": "hello"}); r.status != http.StatusOK {
		t.Fatal(r)
	}
	before := e.state()
	many := func(n int, v func(i int) any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = v(i)
		}
		return out
	}
	conds := func(n int, c map[string]any) []any {
		out := make([]any, n)
		for i := range out {
			out[i] = c
		}
		return out
	}
	word := func(i int) any { return fmt.Sprintf("w%d", i) }
	long := strings.Repeat("z", 50_000)
	for _, tc := range []struct {
		name    string
		payload []any
		field   string
	}{
		{"3,000 conditions", conds(3000, filterCond("referer", "contains", []any{"a"}, "OR")), "payload"},
		{"21 conditions", conds(21, filterCond("status", "equal_to", []any{"open"}, "AND")), "payload"},
		{"5,000 patterns", []any{filterCond("referer", "contains", many(5000, word), nil)}, "values"},
		{"101 patterns", []any{filterCond("referer", "contains", many(60, word), "OR"),
			filterCond("mail_subject", "does_not_contain", many(41, word), nil)}, "values"},
		{"10,001 values", []any{filterCond("display_id", "equal_to", many(10_000, func(i int) any { return i + 1 }), "OR"),
			filterCond("status", "equal_to", []any{"open"}, nil)}, "values"},
		{"50 KB pattern", []any{filterCond("referer", "contains", []any{long}, nil)}, "values"},
		{"50 KB value", []any{filterCond("mail_subject", "equal_to", []any{long}, nil)}, "values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.cw("POST", "/conversations/filter", "application/json", map[string]any{"payload": tc.payload})
			msg := cwError(t, r, http.StatusUnprocessableEntity, tc.field)
			if !strings.Contains(msg, "maximum") {
				t.Errorf("message %q does not say the bound", msg)
			}
		})
	}
	t.Run("50 KB search", func(t *testing.T) {
		for _, path := range []string{"/conversations?q=", "/conversations/meta?q="} {
			msg := cwError(t, e.cw("GET", path+long, "", nil), http.StatusUnprocessableEntity, "q")
			if !strings.Contains(msg, "maximum") {
				t.Errorf("message %q does not say the bound", msg)
			}
		}
	})
	t.Run("AtEveryBound", func(t *testing.T) {
		// 20 conditions, 100 patterns of 2,048 bytes, 10,000 values.
		var payload []any
		for i := 0; i < 19; i++ {
			vals := many(5, func(j int) any { return strings.Repeat(string(rune('a'+j)), 2047) + fmt.Sprint(i%10) })
			if i == 18 {
				vals = append(vals, many(5, func(j int) any { return strings.Repeat("q", 2048) })...)
			}
			op := map[bool]string{true: "contains", false: "does_not_contain"}[i%2 == 0]
			payload = append(payload, filterCond([]string{"referer", "mail_subject"}[i%2], op, vals, "OR"))
		}
		payload = append(payload, filterCond("display_id", "equal_to", many(10_000-100, func(i int) any { return i + 1 }), nil))
		r := e.cw("POST", "/conversations/filter", "application/json", map[string]any{"payload": payload})
		if r.status != http.StatusOK {
			t.Fatalf("a filter at the bounds: %s", r)
		}
		if r := e.cw("GET", "/conversations?q="+strings.Repeat("h", 2048), "", nil); r.status != http.StatusOK {
			t.Fatalf("a search of 2,048 bytes: %s", r)
		}
	})
	e.unchanged(before, "filters")
}
