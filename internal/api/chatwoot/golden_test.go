package chatwoot_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
)

// goldenScenario replays the scenario of the examples: conversation "41"
// (Tom Baker, unassigned, urgent, one unread incoming message) and
// conversation "42" (Jane Doe: incoming message, admin self-assigns, opens
// it, replies, writes a private note, adds two labels).
type goldenScenario struct {
	conv41, conv42 int64
	tom            *inbox.Client
	// createReply is the body of the reply's create response.
	createReply response
	replyID     int64
	incomingID  int64
}

func newGoldenScenario(e *env) *goldenScenario {
	e.t.Helper()
	s := &goldenScenario{}
	s.tom = e.mustClient(&inbox.Client{Fullname: "Tom Baker", Phone: "+447700900123", Identifier: "guest-8812",
		AdditionalAttributes: inbox.Attributes{"city": "Bristol"}, LastActivityAt: inbox.TimePtr(time.Now().Add(-2 * time.Hour))})
	s.conv41 = e.createConversation(map[string]any{"contact_id": s.tom.ID, "priority": "urgent"})
	e.postMessage(s.conv41, e.adminTk, map[string]any{"content": "Is early check-in possible tomorrow?",
		"message_type": "incoming", "source_id": "guest-msg-8990"})

	s.conv42 = e.createConversation(map[string]any{"custom_attributes": map[string]any{"booking_id": "123"}})
	s.incomingID = e.postMessage(s.conv42, e.adminTk, map[string]any{"content": "Hi, I need help with booking 123",
		"message_type": "incoming", "source_id": "guest-msg-9001"})
	e.must("POST", e.path("/conversations/%d/assignments", s.conv42), e.adminTk, map[string]any{"assignee_id": e.admin.ID})
	e.must("POST", e.path("/conversations/%d/update_last_seen", s.conv42), e.adminTk, nil)
	s.createReply = e.must("POST", e.path("/conversations/%d/messages", s.conv42), e.adminTk,
		golden(e.t, "message-create-request.json"))
	s.replyID = num(e.t, s.createReply.obj(e.t)["id"])
	e.must("POST", e.path("/conversations/%d/messages", s.conv42), e.adminTk, golden(e.t, "private-note-create-request.json"))
	e.must("POST", e.path("/conversations/%d/labels", s.conv42), e.adminTk, map[string]any{"labels": []string{"booking", "vip"}})
	return s
}

func TestGolden(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	s := newGoldenScenario(e)

	t.Run("ConversationShow", func(t *testing.T) {
		res := e.must("GET", e.path("/conversations/%d", s.conv42), e.adminTk, nil)
		assertShape(t, "conversation-show.json", parseOrdered(t, golden(t, "conversation-show.json")), res.body)
		c := res.obj(t)
		for _, tc := range []struct {
			path []any
			want any
		}{
			{[]any{"id"}, json.Number(fmt.Sprint(s.conv42))},
			{[]any{"account_id"}, json.Number(fmt.Sprint(e.account.ID))},
			{[]any{"inbox_id"}, json.Number(fmt.Sprint(e.apiBox.ID))},
			{[]any{"status"}, "open"},
			{[]any{"meta", "channel"}, "Channel::Api"},
			{[]any{"meta", "sender", "name"}, "Jane Doe"},
			{[]any{"meta", "sender", "email"}, "jane@example.com"},
			{[]any{"meta", "assignee", "name"}, "Agent Smith"},
			{[]any{"meta", "assignee", "role"}, "administrator"},
			{[]any{"meta", "assignee_type"}, "User"},
			{[]any{"messages", 0, "content"}, "Agent Smith added booking, vip"},
			{[]any{"messages", 0, "message_type"}, json.Number("2")},
			{[]any{"messages", 0, "conversation_id"}, json.Number(fmt.Sprint(s.conv42))},
			{[]any{"messages", 0, "conversation", "assignee_id"}, json.Number(fmt.Sprint(e.admin.ID))},
			{[]any{"last_non_activity_message", "content"}, "Repeat guest, offer late checkout."},
			{[]any{"last_non_activity_message", "private"}, true},
			{[]any{"last_non_activity_message", "sender_type"}, "User"},
			{[]any{"last_non_activity_message", "sender_id"}, json.Number(fmt.Sprint(e.admin.ID))},
			{[]any{"labels", 0}, "booking"},
			{[]any{"labels", 1}, "vip"},
			{[]any{"custom_attributes", "booking_id"}, "123"},
			{[]any{"unread_count"}, json.Number("0")},
			{[]any{"waiting_since"}, json.Number("0")},
			{[]any{"contact_last_seen_at"}, json.Number("0")},
			{[]any{"can_reply"}, true},
			{[]any{"muted"}, false},
			{[]any{"priority"}, nil},
			{[]any{"snoozed_until"}, nil},
		} {
			if got := get(t, c, tc.path...); got != tc.want {
				t.Errorf("%v=%v, want %v", tc.path, got, tc.want)
			}
		}
		for _, k := range []string{"agent_last_seen_at", "assignee_last_seen_at", "first_reply_created_at", "created_at", "timestamp"} {
			if num(t, c[k]) == 0 {
				t.Errorf("%s=0, want a time", k)
			}
		}
		if get(t, c, "timestamp") != get(t, c, "last_activity_at") {
			t.Errorf("timestamp=%v, want last_activity_at %v", c["timestamp"], c["last_activity_at"])
		}
		if get(t, c, "messages", 0, "created_at") != get(t, c, "last_activity_at") {
			t.Errorf("messages[0].created_at=%v, want last_activity_at %v", get(t, c, "messages", 0, "created_at"), c["last_activity_at"])
		}
	})

	t.Run("ConversationList", func(t *testing.T) {
		res := e.must("GET", e.path("/conversations?assignee_type=all&status=open&page=1"), e.adminTk, nil)
		want := parseOrdered(t, golden(t, "conversation-list.json"))
		// Teams are not modelled: meta.team is never sent.
		want.drop("team", "data", "payload", 1, "meta")
		assertShape(t, "conversation-list.json", want, res.body)
		body := res.obj(t)
		if got := get(t, body, "data", "payload", 0, "id"); num(t, got) != s.conv42 {
			t.Errorf("payload[0].id=%v, want %v (newest activity first)", got, s.conv42)
		}
		if got := get(t, body, "data", "payload", 1, "priority"); got != "urgent" {
			t.Errorf("payload[1].priority=%v, want urgent", got)
		}
		if got := num(t, get(t, body, "data", "payload", 1, "unread_count")); got != 1 {
			t.Errorf("payload[1].unread_count=%v, want 1", got)
		}
		if got := get(t, body, "data", "payload", 1, "meta", "sender", "additional_attributes", "city"); got != "Bristol" {
			t.Errorf("payload[1].meta.sender.additional_attributes.city=%v, want Bristol", got)
		}
		wantCounts(t, get(t, body, "data", "meta"), map[string]int64{"mine_count": 1, "assigned_count": 1,
			"unassigned_count": 1, "all_count": 2})
	})

	t.Run("ConversationMeta", func(t *testing.T) {
		res := e.must("GET", e.path("/conversations/meta?status=open"), e.adminTk, nil)
		assertShape(t, "conversation-meta.json", parseOrdered(t, golden(t, "conversation-meta.json")), res.body)
		wantCounts(t, get(t, res.obj(t), "meta"), map[string]int64{"mine_count": 1, "assigned_count": 1,
			"unassigned_count": 1, "all_count": 2})
	})

	t.Run("ConversationFilter", func(t *testing.T) {
		res := e.must("POST", e.path("/conversations/filter?page=1"), e.adminTk, golden(t, "conversation-filter-request.json"))
		want := parseOrdered(t, golden(t, "conversation-filter-response.json"))
		want.drop("team", "payload", 0, "meta")
		assertShape(t, "conversation-filter-response.json", want, res.body)
		body := res.obj(t)
		if got := num(t, get(t, body, "payload", 0, "id")); got != s.conv41 {
			t.Errorf("payload[0].id=%v, want %v", got, s.conv41)
		}
		wantCounts(t, get(t, body, "meta"), map[string]int64{"mine_count": 0, "unassigned_count": 1, "all_count": 1})
	})

	t.Run("MessagesIndex", func(t *testing.T) {
		res := e.must("GET", e.path("/conversations/%d/messages", s.conv42), e.adminTk, nil)
		assertShape(t, "messages-index.json", parseOrdered(t, golden(t, "messages-index.json")), res.body)
		body := res.obj(t)
		if got := num(t, get(t, body, "meta", "contact", "id")); got != e.contact.ID {
			t.Errorf("meta.contact.id=%v, want the conversation's contact %v", got, e.contact.ID)
		}
		wantContents := []string{"Hi, I need help with booking 123", "Agent Smith self-assigned this conversation",
			"Sure, let me check booking 123.", "Repeat guest, offer late checkout.", "Agent Smith added booking, vip"}
		for i, want := range wantContents {
			if got := get(t, body, "payload", i, "content"); got != want {
				t.Errorf("payload[%d].content=%v, want %q", i, got, want)
			}
		}
		if got := get(t, body, "payload", 0, "source_id"); got != "guest-msg-9001" {
			t.Errorf("payload[0].source_id=%v, want guest-msg-9001", got)
		}
		if get(t, body, "meta", "agent_last_seen_at") == nil {
			t.Errorf("meta.agent_last_seen_at=null, want the time the admin opened it")
		}
	})

	t.Run("MessageCreate", func(t *testing.T) {
		assertShape(t, "message-create-response.json", parseOrdered(t, golden(t, "message-create-response.json")), s.createReply.body)
		m := s.createReply.obj(t)
		if m["content"] != "Sure, let me check booking 123." || num(t, m["message_type"]) != 1 || m["private"] != false {
			t.Errorf("created message %s, want the outgoing reply", s.createReply.body)
		}
	})

	t.Run("Labels", func(t *testing.T) {
		res := e.must("GET", e.path("/conversations/%d/labels", s.conv42), e.adminTk, nil)
		if want := compact(t, golden(t, "labels-response.json")); string(res.body) != want {
			t.Errorf("labels=%s, want %s", res.body, want)
		}
	})

	t.Run("Assignment", func(t *testing.T) {
		res := e.must("POST", e.path("/conversations/%d/assignments", s.conv41), e.adminTk, map[string]any{"assignee_id": e.admin.ID})
		assertShape(t, "assignment-response.json", parseOrdered(t, golden(t, "assignment-response.json")), res.body)
		want := fmt.Sprintf(`{"id":%d,"account_id":%d,"availability_status":"online","auto_offline":true,"confirmed":true,`+
			`"email":"agent@example.com","provider":"email","available_name":"Agent Smith","name":"Agent Smith",`+
			`"role":"administrator","thumbnail":"","custom_role_id":null}`, e.admin.ID, e.account.ID)
		if string(res.body) != want {
			t.Errorf("assignment=%s, want %s", res.body, want)
		}
	})

	t.Run("ToggleStatus", func(t *testing.T) {
		res := e.must("POST", e.path("/conversations/%d/toggle_status", s.conv42), e.adminTk, golden(t, "toggle-status-request.json"))
		want := fmt.Sprintf(`{"payload":{"success":true,"conversation_id":%d,"current_status":"snoozed",`+
			`"snoozed_until":"2024-06-02T10:00:00.000Z"}}`, s.conv42)
		if string(res.body) != want {
			t.Errorf("toggle_status=%s, want %s", res.body, want)
		}
		assertShape(t, "toggle-status-response.json", parseOrdered(t, golden(t, "toggle-status-response.json")), res.body)
	})

	t.Run("MessageDelete", func(t *testing.T) {
		res := e.must("DELETE", e.path("/conversations/%d/messages/%d", s.conv42, s.replyID), e.adminTk, nil)
		assertShape(t, "message-delete-response.json", parseOrdered(t, golden(t, "message-delete-response.json")), res.body)
		m := res.obj(t)
		if m["content"] != "This message was deleted" || get(t, m, "content_attributes", "deleted") != true {
			t.Errorf("deleted message %s, want the deleted content and content_attributes.deleted", res.body)
		}
	})
}

func wantCounts(t *testing.T, meta any, want map[string]int64) {
	t.Helper()
	for k, v := range want {
		if got := num(t, get(t, meta, k)); got != v {
			t.Errorf("meta.%s=%d, want %d", k, got, v)
		}
	}
}

// compact removes insignificant whitespace from a golden file.
func compact(t *testing.T, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}
