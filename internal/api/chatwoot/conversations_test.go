package chatwoot_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
)

// listIDs lists conversations with a query and returns their display ids
// and the meta object.
func (e *env) listIDs(token, query string) ([]int64, map[string]any) {
	e.t.Helper()
	body := e.must("GET", e.path("/conversations%s", query), token, nil).obj(e.t)
	var ids []int64
	for _, c := range get(e.t, body, "data", "payload").([]any) {
		ids = append(ids, num(e.t, c.(map[string]any)["id"]))
	}
	return ids, get(e.t, body, "data", "meta").(map[string]any)
}

func sorted(ids []int64) []int64 {
	out := slices.Clone(ids)
	slices.Sort(out)
	return out
}

func TestListConversations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tom := e.mustClient(&inbox.Client{Fullname: "Tom Baker"})
	open1 := e.createConversation(map[string]any{"assignee_id": e.admin.ID})
	open2 := e.createConversation(map[string]any{"contact_id": tom.ID, "source_id": "tom-in-api"})
	resolved := e.createConversation(map[string]any{"status": "resolved"})
	pending := e.createConversation(map[string]any{"status": "pending", "assignee_id": e.agent.ID})
	e.postMessage(open2, e.adminTk, map[string]any{"content": "Where is the KEY box?", "message_type": "incoming"})
	e.postMessage(resolved, e.adminTk, map[string]any{"content": "the key box is left of the door"})
	e.must("POST", e.path("/conversations/%d/labels", open1), e.adminTk, map[string]any{"labels": []string{"vip", "billing"}})
	e.must("POST", e.path("/conversations/%d/labels", open2), e.adminTk, map[string]any{"labels": "late-checkin"})
	e.must("POST", e.path("/conversations/%d/update_last_seen", open2), e.agentTk, nil)

	for _, tc := range []struct {
		name, query string
		token       string
		want        []int64
	}{
		{"DefaultOpen", "", e.adminTk, []int64{open1, open2}},
		{"Resolved", "?status=resolved", e.adminTk, []int64{resolved}},
		{"Pending", "?status=pending", e.adminTk, []int64{pending}},
		{"All", "?status=all", e.adminTk, []int64{open1, open2, resolved, pending}},
		{"Me", "?status=all&assignee_type=me", e.adminTk, []int64{open1}},
		{"MeAgent", "?status=all&assignee_type=me", e.agentTk, []int64{pending}},
		{"Unassigned", "?status=all&assignee_type=unassigned", e.adminTk, []int64{open2, resolved}},
		{"Assigned", "?status=all&assignee_type=assigned", e.adminTk, []int64{open1, pending}},
		{"AssigneeTypeAll", "?assignee_type=all&status=open&page=1", e.adminTk, []int64{open1, open2}},
		{"InboxID", fmt.Sprintf("?status=all&inbox_id=%d", e.apiBox.ID), e.adminTk, []int64{open1, open2, resolved, pending}},
		{"OtherInbox", fmt.Sprintf("?status=all&inbox_id=%d", e.other.ID), e.adminTk, nil},
		{"LabelsRepeated", "?status=all&labels=vip&labels=late-checkin", e.adminTk, []int64{open1, open2}},
		{"LabelsBracketed", "?status=all&labels[]=billing", e.adminTk, []int64{open1}},
		{"LabelsComma", "?status=all&labels=nothing,late-checkin", e.adminTk, []int64{open2}},
		{"SearchIgnoresStatus", "?q=key+box", e.adminTk, []int64{open2, resolved}},
		{"SearchCaseInsensitive", "?q=KEY", e.adminTk, []int64{open2, resolved}},
		{"SourceID", "?source_id=tom-in-api", e.adminTk, []int64{open2}},
		{"Participating", "?status=all&conversation_type=participating", e.agentTk, []int64{open2}},
		{"Unattended", "?status=all&conversation_type=unattended", e.adminTk, []int64{open1, open2, pending}},
		{"Mention", "?status=all&conversation_type=mention", e.adminTk, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := e.listIDs(tc.token, tc.query)
			if fmt.Sprint(sorted(got)) != fmt.Sprint(sorted(tc.want)) {
				t.Fatalf("ids=%v, want %v", got, tc.want)
			}
		})
	}

	t.Run("Counts", func(t *testing.T) {
		// Counts ignore assignee_type but follow every other filter.
		_, meta := e.listIDs(e.adminTk, "?status=all&assignee_type=unassigned")
		wantCounts(t, meta, map[string]int64{"mine_count": 1, "assigned_count": 2, "unassigned_count": 2, "all_count": 4})
		body := e.must("GET", e.path("/conversations/meta?status=open"), e.agentTk, nil).obj(t)
		wantCounts(t, body["meta"], map[string]int64{"mine_count": 0, "assigned_count": 1, "unassigned_count": 1, "all_count": 2})
	})

	t.Run("Sort", func(t *testing.T) {
		got, _ := e.listIDs(e.adminTk, "?status=all&sort_by=created_at_asc")
		if fmt.Sprint(got) != fmt.Sprint([]int64{open1, open2, resolved, pending}) {
			t.Fatalf("created_at_asc=%v", got)
		}
		got, _ = e.listIDs(e.adminTk, "?status=all&sort_by=sort_on_created_at")
		if fmt.Sprint(got) != fmt.Sprint([]int64{open1, open2, resolved, pending}) {
			t.Fatalf("sort_on_created_at=%v", got)
		}
		got, _ = e.listIDs(e.adminTk, "?status=all&sort_by=created_at_desc")
		if fmt.Sprint(got) != fmt.Sprint([]int64{pending, resolved, open2, open1}) {
			t.Fatalf("created_at_desc=%v", got)
		}
		// Default: newest activity first; open2's label activity is the
		// newest event of all.
		got, _ = e.listIDs(e.adminTk, "?status=all")
		if got[0] != open2 {
			t.Fatalf("default order=%v, want %d first", got, open2)
		}
	})

	t.Run("UpdatedWithin", func(t *testing.T) {
		got, _ := e.listIDs(e.adminTk, "?status=all&updated_within=3600")
		if len(got) != 4 {
			t.Fatalf("updated_within=%v, want all 4", got)
		}
	})

	t.Run("ErrBadInput", func(t *testing.T) {
		for query, msg := range map[string]string{
			"?status=closed":       "Status is not included in the list",
			"?inbox_id=abc":        "Inbox is invalid",
			"?page=two":            "Page is invalid",
			"?updated_within=soon": "Updated within is invalid",
		} {
			wantError(t, e.request("GET", e.path("/conversations%s", query), e.adminTk, nil), 422, "invalid", msg)
			wantError(t, e.request("GET", e.path("/conversations/meta%s", query), e.adminTk, nil), 422, "invalid", msg)
		}
		wantError(t, e.request("GET", e.path("/conversations?team_id=3"), e.adminTk, nil), 404, "not_found", "Resource could not be found")
	})
}

func TestListConversations_Paging(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var all []int64
	for i := 0; i < 27; i++ {
		all = append(all, e.createConversation(map[string]any{}))
	}
	p1, meta := e.listIDs(e.adminTk, "?page=1")
	p2, _ := e.listIDs(e.adminTk, "?page=2")
	p3, _ := e.listIDs(e.adminTk, "?page=3")
	if len(p1) != 25 || len(p2) != 2 || len(p3) != 0 {
		t.Fatalf("pages of %d, %d, %d, want 25, 2, 0", len(p1), len(p2), len(p3))
	}
	if fmt.Sprint(sorted(append(p1, p2...))) != fmt.Sprint(all) {
		t.Fatalf("pages=%v+%v, want every conversation once", p1, p2)
	}
	wantCounts(t, meta, map[string]int64{"all_count": 27})
	if p0, _ := e.listIDs(e.adminTk, "?page=0"); fmt.Sprint(p0) != fmt.Sprint(p1) {
		t.Fatalf("page 0=%v, want the first page", p0)
	}
}

func TestCreateConversation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)

	t.Run("StringIDs", func(t *testing.T) {
		// As @figuro/chatwoot-sdk sends them.
		c := e.must("POST", e.path("/conversations"), e.adminTk, map[string]any{"inbox_id": itoa(e.apiBox.ID),
			"contact_id": itoa(e.contact.ID)}).obj(t)
		if num(t, c["inbox_id"]) != e.apiBox.ID || num(t, get(t, c, "meta", "sender", "id")) != e.contact.ID {
			t.Fatalf("conversation=%v, want the inbox and contact", c)
		}
		if c["status"] != "open" || len(c["additional_attributes"].(map[string]any)) != 0 {
			t.Fatalf("conversation=%v, want open with {} additional_attributes", c)
		}
		if msgs, ok := c["messages"].([]any); !ok || len(msgs) != 0 || c["last_non_activity_message"] != nil {
			t.Fatalf("messages=%v last_non_activity_message=%v, want [] and null", c["messages"], c["last_non_activity_message"])
		}
		if get(t, c, "meta", "hmac_verified") != false {
			t.Fatalf("hmac_verified=%v, want false", get(t, c, "meta", "hmac_verified"))
		}
	})

	t.Run("Full", func(t *testing.T) {
		until := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
		c := e.must("POST", e.path("/conversations"), e.adminTk, map[string]any{
			"inbox_id": e.apiBox.ID, "contact_id": e.contact.ID, "status": "snoozed", "snoozed_until": until.Format(time.RFC3339),
			"assignee_id": e.agent.ID, "team_id": 4, "additional_attributes": map[string]any{"referer": "https://example.com/book"},
			"custom_attributes": map[string]any{"nights": 3}, "hmac_verified": "true",
			"message": map[string]any{"content": "Welcome!"},
		}).obj(t)
		for _, tc := range []struct {
			path []any
			want any
		}{
			{[]any{"status"}, "snoozed"},
			{[]any{"snoozed_until"}, until.Format("2006-01-02T15:04:05.000Z")},
			{[]any{"meta", "assignee", "id"}, jsonNum(e.agent.ID)},
			{[]any{"meta", "hmac_verified"}, true},
			{[]any{"additional_attributes", "referer"}, "https://example.com/book"},
			{[]any{"custom_attributes", "nights"}, jsonNum(3)},
			{[]any{"messages", 0, "content"}, "Welcome!"},
			{[]any{"messages", 0, "message_type"}, jsonNum(1)},
			{[]any{"messages", 0, "sender_id"}, jsonNum(e.admin.ID)},
		} {
			if got := get(t, c, tc.path...); got != tc.want {
				t.Errorf("%v=%v, want %v", tc.path, got, tc.want)
			}
		}
	})

	t.Run("Pending", func(t *testing.T) {
		c := e.must("POST", e.path("/conversations"), e.adminTk, map[string]any{"inbox_id": e.apiBox.ID,
			"contact_id": e.contact.ID, "status": "pending"}).obj(t)
		if c["status"] != "pending" {
			t.Fatalf("status=%v, want pending", c["status"])
		}
	})

	t.Run("FormEncoded", func(t *testing.T) {
		form := url.Values{"inbox_id": {itoa(e.apiBox.ID)}, "contact_id": {itoa(e.contact.ID)}, "message[content]": {"Hi from a form"},
			"custom_attributes[booking]": {"B-7"}}
		c := e.must("POST", e.path("/conversations"), e.adminTk, form.Encode(), "application/x-www-form-urlencoded").obj(t)
		if get(t, c, "messages", 0, "content") != "Hi from a form" || get(t, c, "custom_attributes", "booking") != "B-7" {
			t.Fatalf("conversation=%v, want the form's message and attributes", c)
		}
	})

	t.Run("BySourceID", func(t *testing.T) {
		first := e.must("POST", e.path("/conversations"), e.adminTk, map[string]any{"inbox_id": e.apiBox.ID,
			"contact_id": e.contact.ID, "source_id": "jane-widget-1"}).obj(t)
		c := e.must("POST", e.path("/conversations"), e.adminTk, map[string]any{"source_id": "jane-widget-1",
			"additional_attributes": map[string]any{"browser_language": "de"}}).obj(t)
		if c["id"] == first["id"] || num(t, get(t, c, "meta", "sender", "id")) != e.contact.ID || num(t, c["inbox_id"]) != e.apiBox.ID {
			t.Fatalf("conversation=%v, want a new conversation of the same contact and inbox", c)
		}
		if get(t, c, "additional_attributes", "browser_language") != "de" {
			t.Fatalf("additional_attributes=%v, want them echoed", c["additional_attributes"])
		}
	})

	t.Run("BlockedContactStartsResolved", func(t *testing.T) {
		blocked := e.mustClient(&inbox.Client{Fullname: "Blocked Guest", Blocked: true})
		c := e.must("POST", e.path("/conversations"), e.adminTk, map[string]any{"inbox_id": e.apiBox.ID,
			"contact_id": blocked.ID}).obj(t)
		if c["status"] != "resolved" || c["muted"] != true {
			t.Fatalf("status=%v muted=%v, want resolved and muted", c["status"], c["muted"])
		}
	})

	t.Run("ErrSourceIDConflict", func(t *testing.T) {
		other := e.mustClient(&inbox.Client{Fullname: "Other Guest"})
		e.must("POST", e.path("/conversations"), e.adminTk, map[string]any{"inbox_id": e.apiBox.ID,
			"contact_id": e.contact.ID, "source_id": "taken-1"})
		res := e.request("POST", e.path("/conversations"), e.adminTk, map[string]any{"inbox_id": e.apiBox.ID,
			"contact_id": other.ID, "source_id": "taken-1"})
		wantBody(t, res, errorCases(t)["source_id_conflict"])
	})

	t.Run("ErrBadInput", func(t *testing.T) {
		for _, tc := range []struct {
			body   any
			status int
			msg    string
		}{
			{map[string]any{"contact_id": e.contact.ID}, 422, "param is missing or the value is empty: inbox_id"},
			{map[string]any{"inbox_id": e.apiBox.ID}, 422, "param is missing or the value is empty: contact_id"},
			{map[string]any{"inbox_id": 99999, "contact_id": e.contact.ID}, 422, "Inbox is invalid"},
			{map[string]any{"inbox_id": "three", "contact_id": e.contact.ID}, 422, "Inbox is invalid"},
			{map[string]any{"inbox_id": e.apiBox.ID, "contact_id": 99999}, 422, "Contact is invalid"},
			{map[string]any{"inbox_id": e.apiBox.ID, "contact_id": e.contact.ID, "status": "closed"}, 422, "Status is not included in the list"},
			{map[string]any{"inbox_id": e.apiBox.ID, "contact_id": e.contact.ID, "priority": "asap"}, 422, "Priority is not included in the list"},
			{map[string]any{"inbox_id": e.apiBox.ID, "contact_id": e.contact.ID, "assignee_id": 99999}, 422, "Assignee is invalid"},
			{map[string]any{"inbox_id": e.apiBox.ID, "contact_id": e.contact.ID, "snoozed_until": "next week"}, 422, "Snoozed until is invalid"},
			{map[string]any{"inbox_id": e.apiBox.ID, "contact_id": e.contact.ID, "hmac_verified": "perhaps"}, 422, "Hmac verified is not a boolean"},
			{map[string]any{"inbox_id": e.apiBox.ID, "contact_id": e.contact.ID, "message": "hi"}, 422, "Message must be an object"},
			{map[string]any{"inbox_id": e.apiBox.ID, "contact_id": e.contact.ID, "custom_attributes": []int{1}}, 422, "Custom attributes must be an object"},
			{map[string]any{"source_id": "nobody-has-this"}, 404, "Resource could not be found"},
			{`[1,2]`, 400, "Request body must be a JSON object"},
		} {
			res := e.request("POST", e.path("/conversations"), e.adminTk, tc.body)
			code := "invalid"
			if tc.status == 404 {
				code = "not_found"
			}
			wantError(t, res, tc.status, code, tc.msg)
		}
		// Nothing was half-written: the failed creates left no conversation.
		before, _ := e.listIDs(e.adminTk, "?status=all")
		e.request("POST", e.path("/conversations"), e.adminTk, map[string]any{"inbox_id": e.apiBox.ID,
			"contact_id": e.contact.ID, "message": map[string]any{"content": "x", "message_type": "incoming", "private": true}})
		after, _ := e.listIDs(e.adminTk, "?status=all")
		if len(after) != len(before) {
			t.Fatalf("a failed create left a conversation: %d → %d", len(before), len(after))
		}
	})
}

func TestUpdateConversation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conv := e.createConversation(map[string]any{})
	url := e.path("/conversations/%d", conv)
	for _, tc := range []struct {
		method string
		body   any
		want   any
	}{
		{"PATCH", map[string]any{"priority": "high"}, "high"},
		{"PUT", map[string]any{"priority": "urgent"}, "urgent"},
		{"PATCH", map[string]any{"priority": "none"}, nil},
		{"PATCH", map[string]any{"priority": "low"}, "low"},
		{"PATCH", map[string]any{"priority": nil}, nil},
		{"PATCH", map[string]any{"priority": "medium", "status": "resolved"}, "medium"},
		{"PATCH", map[string]any{}, "medium"},
	} {
		c := e.must(tc.method, url, e.adminTk, tc.body).obj(t)
		if c["priority"] != tc.want {
			t.Fatalf("%s %v: priority=%v, want %v", tc.method, tc.body, c["priority"], tc.want)
		}
		if c["status"] != "open" {
			t.Fatalf("status=%v: only priority may change", c["status"])
		}
	}
	wantError(t, e.request("PATCH", url, e.adminTk, map[string]any{"priority": "asap"}), 422, "invalid",
		"Priority is not included in the list")
	wantError(t, e.request("PATCH", e.path("/conversations/abc"), e.adminTk, map[string]any{"priority": "low"}), 404,
		"not_found", "Resource could not be found")
}
