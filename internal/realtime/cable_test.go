package realtime_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/realtime"
)

func TestCable(t *testing.T) {
	t.Parallel()
	e := newEnv(t, realtime.Limits{})

	t.Run("RejectsBadIdentifiers", func(t *testing.T) {
		c := e.dial("actioncable-v1-json")
		good := map[string]any{"channel": "RoomChannel", "pubsub_token": e.app.PubSubToken(e.agent),
			"account_id": e.account.ID, "user_id": e.agent.ID}
		for name, change := range map[string]func(m map[string]any){
			"wrong token":         func(m map[string]any) { m["pubsub_token"] = e.app.PubSubToken(e.admin) },
			"no token":            func(m map[string]any) { delete(m, "pubsub_token") },
			"other user":          func(m map[string]any) { m["user_id"] = e.admin.ID },
			"other account":       func(m map[string]any) { m["account_id"] = e.account.ID + 1000 },
			"no user (a contact)": func(m map[string]any) { delete(m, "user_id") },
			"other channel":       func(m map[string]any) { m["channel"] = "ConversationChannel" },
		} {
			m := map[string]any{}
			for k, v := range good {
				m[k] = v
			}
			change(m)
			id, _ := json.Marshal(m)
			if got := c.subscribe(string(id), nil); got != "reject_subscription" {
				t.Errorf("%s: %s, want reject_subscription", name, got)
			}
		}
		if got := c.subscribe("not json", nil); got != "reject_subscription" {
			t.Errorf("malformed identifier: %s, want reject_subscription", got)
		}
		// Ids as strings, as Rails params may come.
		id, _ := json.Marshal(map[string]any{"channel": "RoomChannel", "pubsub_token": e.app.PubSubToken(e.agent),
			"account_id": fmt.Sprint(e.account.ID), "user_id": fmt.Sprint(e.agent.ID)})
		if got := c.subscribe(string(id), nil); got != "confirm_subscription" {
			t.Errorf("string ids: %s, want confirm_subscription", got)
		}
	})

	t.Run("InboxMembersAndAdministrators", func(t *testing.T) {
		admin, agent := e.dial("actioncable-v1-json"), e.dial("actioncable-v1-json")
		if got := admin.subscribe(e.roomID(e.admin), nil); got != "confirm_subscription" {
			t.Fatalf("admin: %s", got)
		}
		if got := agent.subscribe(e.roomID(e.agent), nil); got != "confirm_subscription" {
			t.Fatalf("agent: %s", got)
		}
		hidden := e.conversation(e.other) // the agent is not a member
		shown := e.conversation(e.apiBox)
		msg := e.post(shown, "Your keys are in the lockbox.")

		// The administrator sees both inboxes, in commit order.
		var adminEvents []string
		for len(adminEvents) < 4 {
			b := admin.nextBroadcast()
			adminEvents = append(adminEvents, fmt.Sprintf("%s:%v", b.Event, b.Data["id"]))
		}
		want := []string{fmt.Sprintf("conversation.created:%d", hidden), fmt.Sprintf("conversation.created:%d", shown),
			fmt.Sprintf("message.created:%d", msg), fmt.Sprintf("first.reply.created:%d", msg)}
		if strings.Join(adminEvents, " ") != strings.Join(want, " ") {
			t.Errorf("admin got %v, want %v", adminEvents, want)
		}

		// The agent sees its inbox only.
		b := agent.nextBroadcast()
		if b.Event != "conversation.created" || int64(b.Data["id"].(float64)) != shown {
			t.Fatalf("agent's first broadcast %s %v, want conversation.created of %d", b.Event, b.Data["id"], shown)
		}
		if got := b.Data["account_id"]; got != float64(e.account.ID) {
			t.Errorf("account_id=%v, want %d", got, e.account.ID)
		}
		if got := b.Data["performer"].(map[string]any)["id"]; got != float64(e.admin.ID) {
			t.Errorf("performer.id=%v, want the administrator %d", got, e.admin.ID)
		}
		b = agent.nextBroadcast()
		if b.Event != "message.created" || b.Data["content"] != "Your keys are in the lockbox." ||
			int64(b.Data["conversation_id"].(float64)) != shown || b.Data["sender_type"] != "User" {
			t.Errorf("agent's second broadcast %s %v, want the message", b.Event, b.Data)
		}
		if b.Offset == 0 {
			t.Errorf("broadcast without its event's position")
		}
		if b2 := agent.nextBroadcast(); b2.Event != "first.reply.created" || b2.Data["id"] != b.Data["id"] || b2.Offset != b.Offset {
			t.Errorf("agent's third broadcast %s %v (offset %d), want first.reply.created of the message (offset %d)",
				b2.Event, b2.Data["id"], b2.Offset, b.Offset)
		}
		agent.quiet(300 * time.Millisecond)
	})

	t.Run("StatusChangeIsTwoEvents", func(t *testing.T) {
		c := e.dial("actioncable-v1-json")
		c.subscribe(e.roomID(e.admin), nil)
		id := e.conversation(e.apiBox)
		e.api("POST", fmt.Sprintf("/conversations/%d/toggle_status", id), e.adminTk, map[string]any{"status": "resolved"})
		var got []string
		for len(got) < 4 {
			b := c.nextBroadcast()
			if b.Data["id"] == float64(id) || b.Data["conversation_id"] == float64(id) {
				got = append(got, b.Event)
				if b.Event == "conversation.status_changed" && b.Data["status"] != "resolved" {
					t.Errorf("status_changed status=%v, want resolved", b.Data["status"])
				}
			}
		}
		want := "conversation.created message.created conversation.status_changed conversation.updated"
		if strings.Join(got, " ") != want {
			t.Errorf("events %v, want %s", got, want)
		}
	})

	t.Run("Pings", func(t *testing.T) {
		c := e.dial("actioncable-v1-json")
		m, err := c.read(5 * time.Second)
		if err != nil || m["type"] != "ping" {
			t.Fatalf("got %v, %v, want a ping", m, err)
		}
		if ts, _ := m["message"].(float64); time.Since(time.Unix(int64(ts), 0)) > time.Minute {
			t.Errorf("ping message=%v, want the time", m["message"])
		}
	})

	t.Run("RemovedAgentIsDisconnected", func(t *testing.T) {
		leaving, _ := e.mustHost("Leo", inbox.RoleAgent)
		stays := e.dial("actioncable-v1-json")
		stays.subscribe(e.roomID(e.agent), nil)
		c := e.dial("actioncable-v1-json")
		if got := c.subscribe(e.roomID(leaving), nil); got != "confirm_subscription" {
			t.Fatalf("subscribe: %s", got)
		}
		if err := app.NewAdmin(e.app).DeleteHost(ctx, e.account.ID, leaving.ID); err != nil {
			t.Fatal(err)
		}
		m := c.next()
		for m["type"] == nil {
			m = c.next()
		}
		if m["type"] != "disconnect" || m["reason"] != "unauthorized" || m["reconnect"] != false {
			t.Errorf("removed agent got %v, want disconnect unauthorized without reconnect", m)
		}
		// The others stay subscribed.
		conv := e.conversation(e.apiBox)
		if b := stays.nextBroadcast(); b.Event != "conversation.created" || b.Data["id"] != float64(conv) {
			t.Errorf("the remaining agent got %s %v", b.Event, b.Data["id"])
		}
	})

	t.Run("UpdatePresenceIsAccepted", func(t *testing.T) {
		c := e.dial("actioncable-v1-json")
		id := e.roomID(e.agent)
		c.subscribe(id, nil)
		c.send(map[string]any{"command": "message", "identifier": id, "data": `{"action":"update_presence"}`})
		c.send(map[string]any{"command": "nonsense"})
		conv := e.conversation(e.apiBox)
		if b := c.nextBroadcast(); b.Event != "conversation.created" || b.Data["id"] != float64(conv) {
			t.Errorf("after update_presence: %s %v, want the next event", b.Event, b.Data["id"])
		}
	})
}

func TestCableLimits(t *testing.T) {
	t.Parallel()

	t.Run("ConnectionsPerNode", func(t *testing.T) {
		e := newEnv(t, realtime.Limits{MaxConnections: 2})
		e.dial("actioncable-v1-json")
		e.dial("actioncable-v1-json")
		req, _ := http.NewRequest("GET", e.srv.URL+"/cable", nil)
		req.Header.Set("Connection", "Upgrade")
		req.Header.Set("Upgrade", "websocket")
		req.Header.Set("Sec-WebSocket-Version", "13")
		req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
			t.Errorf("third connection: %d (Retry-After %q), want 503 with Retry-After", res.StatusCode, res.Header.Get("Retry-After"))
		}
	})

	t.Run("SlowConsumerIsDisconnected", func(t *testing.T) {
		// The server's sockets hold little, so a client that stops reading
		// blocks a write at once: it is dropped when the write times out
		// (or its queue fills). The timeout leaves a reading client, on a
		// loaded machine under the race detector, ample time to read.
		e := newEnv(t, realtime.Limits{WriteTimeout: 2 * time.Second}, smallSendBuffers)
		slow, fast := e.dialSmall("actioncable-v1-json"), e.dial("actioncable-v1-json")
		slow.subscribe(e.roomID(e.admin), nil)
		fast.subscribe(e.roomID(e.admin), nil)
		// The slow client stops reading; big messages fill its socket
		// buffers, then its queue.
		const posts = 100
		fastDone := make(chan int)
		go func() {
			got := 0
			for ; got < posts+2; got++ { // conversation.created, first.reply.created, the messages
				if _, err := fast.read(10 * time.Second); err != nil {
					break
				}
			}
			fastDone <- got
		}()
		id := e.conversation(e.apiBox)
		big := strings.Repeat("x", 20<<10)
		for i := 0; i < posts; i++ {
			e.post(id, fmt.Sprintf("%d %s", i, big))
		}
		if got := <-fastDone; got < posts+2 {
			t.Fatalf("the reading client got %d messages, want at least %d", got, posts+2)
		}
		// The server must give up on the slow one while it still does not
		// read: reading now would unblock the server's write, and on a fast
		// machine all the posts can be over before the write timeout.
		for wait := time.Now(); e.hub.Connections() > 1; time.Sleep(20 * time.Millisecond) {
			if time.Since(wait) > 30*time.Second {
				t.Fatalf("%d connections 30 s after the slow client stopped reading, want the slow one dropped", e.hub.Connections())
			}
		}
		// The slow one reads what reached its socket, then finds the
		// connection closed. Pings would keep a live connection readable
		// for ever, so the reading is bounded too.
		read := 0
		for deadline := time.Now().Add(30 * time.Second); ; {
			if time.Now().After(deadline) {
				t.Fatalf("slow client still reading after %d messages, want the connection closed", read)
			}
			m, err := slow.read(5 * time.Second)
			if err != nil {
				if strings.Contains(err.Error(), "deadline exceeded") {
					t.Fatalf("slow client still connected after %d messages", read)
				}
				break
			}
			if _, ok := m["message"].(map[string]any); ok {
				read++
			}
		}
		if read >= posts+2 {
			t.Errorf("slow client read all %d broadcasts, want it dropped before", read)
		}
	})

	t.Run("ShutdownSaysServerRestart", func(t *testing.T) {
		e := newEnv(t, realtime.Limits{})
		c := e.dial("actioncable-v1-json")
		c.subscribe(e.roomID(e.admin), nil)
		e.hub.Shutdown()
		m := c.next()
		for m["type"] == nil {
			m = c.next()
		}
		if m["type"] != "disconnect" || m["reason"] != "server_restart" || m["reconnect"] != true {
			t.Errorf("got %v, want disconnect server_restart", m)
		}
	})
}

// TestCableOddIdentifiers: an identifier with control and non-ASCII
// characters comes back intact in valid JSON.
func TestCableOddIdentifiers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, realtime.Limits{})
	c := e.dial("actioncable-v1-ext-json")
	var id map[string]any
	json.Unmarshal([]byte(e.roomID(e.admin)), &id)
	id["note"] = "tab\there \x01 ünïcode \u2028"
	b, _ := json.Marshal(id)
	if got := c.subscribe(string(b), nil); got != "confirm_subscription" {
		t.Fatalf("subscribe: %s", got)
	}
	conv := e.conversation(e.apiBox)
	m := c.next()
	if m["identifier"] != string(b) || m["message"].(map[string]any)["data"].(map[string]any)["id"] != float64(conv) {
		t.Errorf("broadcast %v, want the identifier back and the conversation", m)
	}
}
