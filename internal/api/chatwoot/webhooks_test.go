package chatwoot_test

import (
	"fmt"
	"regexp"
	"testing"
)

func TestWebhooksAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	hooks := e.path("/webhooks")
	// Rails wraps top-level parameters into webhook: both forms work.
	wrapped := e.must("POST", hooks, e.adminTk, map[string]any{"webhook": map[string]any{
		"url": "https://n8n.example/hook", "subscriptions": []string{"message_created", "conversation_created"}, "name": "n8n"}})
	top := e.must("POST", hooks, e.adminTk, map[string]any{"url": "https://crm.example/in", "subscriptions": []string{"contact_created"}})
	w := wrapped.obj(t)["payload"].(map[string]any)["webhook"].(map[string]any)
	if w["url"] != "https://n8n.example/hook" || w["name"] != "n8n" || fmt.Sprint(w["subscriptions"]) != "[message_created conversation_created]" ||
		w["account_id"] != jsonNum(e.account.ID) || w["active"] != true || w["disabled_at"] != nil {
		t.Fatalf("created: %s", wrapped.body)
	}
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(fmt.Sprint(w["secret"])) {
		t.Fatalf("secret %v, want 64 hex characters", w["secret"])
	}
	id := num(t, w["id"])
	if top.obj(t)["payload"].(map[string]any)["webhook"].(map[string]any)["url"] != "https://crm.example/in" {
		t.Fatalf("created from top-level parameters: %s", top.body)
	}

	t.Run("List", func(t *testing.T) {
		list := e.must("GET", hooks, e.adminTk, nil).obj(t)["payload"].(map[string]any)["webhooks"].([]any)
		if len(list) != 2 || list[0].(map[string]any)["secret"] != w["secret"] {
			t.Fatalf("list: %v", list)
		}
	})

	// Webhooks are the administrators': an agent is refused as Chatwoot
	// refuses it, with a 401.
	t.Run("Agent", func(t *testing.T) {
		for _, m := range []string{"GET", "POST"} {
			if r := e.request(m, hooks, e.agentTk, map[string]any{"url": "https://x.example", "subscriptions": []string{"message_created"}}); r.status != 401 {
				t.Fatalf("%s as an agent: %d %s", m, r.status, r.body)
			}
		}
		if r := e.request("DELETE", fmt.Sprintf("%s/%d", hooks, id), e.agentTk, nil); r.status != 401 {
			t.Fatalf("DELETE as an agent: %d %s", r.status, r.body)
		}
	})

	t.Run("Invalid", func(t *testing.T) {
		for _, body := range []map[string]any{
			{"url": "https://x.example", "subscriptions": []string{"message_exploded"}},
			{"url": "https://x.example"},
			{"url": "javascript:alert(1)", "subscriptions": []string{"message_created"}},
			{"url": "http://169.254.169.254/latest", "subscriptions": []string{"message_created"}},
			{"url": "http://[fe80::1]/x", "subscriptions": []string{"message_created"}},
		} {
			r := e.request("POST", hooks, e.adminTk, body)
			if r.status != 422 {
				t.Errorf("%v: %d %s, want 422", body, r.status, r.body)
				continue
			}
			if attrs, _ := r.obj(t)["attributes"].([]any); len(attrs) != 1 {
				t.Errorf("%v: %s, want Chatwoot's record-invalid body", body, r.body)
			}
		}
	})

	t.Run("UpdateAndDelete", func(t *testing.T) {
		up := e.must("PATCH", fmt.Sprintf("%s/%d", hooks, id), e.adminTk, map[string]any{"webhook": map[string]any{
			"url": "https://n8n.example/v2", "subscriptions": []string{"message_updated"}}})
		w2 := up.obj(t)["payload"].(map[string]any)["webhook"].(map[string]any)
		if w2["url"] != "https://n8n.example/v2" || fmt.Sprint(w2["subscriptions"]) != "[message_updated]" || w2["secret"] != w["secret"] {
			t.Fatalf("updated: %s", up.body)
		}
		if r := e.must("DELETE", fmt.Sprintf("%s/%d", hooks, id), e.adminTk, nil); len(r.body) != 0 {
			t.Fatalf("delete answered %q, want Chatwoot's empty 200", r.body)
		}
		if r := e.request("PATCH", fmt.Sprintf("%s/%d", hooks, id), e.adminTk, map[string]any{"url": "https://x.example"}); r.status != 404 {
			t.Fatalf("update of a deleted webhook: %d %s", r.status, r.body)
		}
	})
}
