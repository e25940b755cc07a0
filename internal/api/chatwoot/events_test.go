package chatwoot_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/api/chatwoot"
	"github.com/inboxd/inbox/internal/app"
)

// lastEvent returns the newest event of a type about a subject.
func (e *env) lastEvent(typ string, subject int64) *inbox.Event {
	e.t.Helper()
	var found *inbox.Event
	err := e.store.View(context.Background(), func(tx inbox.Tx) error {
		evs, err := tx.FindEvents(context.Background(), e.account.ID, 0, 1<<20)
		for _, ev := range evs {
			if ev.Type == typ && ev.SubjectID == subject {
				found = ev
			}
		}
		return err
	})
	if err != nil || found == nil {
		e.t.Fatalf("no %s event about %d (%v)", typ, subject, err)
	}
	return found
}

// mustContactInbox makes sure the contact of a conversation has its
// contact inbox record (the one its source id names).
func (e *env) mustContactInbox(displayID int64) {
	e.t.Helper()
	ctx := context.Background()
	err := e.store.Update(ctx, func(tx inbox.Tx) error {
		c, err := tx.FindConversationByDisplayID(ctx, e.account.ID, displayID)
		if err != nil {
			return err
		}
		found, err := tx.FindContactInboxes(ctx, e.account.ID, inbox.ContactInboxFilter{InboxID: &c.InboxID, SourceID: c.ContactSourceID})
		if err != nil || len(found) > 0 {
			return err
		}
		return tx.CreateContactInbox(ctx, &inbox.ContactInbox{AccountID: e.account.ID, ClientID: *c.ClientID,
			InboxID: c.InboxID, SourceID: c.ContactSourceID})
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

// encode renders an event's webhook payloads for a visibility.
func (e *env) encode(ev *inbox.Event, vis app.Visibility) []app.EventPayload {
	e.t.Helper()
	var out []app.EventPayload
	err := e.app.Load(context.Background(), vis, func(l *app.Loader) (err error) {
		out, err = chatwoot.EncodeEvent(l, ev, "http://inboxd.test", time.Now())
		return err
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// TestEncodeEvent renders the webhooks of the examples' scenario and
// compares them with Chatwoot's recorded bodies, key by key.
func TestEncodeEvent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	all := app.Visibility{AccountID: e.account.ID}

	conv := e.createConversation(map[string]any{"custom_attributes": map[string]any{"booking_id": "123"}})
	e.postMessage(conv, e.adminTk, map[string]any{"content": "Hi, I need help with booking 123",
		"message_type": "incoming", "source_id": "guest-msg-9001"})
	e.must("POST", e.path("/conversations/%d/assignments", conv), e.adminTk, map[string]any{"assignee_id": e.admin.ID})
	e.must("POST", e.path("/conversations/%d/update_last_seen", conv), e.adminTk, nil)
	reply := e.must("POST", e.path("/conversations/%d/messages", conv), e.adminTk, golden(t, "message-create-request.json"))
	replyID := num(t, reply.obj(t)["id"])
	e.mustContactInbox(conv)

	t.Run("MessageCreated", func(t *testing.T) {
		got := e.encode(e.lastEvent(inbox.EventMessageCreated, replyID), all)
		if len(got) != 1 || got[0].Name != "message_created" {
			t.Fatalf("payloads=%v, want one message_created", names(got))
		}
		assertShape(t, "webhook-message-created.json", parseOrdered(t, golden(t, "webhook-message-created.json")), got[0].Body)
		var m map[string]any
		json.Unmarshal(got[0].Body, &m)
		conv := m["conversation"].(map[string]any)
		for k, want := range map[string]any{"content": "Sure, let me check booking 123.", "message_type": "outgoing",
			"event": "message_created", "private": false} {
			if m[k] != want {
				t.Errorf("%s=%v, want %v", k, m[k], want)
			}
		}
		if got := conv["messages"].([]any)[0].(map[string]any)["id"]; got != float64(replyID) {
			t.Errorf("conversation.messages[0].id=%v, want the reply %d", got, replyID)
		}
	})

	// Activity lines are never sent; neither is anything to a reader that
	// does not see the conversation's inbox.
	t.Run("NotSent", func(t *testing.T) {
		var activity int64
		e.store.View(context.Background(), func(tx inbox.Tx) error {
			ms, _, err := tx.FindMessages(context.Background(), e.account.ID, inbox.MessageFilter{})
			for _, m := range ms {
				if m.Kind == inbox.KindActivity {
					activity = m.ID
				}
			}
			return err
		})
		if got := e.encode(e.lastEvent(inbox.EventMessageCreated, activity), all); len(got) != 0 {
			t.Fatalf("activity payloads=%v, want none", names(got))
		}
		other := app.Visibility{AccountID: e.account.ID, InboxIDs: []int64{e.other.ID}}
		if got := e.encode(e.lastEvent(inbox.EventMessageCreated, replyID), other); len(got) != 0 {
			t.Fatalf("other inbox payloads=%v, want none", names(got))
		}
	})

	e.must("POST", e.path("/conversations/%d/messages", conv), e.adminTk, golden(t, "private-note-create-request.json"))
	e.must("POST", e.path("/conversations/%d/labels", conv), e.adminTk, map[string]any{"labels": []string{"booking", "vip"}})
	e.must("POST", e.path("/conversations/%d/toggle_status", conv), e.adminTk, map[string]any{"status": "resolved"})

	t.Run("StatusChanged", func(t *testing.T) {
		var id int64
		e.store.View(context.Background(), func(tx inbox.Tx) error {
			c, err := tx.FindConversationByDisplayID(context.Background(), e.account.ID, conv)
			if err == nil {
				id = c.ID
			}
			return err
		})
		got := e.encode(e.lastEvent(inbox.EventConversationStatusChanged, id), all)
		if len(got) != 2 || got[0].Name != "conversation_status_changed" || got[1].Name != "conversation_updated" {
			t.Fatalf("payloads=%v, want conversation_status_changed, conversation_updated", names(got))
		}
		want := parseOrdered(t, golden(t, "webhook-conversation-status-changed.json"))
		assertShape(t, "webhook-conversation-status-changed.json", want, got[0].Body)
		var m map[string]any
		json.Unmarshal(got[1].Body, &m)
		ch := fmt.Sprint(m["changed_attributes"])
		if m["event"] != "conversation_updated" || ch != "[map[status:map[current_value:resolved previous_value:open]]]" {
			t.Fatalf("event=%v changed_attributes=%s", m["event"], ch)
		}
	})
}

// TestEncodeInboxEvents: inbox_updated carries what changed, as Chatwoot's
// listener sends it; an update that changed nothing is not sent.
func TestEncodeInboxEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	all := app.Visibility{AccountID: e.account.ID}
	e.must("PATCH", e.path("/inboxes/%d", e.apiBox.ID), e.adminTk, map[string]any{"name": "Website API"})
	got := e.encode(e.lastEvent(inbox.EventInboxUpdated, e.apiBox.ID), all)
	if len(got) != 1 || got[0].Name != "inbox_updated" {
		t.Fatalf("payloads %v", names(got))
	}
	want := fmt.Sprintf(`{"id":%d,"name":"Website API","event":"inbox_updated","changed_attributes":[{"name":{"previous_value":%q,"current_value":"Website API"}}]}`,
		e.apiBox.ID, e.apiBox.Name)
	if string(got[0].Body) != want {
		t.Fatalf("body %s, want %s", got[0].Body, want)
	}
	e.must("PATCH", e.path("/inboxes/%d", e.apiBox.ID), e.adminTk, map[string]any{"name": "Website API"})
	if got := e.encode(e.lastEvent(inbox.EventInboxUpdated, e.apiBox.ID), all); len(got) != 0 {
		t.Fatalf("an update that changed nothing: %v", names(got))
	}
}

func names(ps []app.EventPayload) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}
