package chatwoot_test

import (
	"fmt"
	"testing"

	inbox "github.com/inboxd/inbox"
)

func TestInboxes(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	foreign := e.foreign()
	notPermitted := "You are not authorized to do this action"

	var boxID int64
	t.Run("Create", func(t *testing.T) {
		path := e.path("/inboxes")
		res := e.must("POST", path, e.adminTk, map[string]any{"name": "Website API",
			"channel":          map[string]any{"type": "api", "webhook_url": "https://hooks.example/inboxd"},
			"greeting_enabled": true}) // settings inboxd does not have are ignored
		assertShape(t, "inbox-show.json", parseOrdered(t, golden(t, "inbox-show.json")), res.body)
		assertOpenAPI(t, "POST", path, res)
		m := res.obj(t)
		boxID = num(t, m["id"])
		if m["webhook_url"] != "https://hooks.example/inboxd" || m["channel_type"] != "Channel::Api" || m["name"] != "Website API" {
			t.Fatalf("inbox %s", res.body)
		}
		// The webhook URL is stored on the inbox, for its events.
		var stored *inbox.Inbox
		err := e.store.View(ctx, func(tx inbox.Tx) (err error) { stored, err = tx.FindInboxByID(ctx, e.account.ID, boxID); return err })
		if err != nil || stored.WebhookURL != "https://hooks.example/inboxd" {
			t.Fatalf("stored inbox %+v, %v", stored, err)
		}
	})

	t.Run("ErrCreate", func(t *testing.T) {
		count := len(e.mustInboxes())
		e.wantRefused(t, "POST", e.path("/inboxes"), []refusal{
			{"Agent", e.agentTk, map[string]any{"name": "X", "channel": map[string]any{"type": "api"}}, 401, "conversation_id"},
			{"NoName", e.adminTk, map[string]any{"channel": map[string]any{"type": "api"}}, 422, "name"},
			{"OtherChannel", e.adminTk, map[string]any{"name": "X", "channel": map[string]any{"type": "web_widget"}}, 422, "channel"},
			{"ChannelNotObject", e.adminTk, map[string]any{"name": "X", "channel": "api"}, 422, "channel"},
			{"BadWebhook", e.adminTk, map[string]any{"name": "X", "channel": map[string]any{"type": "api", "webhook_url": "ftp://x"}}, 422, "webhook_url"},
			{"ForeignAccount", foreign, map[string]any{"name": "X"}, 401, "account_id"},
		})
		if n := len(e.mustInboxes()); n != count {
			t.Fatalf("inboxes %d → %d: a refused create wrote one", count, n)
		}
	})

	t.Run("ListAndShow", func(t *testing.T) {
		path := e.path("/inboxes")
		res := e.must("GET", path, e.adminTk, nil)
		assertOpenAPI(t, "GET", path, res)
		var names []string
		for _, b := range get(t, res.obj(t), "payload").([]any) {
			names = append(names, get(t, b, "name").(string))
		}
		if fmt.Sprint(names) != "[API Website API Website API]" {
			t.Fatalf("administrator lists %v, by name", names)
		}
		// The agent works in the default API inbox only.
		list := get(t, e.must("GET", path, e.agentTk, nil).obj(t), "payload").([]any)
		if len(list) != 1 || num(t, get(t, list[0], "id")) != e.apiBox.ID {
			t.Fatalf("agent lists %v", list)
		}
		show := e.path("/inboxes/%d", boxID)
		assertOpenAPI(t, "GET", show, e.must("GET", show, e.adminTk, nil))
		e.must("GET", e.path("/inboxes/%d", e.apiBox.ID), e.agentTk, nil)
		wantError(t, e.request("GET", show, e.agentTk, nil), 401, "forbidden", notPermitted)
		wantError(t, e.request("GET", e.path("/inboxes/%d", 1<<40), e.adminTk, nil), 404, "not_found", "Resource could not be found")
		wantError(t, e.request("GET", show, foreign, nil), 401, "unauthorized", "You are not authorized to access this account")
	})

	t.Run("Update", func(t *testing.T) {
		path := e.path("/inboxes/%d", boxID)
		res := e.must("PATCH", path, e.adminTk, map[string]any{"name": "Site", "channel": map[string]any{"webhook_url": ""}})
		assertOpenAPI(t, "PATCH", path, res)
		if m := res.obj(t); m["name"] != "Site" || m["webhook_url"] != nil {
			t.Fatalf("after update %s", res.body)
		}
		wantError(t, e.request("PATCH", path, e.agentTk, map[string]any{"name": "Agent's"}), 401, "forbidden", notPermitted)
		wantError(t, e.request("PUT", path, e.adminTk, map[string]any{"name": " "}), 422, "invalid", "Name can't be blank")
		if m := e.must("GET", path, e.adminTk, nil).obj(t); m["name"] != "Site" {
			t.Fatalf("name=%v after refused updates", m["name"])
		}
	})

	t.Run("Members", func(t *testing.T) {
		path := e.path("/inbox_members/%d", boxID)
		res := e.must("GET", path, e.adminTk, nil)
		assertOpenAPI(t, "GET", path, res)
		if list := get(t, res.obj(t), "payload").([]any); len(list) != 0 {
			t.Fatalf("new inbox has members %v", list)
		}
		// The agent does not work in it yet.
		wantError(t, e.request("GET", path, e.agentTk, nil), 401, "forbidden", notPermitted)
		res = e.must("POST", e.path("/inbox_members"), e.adminTk, map[string]any{"inbox_id": boxID, "user_ids": []int64{e.agent.ID}})
		assertOpenAPI(t, "POST", e.path("/inbox_members"), res)
		e.must("GET", path, e.agentTk, nil)
		e.must("GET", e.path("/inboxes/%d", boxID), e.agentTk, nil)
		res = e.must("PATCH", e.path("/inbox_members"), e.adminTk, map[string]any{"inbox_id": boxID,
			"user_ids": []int64{e.admin.ID}})
		list := get(t, res.obj(t), "payload").([]any)
		if len(list) != 1 || num(t, get(t, list[0], "id")) != e.admin.ID {
			t.Fatalf("after setting members: %s", res.body)
		}
		wantError(t, e.request("GET", path, e.agentTk, nil), 401, "forbidden", notPermitted)
		for _, tc := range []struct {
			token  string
			body   map[string]any
			status int
		}{
			{e.agentTk, map[string]any{"inbox_id": boxID, "user_ids": []int64{e.agent.ID}}, 401},
			{e.adminTk, map[string]any{"inbox_id": boxID, "user_ids": []int64{1 << 40}}, 422},
			{e.adminTk, map[string]any{"inbox_id": boxID}, 422},
			{e.adminTk, map[string]any{"user_ids": []int64{e.agent.ID}}, 422},
			{e.adminTk, map[string]any{"inbox_id": 1 << 40, "user_ids": []int64{e.agent.ID}}, 404},
		} {
			if res := e.request("POST", e.path("/inbox_members"), tc.token, tc.body); res.status != tc.status {
				t.Errorf("POST %v: status %d, want %d; body %s", tc.body, res.status, tc.status, res.body)
			}
		}
		res = e.request("DELETE", e.path("/inbox_members"), e.adminTk, map[string]any{"inbox_id": boxID, "user_ids": []int64{e.admin.ID}})
		if res.status != 200 || len(res.body) != 0 {
			t.Fatalf("DELETE: %d %q", res.status, res.body)
		}
		if list := get(t, e.must("GET", path, e.adminTk, nil).obj(t), "payload").([]any); len(list) != 0 {
			t.Fatalf("members after DELETE: %v", list)
		}
	})
}

func TestAgents(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	foreign := e.foreign()
	notPermitted := "You are not authorized to do this action"

	path := e.path("/agents")
	res := e.must("GET", path, e.agentTk, nil)
	assertOpenAPI(t, "GET", path, res)
	var names []string
	for _, a := range res.json(t).([]any) {
		names = append(names, get(t, a, "name").(string))
	}
	if fmt.Sprint(names) != "[Agent Smith Anna Agent]" {
		t.Fatalf("agents %v, want by name", names)
	}

	res = e.must("POST", path, e.adminTk, map[string]any{"name": "Bea Agent", "email": "bea@example.com", "role": "agent",
		"availability_status": "available", "auto_offline": true})
	assertShape(t, "agent.json", parseOrdered(t, golden(t, "agent.json")), res.body)
	assertOpenAPI(t, "POST", path, res)
	bea := num(t, res.obj(t)["id"])
	if m := res.obj(t); m["availability_status"] != "online" || m["role"] != "agent" || m["name"] != "Bea Agent" {
		t.Fatalf("created %s", res.body)
	}

	e.wantRefused(t, "POST", path, []refusal{
		{"Agent", e.agentTk, map[string]any{"name": "X Y", "email": "x@example.com"}, 401, "conversation_id"},
		{"EmailTaken", e.adminTk, map[string]any{"name": "X Y", "email": "BEA@example.com"}, 422, "email"},
		{"NoEmail", e.adminTk, map[string]any{"name": "X Y"}, 422, "email"},
		{"NoName", e.adminTk, map[string]any{"email": "x@example.com"}, 422, "name"},
		{"BadRole", e.adminTk, map[string]any{"name": "X Y", "email": "x@example.com", "role": "owner"}, 422, "role"},
		{"BadAvailability", e.adminTk, map[string]any{"name": "X Y", "email": "x@example.com", "availability": "away"}, 422, "availability_status"},
		{"Foreign", foreign, map[string]any{"name": "X Y", "email": "x@example.com"}, 401, "account_id"},
	})
	if n := len(e.must("GET", path, e.adminTk, nil).json(t).([]any)); n != 3 {
		t.Fatalf("%d agents after refused creates, want 3", n)
	}

	one := e.path("/agents/%d", bea)
	res = e.must("PATCH", one, e.adminTk, map[string]any{"role": "administrator", "name": "Bea Boss", "availability": "busy"})
	assertOpenAPI(t, "PATCH", one, res)
	if m := res.obj(t); m["role"] != "administrator" || m["name"] != "Bea Boss" || m["availability_status"] != "busy" {
		t.Fatalf("updated %s", res.body)
	}
	wantError(t, e.request("PATCH", one, e.agentTk, map[string]any{"role": "agent"}), 401, "forbidden", notPermitted)
	wantError(t, e.request("PATCH", one, e.adminTk, map[string]any{"role": "owner"}), 422, "invalid", "Role is not included in the list")
	wantError(t, e.request("PATCH", e.path("/agents/%d", 1<<40), e.adminTk, map[string]any{"role": "agent"}), 404, "not_found",
		"Resource could not be found")

	// An agent promoted to administrator acts as one at once: here, the
	// agent (a member of the API inbox only) becomes an administrator and
	// sees the other inbox.
	other := e.path("/inboxes/%d", e.other.ID)
	wantError(t, e.request("GET", other, e.agentTk, nil), 401, "forbidden", notPermitted)
	e.must("PATCH", e.path("/agents/%d", e.agent.ID), e.adminTk, map[string]any{"role": "administrator"})
	e.must("GET", other, e.agentTk, nil)

	// Removing an agent: its token stops working, it is no longer listed,
	// its assigned conversations are released, its messages keep its name.
	conv := e.createConversation(map[string]any{"assignee_id": e.agent.ID})
	e.postMessage(conv, e.agentTk, map[string]any{"content": "On it"})
	e.must("DELETE", e.path("/agents/%d", e.agent.ID), e.adminTk, nil)
	wantError(t, e.request("GET", path, e.agentTk, nil), 401, "unauthorized", "Invalid Access Token")
	for _, a := range e.must("GET", path, e.adminTk, nil).json(t).([]any) {
		if num(t, get(t, a, "id")) == e.agent.ID {
			t.Fatalf("the removed agent is still listed")
		}
	}
	c := e.must("GET", e.path("/conversations/%d", conv), e.adminTk, nil).obj(t)
	if _, assigned := get(t, c, "meta").(map[string]any)["assignee"]; assigned {
		t.Fatalf("the removed agent's conversation is still assigned: %v", get(t, c, "meta"))
	}
	msgs := e.must("GET", e.path("/conversations/%d/messages", conv), e.adminTk, nil).obj(t)
	last := get(t, msgs, "payload").([]any)
	if got := get(t, last[len(last)-1], "sender", "name"); got != "Anna Agent" {
		t.Fatalf("the removed agent's message sender=%v", got)
	}
	// Its e-mail is free again.
	e.must("POST", path, e.adminTk, map[string]any{"name": "Anna Again", "email": "anna@example.com"})
	wantError(t, e.request("DELETE", e.path("/agents/%d", e.agent.ID), e.adminTk, nil), 404, "not_found",
		"Resource could not be found")
}
