package chatwoot_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
)

// cond is one filter condition.
func cond(key, op string, values []any, query any) map[string]any {
	return map[string]any{"attribute_key": key, "filter_operator": op, "values": values, "query_operator": query}
}

func (e *env) filterIDs(token string, conds ...map[string]any) ([]int64, map[string]any) {
	e.t.Helper()
	body := e.must("POST", e.path("/conversations/filter"), token, map[string]any{"payload": conds}).obj(e.t)
	var ids []int64
	for _, c := range body["payload"].([]any) {
		ids = append(ids, num(e.t, c.(map[string]any)["id"]))
	}
	return ids, body["meta"].(map[string]any)
}

func TestFilterConversations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a := e.createConversation(map[string]any{"priority": "urgent", "assignee_id": e.admin.ID,
		"additional_attributes": map[string]any{"referer": "https://example.com/rooms/12", "browser_language": "fr"}})
	b := e.createConversation(map[string]any{"priority": "low", "status": "pending",
		"additional_attributes": map[string]any{"mail_subject": "Refund for booking 77"}})
	c := e.createConversation(map[string]any{"status": "resolved", "assignee_id": e.agent.ID})
	d := e.createConversation(map[string]any{"inbox_id": e.other.ID})
	e.must("POST", e.path("/conversations/%d/labels", b), e.adminTk, map[string]any{"labels": []string{"billing"}})
	e.must("POST", e.path("/conversations/%d/labels", c), e.adminTk, map[string]any{"labels": []string{"vip", "billing"}})

	tomorrow := time.Now().Add(24 * time.Hour).UTC().Format("2006-01-02")
	for _, tc := range []struct {
		name  string
		conds []map[string]any
		want  []int64
	}{
		{"Status", []map[string]any{cond("status", "equal_to", []any{"open"}, nil)}, []int64{a, d}},
		{"StatusAll", []map[string]any{cond("status", "equal_to", []any{"all"}, nil)}, []int64{a, b, c, d}},
		{"StatusNot", []map[string]any{cond("status", "not_equal_to", []any{"open", "pending"}, nil)}, []int64{c}},
		{"And", []map[string]any{cond("priority", "equal_to", []any{"urgent"}, "AND"),
			cond("status", "equal_to", []any{"open"}, nil)}, []int64{a}},
		{"Or", []map[string]any{cond("priority", "equal_to", []any{"low"}, "or"),
			cond("status", "equal_to", []any{"resolved"}, nil)}, []int64{b, c}},
		// AND binds tighter than OR: low OR (resolved AND vip).
		{"Precedence", []map[string]any{cond("priority", "equal_to", []any{"low"}, "OR"),
			cond("status", "equal_to", []any{"resolved"}, "AND"), cond("labels", "equal_to", []any{"vip"}, nil)}, []int64{b, c}},
		{"AssigneeIn", []map[string]any{cond("assignee_id", "equal_to", []any{itoa(e.admin.ID), e.agent.ID}, nil)}, []int64{a, c}},
		{"AssigneeNot", []map[string]any{cond("assignee_id", "not_equal_to", []any{e.admin.ID}, nil)}, []int64{b, c, d}},
		{"AssigneeAbsent", []map[string]any{cond("assignee_id", "is_not_present", nil, nil)}, []int64{b, d}},
		{"AssigneePresent", []map[string]any{cond("assignee_id", "is_present", nil, nil)}, []int64{a, c}},
		{"Inbox", []map[string]any{cond("inbox_id", "equal_to", []any{e.other.ID}, nil)}, []int64{d}},
		{"LabelsIn", []map[string]any{cond("labels", "equal_to", []any{"billing"}, nil)}, []int64{b, c}},
		{"LabelsNot", []map[string]any{cond("labels", "not_equal_to", []any{"vip"}, nil)}, []int64{a, b, d}},
		{"LabelsAbsent", []map[string]any{cond("labels", "is_not_present", nil, nil)}, []int64{a, d}},
		{"DisplayID", []map[string]any{cond("display_id", "equal_to", []any{b}, nil)}, []int64{b}},
		{"DisplayIDContains", []map[string]any{cond("display_id", "contains", []any{fmt.Sprint(c)}, nil)}, []int64{c}},
		{"Referer", []map[string]any{cond("referer", "contains", []any{"ROOMS"}, nil)}, []int64{a}},
		{"RefererNot", []map[string]any{cond("referer", "does_not_contain", []any{"rooms"}, nil)}, []int64{b, c, d}},
		{"MailSubject", []map[string]any{cond("mail_subject", "equal_to", []any{"Refund for booking 77"}, nil)}, []int64{b}},
		{"BrowserLanguage", []map[string]any{cond("browser_language", "equal_to", []any{"fr"}, nil)}, []int64{a}},
		{"CreatedBefore", []map[string]any{cond("created_at", "is_less_than", []any{tomorrow}, nil)}, []int64{a, b, c, d}},
		{"CreatedAfter", []map[string]any{cond("created_at", "is_greater_than", []any{tomorrow}, nil)}, nil},
		{"DaysBefore", []map[string]any{cond("last_activity_at", "days_before", []any{"3"}, nil)}, nil},
		{"Team", []map[string]any{cond("team_id", "is_not_present", nil, nil)}, []int64{a, b, c, d}},
		{"Campaign", []map[string]any{cond("campaign_id", "equal_to", []any{1}, nil)}, nil},
		{"NoConditions", nil, []int64{a, b, c, d}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := e.filterIDs(e.adminTk, tc.conds...)
			if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(tc.want)) {
				t.Fatalf("ids=%v, want %v", got, tc.want)
			}
		})
	}

	t.Run("CountsAndVisibility", func(t *testing.T) {
		_, meta := e.filterIDs(e.adminTk, cond("status", "equal_to", []any{"all"}, nil))
		wantCounts(t, meta, map[string]int64{"mine_count": 1, "unassigned_count": 2, "all_count": 4})
		if _, ok := meta["assigned_count"]; ok {
			t.Fatalf("meta=%v: the filter has no assigned_count", meta)
		}
		// The agent is not a member of the other inbox.
		got, meta := e.filterIDs(e.agentTk, cond("status", "equal_to", []any{"all"}, nil))
		if fmt.Sprint(sorted(got)) != fmt.Sprint([]int64{a, b, c}) {
			t.Fatalf("agent ids=%v, want %v", got, []int64{a, b, c})
		}
		wantCounts(t, meta, map[string]int64{"mine_count": 1, "all_count": 3})
	})

	t.Run("Errors", func(t *testing.T) {
		cases := errorCases(t)
		url := e.path("/conversations/filter")
		wantBody(t, e.request("POST", url, e.adminTk, map[string]any{"payload": []any{
			cond("phone_number", "equal_to", []any{"1"}, nil)}}), cases["filter_invalid_attribute"])
		wantBody(t, e.request("POST", url, e.adminTk, map[string]any{"payload": []any{
			cond("status", "contains", []any{"open"}, nil)}}), cases["filter_invalid_operator"])
		wantBody(t, e.request("POST", url, e.adminTk, map[string]any{"payload": []any{
			cond("status", "equal_to", []any{"open"}, "XOR"), cond("priority", "equal_to", []any{"low"}, nil)}}),
			cases["filter_invalid_query_operator"])
		for _, c := range []map[string]any{
			cond("status", "equal_to", []any{}, nil),
			cond("status", "equal_to", []any{"closed"}, nil),
			cond("priority", "equal_to", []any{"asap"}, nil),
			cond("assignee_id", "equal_to", []any{"me"}, nil),
			cond("created_at", "is_greater_than", []any{"someday"}, nil),
			cond("last_activity_at", "days_before", []any{"-2"}, nil),
		} {
			res := e.request("POST", url, e.adminTk, map[string]any{"payload": []any{c}})
			wantError(t, res, 422, "invalid", fmt.Sprintf("Invalid value. The values provided for %s are invalid", c["attribute_key"]))
		}
		wantError(t, e.request("POST", url, e.adminTk, map[string]any{"payload": "status=open"}), 422, "invalid",
			"Payload must be a list of conditions")
		wantError(t, e.request("POST", url, e.adminTk, map[string]any{"payload": []any{"x"}}), 422, "invalid",
			"Payload must be a list of conditions")
		wantError(t, e.request("POST", url+"?page=x", e.adminTk, map[string]any{}), 422, "invalid", "Page is invalid")
	})
}

// TestErrorBodies checks the remaining golden error bodies of errors.json.
func TestErrorBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := errorCases(t)
	conv := e.createConversation(map[string]any{})
	wantBody(t, e.request("POST", e.path("/conversations/%d/messages", conv), e.adminTk,
		map[string]any{"content": strings.Repeat("x", 150001)}), cases["message_invalid"])

	mail := e.mustInbox("Mail", inbox.ChannelEmail)
	mc := e.createConversation(map[string]any{"inbox_id": mail.ID})
	wantBody(t, e.request("POST", e.path("/conversations/%d/messages", mc), e.adminTk,
		map[string]any{"content": "x", "message_type": "incoming"}), cases["incoming_not_api_inbox"])
	mid := e.postMessage(mc, e.adminTk, map[string]any{"content": "x"})
	wantBody(t, e.request("PATCH", e.path("/conversations/%d/messages/%d", mc, mid), e.adminTk,
		map[string]any{"status": "delivered"}), cases["message_update_not_api_inbox"])

	// parameter_missing names another parameter here; the shape is the same.
	res := e.request("POST", e.path("/conversations"), e.adminTk, map[string]any{"contact_id": e.contact.ID})
	assertShape(t, "parameter_missing", parseOrdered(t, cases["parameter_missing"].Inboxd), res.body)
	wantError(t, res, 422, "invalid", "param is missing or the value is empty: inbox_id")
}
