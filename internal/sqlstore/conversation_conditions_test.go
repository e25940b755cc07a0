package sqlstore_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/inboxtest"
)

func TestConversations_Conditions(t *testing.T) {
	t.Parallel()
	f := newFilterFixture(t)
	c1, c2, c3, c4, c5 := f.c1.ID, f.c2.ID, f.c3.ID, f.c4.ID, f.c5.ID
	// Additional attributes the text conditions read.
	mustUpdate(t, f.s, func(tx inbox.Tx) error {
		for id, attrs := range map[int64]inbox.Attributes{
			c1: {"referer": "https://example.com/rooms/12", "browser_language": "fr"},
			c3: {"mail_subject": "Refund 50% please", "referer": 7.0},
			c4: {"browser_language": true},
		} {
			if _, err := tx.UpdateConversation(ctx, f.a.ID, id, inbox.ConversationUpdate{AdditionalAttributes: &attrs}); err != nil {
				return err
			}
		}
		return nil
	})
	cond := func(attr, op string, values ...string) inbox.ConversationCondition {
		return inbox.ConversationCondition{Attribute: attr, Operator: op, Values: values}
	}
	or := func(c inbox.ConversationCondition) inbox.ConversationCondition { c.Or = true; return c }
	id := func(v int64) string { return strconv.FormatInt(v, 10) }
	at := func(c inbox.ConversationCondition, t time.Time) inbox.ConversationCondition { c.Time = t; return c }

	for _, tt := range []struct {
		name  string
		conds []inbox.ConversationCondition
		want  []int64
	}{
		{"Status", []inbox.ConversationCondition{cond("status", "equal_to", "open")}, []int64{c1, c4}},
		{"StatusAll", []inbox.ConversationCondition{cond("status", "equal_to", "all")}, []int64{c1, c2, c3, c4, c5}},
		{"StatusNot", []inbox.ConversationCondition{cond("status", "not_equal_to", "open", "resolved")}, []int64{c3, c5}},
		{"PriorityOr", []inbox.ConversationCondition{cond("priority", "equal_to", "high"), or(cond("priority", "equal_to", "low"))}, []int64{c1, c2}},
		// AND before OR: urgent OR (open AND spam).
		{"Precedence", []inbox.ConversationCondition{cond("priority", "equal_to", "urgent"), or(cond("status", "equal_to", "open")),
			cond("labels", "equal_to", "spam")}, []int64{c3, c4}},
		{"AssigneeNotKeepsUnassigned", []inbox.ConversationCondition{cond("assignee_id", "not_equal_to", id(f.host1.ID))}, []int64{c2, c3, c4}},
		{"AssigneePresent", []inbox.ConversationCondition{cond("assignee_id", "is_present")}, []int64{c1, c3, c5}},
		{"AssigneeAbsent", []inbox.ConversationCondition{cond("assignee_id", "is_not_present")}, []int64{c2, c4}},
		{"Inbox", []inbox.ConversationCondition{cond("inbox_id", "equal_to", id(f.inbox2.ID))}, []int64{c3, c4}},
		{"LabelsNot", []inbox.ConversationCondition{cond("labels", "not_equal_to", "vip")}, []int64{c2, c3, c4}},
		{"LabelsAbsent", []inbox.ConversationCondition{cond("labels", "is_not_present")}, []int64{c3}},
		{"DisplayID", []inbox.ConversationCondition{cond("display_id", "not_equal_to", id(f.c1.DisplayID))}, []int64{c2, c3, c4, c5}},
		{"DisplayIDContains", []inbox.ConversationCondition{cond("display_id", "contains", id(f.c2.DisplayID))}, []int64{c2}},
		{"RefererContains", []inbox.ConversationCondition{cond("referer", "contains", "ROOMS")}, []int64{c1}},
		{"RefererNumber", []inbox.ConversationCondition{cond("referer", "equal_to", "7")}, []int64{c3}},
		{"RefererNotContains", []inbox.ConversationCondition{cond("referer", "does_not_contain", "rooms")}, []int64{c2, c3, c4, c5}},
		// LIKE wildcards in values are literal.
		{"MailSubjectPercent", []inbox.ConversationCondition{cond("mail_subject", "contains", "50%")}, []int64{c3}},
		{"MailSubjectEqual", []inbox.ConversationCondition{cond("mail_subject", "equal_to", "Refund 50% please")}, []int64{c3}},
		{"BrowserLanguage", []inbox.ConversationCondition{cond("browser_language", "not_equal_to", "fr")}, []int64{c2, c3, c4, c5}},
		{"BooleanAsText", []inbox.ConversationCondition{cond("browser_language", "equal_to", "true")}, []int64{c4}},
		{"ActivityAfter", []inbox.ConversationCondition{at(cond("last_activity_at", "is_greater_than"), t0.Add(3*time.Hour))}, []int64{c1, c4}},
		{"CreatedBefore", []inbox.ConversationCondition{at(cond("created_at", "is_less_than"), t0.Add(2*time.Minute))}, []int64{c1, c2}},
		{"TeamNever", []inbox.ConversationCondition{cond("team_id", "is_present")}, []int64{}},
		{"CampaignNotEqual", []inbox.ConversationCondition{cond("campaign_id", "not_equal_to", "1")}, []int64{c1, c2, c3, c4, c5}},
		{"Unknown", []inbox.ConversationCondition{cond("phone_number", "equal_to", "1")}, []int64{}},
		// Conditions are AND-ed with the plain filter fields.
		{"WithInboxRestriction", []inbox.ConversationCondition{cond("status", "equal_to", "all")}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			filter := inbox.ConversationFilter{Conditions: tt.conds}
			want := tt.want
			if want == nil {
				filter.InboxIDs = []int64{f.inbox2.ID}
				want = []int64{c3, c4}
			}
			got, total := mustList(t, f.s, func(tx inbox.Tx) ([]*inbox.Conversation, int, error) {
				return tx.FindConversations(ctx, f.a.ID, filter)
			})
			if diff := cmp.Diff(want, ids(got, conversationID)); diff != "" {
				t.Fatalf("ids mismatch (-want +got):\n%s", diff)
			} else if total != len(want) {
				t.Fatalf("total=%v, want %v", total, len(want))
			}
			n := mustFind(t, f.s, func(tx inbox.Tx) (inbox.ConversationCounts, error) {
				return tx.CountConversations(ctx, f.a.ID, filter, f.host1.ID)
			})
			if n.All != len(want) {
				t.Fatalf("CountConversations.All=%v, want %v", n.All, len(want))
			}
		})
	}
}

// nested returns an object nested depth levels deep: {"a":{"a":…"leaf"}}.
func nested(depth int) map[string]any {
	var v any = "leaf"
	for i := 0; i < depth; i++ {
		v = map[string]any{"a": v}
	}
	return v.(map[string]any)
}

// One record whose attributes hold JSON an engine's JSON functions choke on
// (nesting past SQLite's 1,000 levels and up to the 10,000 Go decodes, the
// escape \u0000 that PostgreSQL's jsonb refuses, in a value or in a key)
// must not make the attribute filters fail for its whole account: every
// filter answers, the other conversations match as before, and on
// PostgreSQL the odd record's readable keys still match.
func TestConversations_ConditionsOnAnyStoredJSON(t *testing.T) {
	t.Parallel()
	f := newFilterFixture(t)
	c1, c2, c3, c4, c5 := f.c1.ID, f.c2.ID, f.c3.ID, f.c4.ID, f.c5.ID
	deep := nested(9000)
	deep["referer"] = "https://deep.example"
	mustUpdate(t, f.s, func(tx inbox.Tx) error {
		for id, attrs := range map[int64]inbox.Attributes{
			c1: {"referer": "https://example.com/rooms/12", "browser_language": "fr"},
			c2: inbox.Attributes(deep),
			c3: {"referer": "https://nul.example", "note": "a\x00b"},
			c4: {"referer": "https://key.example", "k\x00": 1.0, "mail_subject": "x\x00y"},
			c5: {"referer": "https://shallow.example", "x": nested(1001)},
		} {
			if _, err := tx.UpdateConversation(ctx, f.a.ID, id, inbox.ConversationUpdate{AdditionalAttributes: &attrs}); err != nil {
				return err
			}
		}
		return nil
	})
	cond := func(attr, op string, values ...string) inbox.ConversationCondition {
		return inbox.ConversationCondition{Attribute: attr, Operator: op, Values: values}
	}
	// SQLite cannot read a document nested past 1,000 levels: it has no
	// keys there.
	unreadable := map[int64]bool{}
	if inboxtest.Engine() == "sqlite" {
		unreadable = map[int64]bool{c2: true, c5: true}
	}
	readable := func(ids ...int64) []int64 {
		out := []int64{}
		for _, id := range ids {
			if !unreadable[id] {
				out = append(out, id)
			}
		}
		return out
	}
	for _, tt := range []struct {
		name string
		cond inbox.ConversationCondition
		want []int64
	}{
		{"RefererContains", cond("referer", "contains", "example"), readable(c1, c2, c3, c4, c5)},
		{"RefererDeep", cond("referer", "equal_to", "https://deep.example"), readable(c2)},
		{"RefererBesideNUL", cond("referer", "contains", "nul.example"), []int64{c3}},
		{"RefererBesideNULKey", cond("referer", "equal_to", "https://key.example"), []int64{c4}},
		{"RefererBesideDeepValue", cond("referer", "contains", "shallow"), readable(c5)},
		// An unreadable referer reads as none, which contains nothing.
		{"RefererNotContains", cond("referer", "does_not_contain", "rooms"), []int64{c2, c3, c4, c5}},
		{"MailSubjectWithNUL", cond("mail_subject", "contains", "x"), []int64{c4}},
		{"BrowserLanguage", cond("browser_language", "equal_to", "fr"), []int64{c1}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			filter := inbox.ConversationFilter{Conditions: []inbox.ConversationCondition{tt.cond}}
			got, _ := mustList(t, f.s, func(tx inbox.Tx) ([]*inbox.Conversation, int, error) {
				return tx.FindConversations(ctx, f.a.ID, filter)
			})
			want := tt.want
			slices.Sort(want)
			if diff := cmp.Diff(want, ids(got, conversationID)); diff != "" {
				t.Fatalf("ids mismatch (-want +got):\n%s", diff)
			}
			n := mustFind(t, f.s, func(tx inbox.Tx) (inbox.ConversationCounts, error) {
				return tx.CountConversations(ctx, f.a.ID, filter, f.host1.ID)
			})
			if n.All != len(want) {
				t.Fatalf("CountConversations.All=%v, want %v", n.All, len(want))
			}
		})
	}
}
