package chatwoot_test

import (
	"fmt"
	"testing"
	"time"
)

// show returns a conversation object.
func (e *env) show(token string, id int64) map[string]any {
	e.t.Helper()
	return e.must("GET", e.path("/conversations/%d", id), token, nil).obj(e.t)
}

// newest returns the content of the conversation's newest message.
func (e *env) newest(id int64) any {
	e.t.Helper()
	return get(e.t, e.show(e.adminTk, id), "messages", 0, "content")
}

func TestToggleStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conv := e.createConversation(map[string]any{})
	url := e.path("/conversations/%d/toggle_status", conv)
	status := func(res response) string {
		t.Helper()
		return get(t, res.obj(t), "payload", "current_status").(string)
	}

	if got := status(e.must("POST", url, e.adminTk, map[string]any{"status": ""})); got != "resolved" {
		t.Fatalf("toggle of open=%s, want resolved", got)
	}
	if got := e.newest(conv); got != "Conversation was marked resolved by Agent Smith" {
		t.Fatalf("activity=%v", got)
	}
	if got := status(e.must("POST", url, e.adminTk, nil)); got != "open" {
		t.Fatalf("toggle of resolved=%s, want open", got)
	}
	// An administrator opening it is not assigned.
	if c := e.show(e.adminTk, conv); c["meta"].(map[string]any)["assignee"] != nil {
		t.Fatalf("admin reopening assigned %v", get(t, c, "meta", "assignee"))
	}
	if got := status(e.must("POST", url, e.adminTk, map[string]any{"status": "pending"})); got != "pending" {
		t.Fatalf("status=%s, want pending", got)
	}
	// An agent opening it takes it.
	if got := status(e.must("POST", url, e.agentTk, nil)); got != "open" {
		t.Fatalf("toggle of pending=%s, want open", got)
	}
	if got := num(t, get(t, e.show(e.adminTk, conv), "meta", "assignee", "id")); got != e.agent.ID {
		t.Fatalf("assignee=%d, want the agent %d who opened it", got, e.agent.ID)
	}
	// Query parameters work as Rails merges them.
	if got := status(e.must("POST", url+"?status=resolved", e.adminTk, nil)); got != "resolved" {
		t.Fatalf("status from the query=%s, want resolved", got)
	}
	// Snooze with Unix seconds as a string.
	until := time.Now().Add(24 * time.Hour).Unix()
	res := e.must("POST", url, e.adminTk, map[string]any{"status": "snoozed", "snoozed_until": fmt.Sprint(until)})
	want := time.Unix(until, 0).UTC().Format("2006-01-02T15:04:05.000Z")
	if got := get(t, res.obj(t), "payload", "snoozed_until"); got != want {
		t.Fatalf("snoozed_until=%v, want %v", got, want)
	}
	if c := e.show(e.adminTk, conv); c["status"] != "snoozed" || c["snoozed_until"] != want {
		t.Fatalf("conversation status=%v snoozed_until=%v", c["status"], c["snoozed_until"])
	}
	// Snoozed without a time: until the contact writes again.
	res = e.must("POST", url, e.adminTk, map[string]any{"status": "snoozed"})
	if get(t, res.obj(t), "payload", "snoozed_until") != nil {
		t.Fatalf("snoozed_until=%v, want null", get(t, res.obj(t), "payload", "snoozed_until"))
	}
	e.postMessage(conv, e.adminTk, map[string]any{"content": "hello?", "message_type": "incoming"})
	if c := e.show(e.adminTk, conv); c["status"] != "open" || c["snoozed_until"] != nil {
		t.Fatalf("after an incoming message status=%v snoozed_until=%v, want open", c["status"], c["snoozed_until"])
	}

	wantError(t, e.request("POST", url, e.adminTk, map[string]any{"status": "closed"}), 422, "invalid",
		"Status is not included in the list")
	wantError(t, e.request("POST", url, e.adminTk, map[string]any{"status": "snoozed", "snoozed_until": "tomorrow"}), 422,
		"invalid", "Snoozed until is invalid")
	wantError(t, e.request("POST", e.path("/conversations/9999/toggle_status"), e.adminTk, nil), 404, "not_found", "")
}

func TestTogglePriority(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conv := e.createConversation(map[string]any{})
	url := e.path("/conversations/%d/toggle_priority", conv)
	res := e.must("POST", url, e.adminTk, map[string]any{"priority": "low"})
	if len(res.body) != 0 {
		t.Fatalf("body=%q, want an empty 200", res.body)
	}
	if p := e.show(e.adminTk, conv)["priority"]; p != "low" {
		t.Fatalf("priority=%v, want low", p)
	}
	if got := e.newest(conv); got != "Agent Smith set the priority to low" {
		t.Fatalf("activity=%v", got)
	}
	e.must("POST", url, e.adminTk, nil)
	if p := e.show(e.adminTk, conv)["priority"]; p != nil {
		t.Fatalf("priority=%v, want null", p)
	}
	wantError(t, e.request("POST", url, e.adminTk, map[string]any{"priority": "asap"}), 422, "invalid",
		"Priority is not included in the list")
}

func TestAssignments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conv := e.createConversation(map[string]any{})
	url := e.path("/conversations/%d/assignments", conv)

	res := e.must("POST", url, e.adminTk, map[string]any{"assignee_id": itoa(e.agent.ID)})
	if a := res.obj(t); num(t, a["id"]) != e.agent.ID || a["role"] != "agent" || a["name"] != "Anna Agent" {
		t.Fatalf("assignee=%s, want the agent", res.body)
	}
	if got := e.newest(conv); got != "Assigned to Anna Agent by Agent Smith" {
		t.Fatalf("activity=%v", got)
	}
	res = e.must("POST", url, e.adminTk, map[string]any{"assignee_id": nil})
	if string(res.body) != "null" {
		t.Fatalf("body=%s, want null", res.body)
	}
	if got := e.newest(conv); got != "Conversation unassigned by Agent Smith" {
		t.Fatalf("activity=%v", got)
	}
	if c := e.show(e.adminTk, conv); c["meta"].(map[string]any)["assignee"] != nil {
		t.Fatalf("assignee=%v, want none", get(t, c, "meta", "assignee"))
	}
	// Teams are not modelled: a team assignment, or none at all, answers null.
	for _, body := range []map[string]any{{"team_id": 3}, {}} {
		if res := e.must("POST", url, e.adminTk, body); string(res.body) != "null" {
			t.Fatalf("%v: body=%s, want null", body, res.body)
		}
	}
	wantError(t, e.request("POST", url, e.adminTk, map[string]any{"assignee_id": 99999}), 422, "invalid", "Assignee is invalid")
	wantError(t, e.request("POST", url, e.adminTk, map[string]any{"assignee_id": "x1"}), 422, "invalid", "Assignee is invalid")
	wantError(t, e.request("POST", url, e.adminTk, map[string]any{"assignee_id": 1, "assignee_type": "AgentBot"}), 422,
		"invalid", "Agent bots are not supported")
}

func TestLabels(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conv := e.createConversation(map[string]any{})
	url := e.path("/conversations/%d/labels", conv)
	for _, tc := range []struct {
		body        any
		contentType string
		want        string
	}{
		{map[string]any{"labels": []string{"label1", "label2"}}, "", `{"payload":["label1","label2"]}`},
		{map[string]any{"labels": []string{"label3", "label4"}}, "", `{"payload":["label3","label4"]}`},
		{map[string]any{"labels": "a, b,a"}, "", `{"payload":["a","b"]}`},
		{"labels[]=x&labels[]=y", "application/x-www-form-urlencoded", `{"payload":["x","y"]}`},
		{map[string]any{"labels": []string{}}, "", `{"payload":[]}`},
	} {
		ct := []string{}
		if tc.contentType != "" {
			ct = append(ct, tc.contentType)
		}
		if res := e.must("POST", url, e.adminTk, tc.body, ct...); string(res.body) != tc.want {
			t.Fatalf("POST %v: %s, want %s", tc.body, res.body, tc.want)
		}
	}
	e.must("POST", url, e.adminTk, map[string]any{"labels": []string{"vip"}})
	if res := e.must("GET", url, e.adminTk, nil); string(res.body) != `{"payload":["vip"]}` {
		t.Fatalf("GET labels=%s", res.body)
	}
	wantError(t, e.request("POST", url, e.adminTk, map[string]any{"labels": map[string]any{"a": 1}}), 422, "invalid",
		"Labels must be a list")
	wantError(t, e.request("POST", url, e.adminTk, map[string]any{"labels": []any{"ok", map[string]any{}}}), 422, "invalid", "")
}

func TestCustomAttributes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conv := e.createConversation(map[string]any{"custom_attributes": map[string]any{"old": 1}})
	url := e.path("/conversations/%d/custom_attributes", conv)
	res := e.must("POST", url, e.adminTk, map[string]any{"custom_attributes": map[string]any{"a": "x", "b": 2, "c": true}})
	if string(res.body) != `{"custom_attributes":{"a":"x","b":2,"c":true}}` {
		t.Fatalf("body=%s, want exactly the three keys", res.body)
	}
	long := make([]byte, 1501)
	for i := range long {
		long[i] = 'n'
	}
	res = e.request("POST", url, e.adminTk, map[string]any{"custom_attributes": map[string]any{"notes": string(long)}})
	wantBody(t, res, errorCases(t)["record_invalid"])
	wantError(t, e.request("POST", url, e.adminTk, map[string]any{}), 422, "invalid",
		"param is missing or the value is empty: custom_attributes")
	wantError(t, e.request("POST", url, e.adminTk, map[string]any{"custom_attributes": map[string]any{"n": 1e11}}), 422,
		"invalid", "Custom attributes n value should be < 9999999999")
	if c := e.show(e.adminTk, conv); fmt.Sprint(c["custom_attributes"]) != "map[a:x b:2 c:true]" {
		t.Fatalf("custom_attributes=%v, want the last accepted set", c["custom_attributes"])
	}
}

func TestLastSeenAndUnread(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conv := e.createConversation(map[string]any{"assignee_id": e.agent.ID})
	e.postMessage(conv, e.adminTk, map[string]any{"content": "one", "message_type": "incoming"})
	e.postMessage(conv, e.adminTk, map[string]any{"content": "two", "message_type": "incoming"})
	if c := e.show(e.adminTk, conv); num(t, c["unread_count"]) != 2 || num(t, c["agent_last_seen_at"]) != 0 {
		t.Fatalf("unread_count=%v agent_last_seen_at=%v, want 2 and 0", c["unread_count"], c["agent_last_seen_at"])
	}
	// The admin (not the assignee) opens it.
	c := e.must("POST", e.path("/conversations/%d/update_last_seen", conv), e.adminTk, nil).obj(t)
	if num(t, c["agent_last_seen_at"]) == 0 || num(t, c["assignee_last_seen_at"]) != 0 || num(t, c["unread_count"]) != 0 {
		t.Fatalf("after admin update_last_seen: %v %v %v", c["agent_last_seen_at"], c["assignee_last_seen_at"], c["unread_count"])
	}
	// The assignee opens it.
	c = e.must("POST", e.path("/conversations/%d/update_last_seen", conv), e.agentTk, nil).obj(t)
	if num(t, c["assignee_last_seen_at"]) == 0 {
		t.Fatalf("assignee_last_seen_at=0 after the assignee opened it")
	}
	// Unread: both move to just before the newest incoming message.
	c = e.must("POST", e.path("/conversations/%d/unread", conv), e.adminTk, nil).obj(t)
	last := num(t, get(t, c, "messages", 0, "created_at"))
	if num(t, c["unread_count"]) < 1 || num(t, c["agent_last_seen_at"]) > last || num(t, c["assignee_last_seen_at"]) > last ||
		num(t, c["agent_last_seen_at"]) < last-2 {
		t.Fatalf("after unread: unread=%v agent=%v assignee=%v, last incoming %d", c["unread_count"], c["agent_last_seen_at"],
			c["assignee_last_seen_at"], last)
	}
	msgs := e.must("GET", e.path("/conversations/%d/messages", conv), e.adminTk, nil).obj(t)
	if get(t, msgs, "meta", "agent_last_seen_at") == nil || get(t, msgs, "meta", "assignee_last_seen_at") == nil {
		t.Fatalf("messages meta=%v, want both last-seen times", msgs["meta"])
	}
}

func TestMute(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conv := e.createConversation(map[string]any{})
	other := e.createConversation(map[string]any{})
	res := e.must("POST", e.path("/conversations/%d/mute", conv), e.adminTk, nil)
	if len(res.body) != 0 {
		t.Fatalf("body=%q, want an empty 200", res.body)
	}
	c := e.show(e.adminTk, conv)
	if c["status"] != "resolved" || c["muted"] != true {
		t.Fatalf("status=%v muted=%v, want resolved and muted", c["status"], c["muted"])
	}
	// Muting blocks the contact: every conversation of theirs shows muted,
	// and their messages no longer reopen it.
	if e.show(e.adminTk, other)["muted"] != true {
		t.Fatalf("the contact's other conversation is not muted")
	}
	e.postMessage(conv, e.adminTk, map[string]any{"content": "spam", "message_type": "incoming"})
	if s := e.show(e.adminTk, conv)["status"]; s != "resolved" {
		t.Fatalf("status=%v, want resolved while muted", s)
	}
	e.must("POST", e.path("/conversations/%d/unmute", conv), e.adminTk, nil)
	if c := e.show(e.adminTk, conv); c["muted"] != false {
		t.Fatalf("muted=%v after unmute", c["muted"])
	}
	if got := e.newest(conv); got != "Agent Smith has unmuted the conversation" {
		t.Fatalf("activity=%v", got)
	}
}

func TestParticipants(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conv := e.createConversation(map[string]any{})
	url := e.path("/conversations/%d/participants", conv)
	ids := func(res response) []int64 {
		t.Helper()
		var out []int64
		for _, a := range res.json(t).([]any) {
			out = append(out, num(t, a.(map[string]any)["id"]))
		}
		return out
	}
	if got := e.must("GET", url, e.adminTk, nil); string(got.body) != "[]" {
		t.Fatalf("participants=%s, want []", got.body)
	}
	got := ids(e.must("POST", url, e.adminTk, map[string]any{"user_ids": []any{e.agent.ID, itoa(e.admin.ID)}}))
	if fmt.Sprint(got) != fmt.Sprint([]int64{e.agent.ID, e.admin.ID}) {
		t.Fatalf("added=%v", got)
	}
	// Adding again adds nobody.
	if got := ids(e.must("POST", url, e.adminTk, map[string]any{"user_ids": []int64{e.agent.ID}})); len(got) != 0 {
		t.Fatalf("added again=%v, want none", got)
	}
	if got := ids(e.must("PATCH", url, e.adminTk, map[string]any{"user_ids": []int64{e.admin.ID}})); fmt.Sprint(got) != fmt.Sprint([]int64{e.admin.ID}) {
		t.Fatalf("after set=%v, want only the admin", got)
	}
	res := e.must("DELETE", url, e.adminTk, map[string]any{"user_ids": []int64{e.admin.ID}})
	if len(res.body) != 0 {
		t.Fatalf("body=%q, want an empty 200", res.body)
	}
	if got := e.must("GET", url, e.adminTk, nil); string(got.body) != "[]" {
		t.Fatalf("participants=%s, want []", got.body)
	}
	res = e.must("POST", url, e.adminTk, "user_ids[]="+itoa(e.agent.ID), "application/x-www-form-urlencoded")
	if got := ids(res); fmt.Sprint(got) != fmt.Sprint([]int64{e.agent.ID}) {
		t.Fatalf("form add=%v", got)
	}
	a := e.must("GET", url, e.adminTk, nil).json(t).([]any)[0].(map[string]any)
	if a["email"] != "anna@example.com" || a["available_name"] != "Anna Agent" || a["role"] != "agent" {
		t.Fatalf("agent=%v", a)
	}
	for _, m := range []string{"POST", "PATCH", "DELETE"} {
		wantError(t, e.request(m, url, e.adminTk, map[string]any{"user_ids": []int64{99999}}), 422, "invalid", "User ids is invalid")
		wantError(t, e.request(m, url, e.adminTk, map[string]any{}), 422, "invalid", "param is missing or the value is empty: user_ids")
		wantError(t, e.request(m, url, e.adminTk, map[string]any{"user_ids": []any{"x"}}), 422, "invalid", "User ids is invalid")
	}
}
