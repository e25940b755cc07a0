package chatwoot_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/api/chatwoot"
	"github.com/inboxd/inbox/internal/app"
)

// rendered is one outbox event as /cable renders it.
type rendered struct {
	event    *inbox.Event
	names    []string
	data     []map[string]any
	raw      []json.RawMessage
	audience app.Audience
}

// renderAll renders every event of the env's account written after id.
func (e *env) renderAll(after int64) []rendered {
	e.t.Helper()
	var evs []*inbox.Event
	if err := e.store.View(ctx, func(tx inbox.Tx) (err error) {
		evs, err = tx.FindEvents(ctx, e.account.ID, after, 1000)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	var out []rendered
	err := e.app.Load(ctx, app.Visibility{AccountID: e.account.ID}, func(l *app.Loader) error {
		for _, ev := range evs {
			r := rendered{event: ev}
			bs, err := chatwoot.RealtimeEvents(l, ev, "http://inbox.test", time.Now())
			if err != nil {
				return err
			}
			if r.audience, err = l.EventAudience(ev); err != nil {
				return err
			}
			for _, b := range bs {
				var msg struct {
					Event string          `json:"event"`
					Data  json.RawMessage `json:"data"`
				}
				if err := json.Unmarshal(b.Message, &msg); err != nil {
					return err
				}
				if msg.Event != b.Event {
					e.t.Errorf("message event %q, Broadcast.Event %q", msg.Event, b.Event)
				}
				var data map[string]any
				if err := json.Unmarshal(msg.Data, &data); err != nil {
					return err
				}
				r.names, r.data, r.raw = append(r.names, b.Event), append(r.data, data), append(r.raw, msg.Data)
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}

// lastEventID is the id of the newest event of the env's account.
func (e *env) lastEventID() int64 {
	e.t.Helper()
	var evs []*inbox.Event
	e.store.View(ctx, func(tx inbox.Tx) (err error) {
		evs, err = tx.FindEvents(ctx, e.account.ID, 0, 100000)
		return err
	})
	if len(evs) == 0 {
		return 0
	}
	return evs[len(evs)-1].ID
}

// keys lists an object's keys in their order on the wire.
func keys(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.Token() // {
	var out []string
	for dec.More() {
		tok, _ := dec.Token()
		out = append(out, tok.(string))
		var skip json.RawMessage
		dec.Decode(&skip)
	}
	return out
}

func TestRealtimeEvents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	start := e.lastEventID()
	conv := e.createConversation(map[string]any{"contact_id": e.contact.ID})
	in := e.postMessage(conv, e.adminTk, map[string]any{"content": "Hello?", "message_type": "incoming"})
	reply := e.postMessage(conv, e.adminTk, map[string]any{"content": "Hi Jane"})
	note := e.postMessage(conv, e.adminTk, map[string]any{"content": "VIP guest", "private": true})
	e.must("POST", e.path("/conversations/%d/assignments", conv), e.adminTk, map[string]any{"assignee_id": e.agent.ID})
	e.must("POST", e.path("/conversations/%d/toggle_status", conv), e.adminTk, map[string]any{"status": "resolved"})
	hidden := e.createConversation(map[string]any{"contact_id": e.contact.ID, "inbox_id": e.other.ID})

	var got []string
	byName := map[string]rendered{}
	for _, r := range e.renderAll(start) {
		if len(r.names) == 0 {
			// Participant events are not Chatwoot realtime events.
			if !strings.HasPrefix(r.event.Type, "participant.") {
				t.Errorf("%s renders nothing", r.event.Type)
			}
			continue
		}
		got = append(got, r.event.Type+":"+strings.Join(r.names, "+"))
		for _, n := range r.names {
			byName[n] = r
		}
	}
	want := []string{"conversation.created:conversation.created", "message.created:message.created",
		"message.created:message.created+first.reply.created", "message.created:message.created",
		"message.created:message.created", "conversation.updated:assignee.changed+conversation.updated",
		"message.created:message.created",
		"conversation.status_changed:conversation.status_changed+conversation.updated",
		"conversation.created:conversation.created"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("events:\n got %v\nwant %v", got, want)
	}

	t.Run("ConversationEventShape", func(t *testing.T) {
		r := byName["conversation.status_changed"]
		wantKeys := "additional_attributes can_reply channel contact_inbox id inbox_id messages labels meta status " +
			"custom_attributes snoozed_until unread_count first_reply_created_at priority waiting_since " +
			"agent_last_seen_at contact_last_seen_at last_activity_at timestamp created_at updated_at account_id performer"
		if k := strings.Join(keys(t, r.raw[0]), " "); k != wantKeys {
			t.Errorf("keys:\n got %s\nwant %s", k, wantKeys)
		}
		d := r.data[0]
		if d["id"] != float64(conv) || d["status"] != "resolved" || d["channel"] != "Channel::Api" {
			t.Errorf("id, status, channel = %v %v %v", d["id"], d["status"], d["channel"])
		}
		// The newest public message other than an activity line: the
		// reply, not the private note after it.
		msgs := d["messages"].([]any)
		if len(msgs) != 1 || msgs[0].(map[string]any)["id"] != float64(reply) {
			t.Errorf("messages=%v, want the reply %d alone", msgs, reply)
		}
		meta := d["meta"].(map[string]any)
		if k := strings.Join(keys(t, mustJSON(t, meta)), " "); !strings.Contains(k, "sender") {
			t.Errorf("meta keys %s", k)
		}
		if meta["sender"].(map[string]any)["type"] != "contact" || meta["assignee"].(map[string]any)["id"] != float64(e.agent.ID) ||
			meta["assignee_type"] != "User" || meta["team"] != nil {
			t.Errorf("meta=%v", meta)
		}
		ci := d["contact_inbox"].(map[string]any)
		if ci["contact_id"] != float64(e.contact.ID) || ci["inbox_id"] != float64(e.apiBox.ID) || ci["pubsub_token"] != nil {
			t.Errorf("contact_inbox=%v", ci)
		}
		if _, ok := d["first_reply_created_at"].(string); !ok {
			t.Errorf("first_reply_created_at=%v, want an ISO time", d["first_reply_created_at"])
		}
		if d["performer"].(map[string]any)["id"] != float64(e.admin.ID) || d["account_id"] != float64(e.account.ID) {
			t.Errorf("performer, account_id = %v, %v", d["performer"], d["account_id"])
		}
	})

	t.Run("MessagePushShape", func(t *testing.T) {
		var incoming, private map[string]any
		for _, r := range e.renderAll(start) {
			for i, n := range r.names {
				if n == "message.created" && r.data[i]["id"] == float64(in) {
					incoming = r.data[i]
				}
				if n == "message.created" && r.data[i]["id"] == float64(note) {
					private = r.data[i]
				}
			}
		}
		if incoming["message_type"] != float64(0) || incoming["sender_type"] != "Contact" || incoming["account_id"] != float64(e.account.ID) {
			t.Errorf("incoming=%v", incoming)
		}
		if private["private"] != true {
			t.Errorf("private note private=%v, want true (agents see notes)", private["private"])
		}
	})

	t.Run("Audience", func(t *testing.T) {
		var rs []rendered
		for _, r := range e.renderAll(start) {
			if len(r.names) > 0 {
				rs = append(rs, r)
			}
		}
		shown, hiddenR := rs[0], rs[len(rs)-1]
		if hiddenR.data[0]["id"] != float64(hidden) {
			t.Fatalf("last event is not the other inbox's conversation")
		}
		if !shown.audience.Sees(e.admin.ID) || !shown.audience.Sees(e.agent.ID) {
			t.Errorf("the API inbox's event: %v, want the administrator and the agent", shown.audience.Hosts)
		}
		if !hiddenR.audience.Sees(e.admin.ID) || hiddenR.audience.Sees(e.agent.ID) {
			t.Errorf("the other inbox's event: %v, want the administrator alone", hiddenR.audience.Hosts)
		}
	})
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
