package chatwoot_test

import (
	"fmt"
	"net/http"
	"testing"
)

func TestAccountLabels(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	foreign := e.foreign()
	notPermitted := "You are not authorized to do this action"
	path := e.path("/labels")

	res := e.must("POST", path, e.adminTk, map[string]any{"title": "Late-Checkout", "description": "Guests who leave after 11",
		"show_on_sidebar": true})
	assertShape(t, "label.json", parseOrdered(t, golden(t, "label.json")), res.body)
	late := num(t, res.obj(t)["id"])
	if m := res.obj(t); m["title"] != "late-checkout" || m["color"] != "#1f93ff" || m["show_on_sidebar"] != true {
		t.Fatalf("created %s", res.body)
	}
	// Rails wraps parameters under the resource's name too.
	e.must("POST", path, e.adminTk, map[string]any{"label": map[string]any{"title": "vip", "color": "#ff0000"}})

	list := func(token string) string {
		t.Helper()
		var titles []string
		for _, l := range get(t, e.must("GET", path, token, nil).obj(t), "payload").([]any) {
			titles = append(titles, get(t, l, "title").(string))
		}
		return fmt.Sprint(titles)
	}
	// Every member lists labels, by title.
	if got := list(e.agentTk); got != "[late-checkout vip]" {
		t.Fatalf("agent lists %s", got)
	}

	e.wantRefused(t, "POST", path, []refusal{
		{"Agent", e.agentTk, map[string]any{"title": "x"}, 401, "conversation_id"},
		{"Foreign", foreign, map[string]any{"title": "x"}, 401, "account_id"},
		{"Blank", e.adminTk, map[string]any{"title": " "}, 422, "title"},
		{"Taken", e.adminTk, map[string]any{"title": "VIP"}, 422, "title"},
		{"Spaces", e.adminTk, map[string]any{"title": "two words"}, 422, "title"},
		{"Color", e.adminTk, map[string]any{"title": "x", "color": "red"}, 422, "color"},
		{"TitleNotString", e.adminTk, map[string]any{"title": map[string]any{"x": 1}}, 422, "title"},
		{"SidebarNotBool", e.adminTk, map[string]any{"title": "x", "show_on_sidebar": "maybe"}, 422, "show_on_sidebar"},
	})
	if got := list(e.adminTk); got != "[late-checkout vip]" {
		t.Fatalf("after refused creates: %s", got)
	}

	one := e.path("/labels/%d", late)
	if m := e.must("GET", one, e.adminTk, nil).obj(t); m["title"] != "late-checkout" {
		t.Fatalf("show %v", m)
	}
	wantError(t, e.request("GET", one, e.agentTk, nil), 401, "forbidden", notPermitted)
	wantError(t, e.request("GET", one, foreign, nil), 401, "unauthorized", "You are not authorized to access this account")
	wantError(t, e.request("GET", e.path("/labels/%d", 1<<40), e.adminTk, nil), 404, "not_found", "Resource could not be found")

	// Renaming a label renames it on the conversations that carry it.
	conv := e.createConversation(map[string]any{})
	e.must("POST", e.path("/conversations/%d/labels", conv), e.adminTk, map[string]any{"labels": []string{"late-checkout"}})
	res = e.must("PATCH", one, e.adminTk, map[string]any{"title": "Late", "color": "#abc"})
	if m := res.obj(t); m["title"] != "late" || m["color"] != "#abc" || m["description"] != "Guests who leave after 11" {
		t.Fatalf("updated %s", res.body)
	}
	labels := get(t, e.must("GET", e.path("/conversations/%d/labels", conv), e.adminTk, nil).obj(t), "payload")
	if fmt.Sprint(labels) != "[late]" {
		t.Fatalf("conversation labels %v after the rename", labels)
	}
	wantError(t, e.request("PATCH", one, e.agentTk, map[string]any{"title": "x"}), 401, "forbidden", notPermitted)
	wantError(t, e.request("PATCH", one, e.adminTk, map[string]any{"title": "vip"}), 422, "invalid", "Title has already been taken")
	wantError(t, e.request("PUT", one, e.adminTk, map[string]any{"color": "#12"}), 422, "invalid", "")
	if m := e.must("GET", one, e.adminTk, nil).obj(t); m["title"] != "late" || m["color"] != "#abc" {
		t.Fatalf("after refused updates %v", m)
	}

	wantError(t, e.request("DELETE", one, e.agentTk, nil), 401, "forbidden", notPermitted)
	if res := e.must("DELETE", one, e.adminTk, nil); len(res.body) != 0 {
		t.Fatalf("DELETE body %q", res.body)
	}
	if got := list(e.adminTk); got != "[vip]" {
		t.Fatalf("after delete: %s", got)
	}
	wantError(t, e.request("DELETE", one, e.adminTk, nil), 404, "not_found", "Resource could not be found")
	// The conversation keeps its label.
	labels = get(t, e.must("GET", e.path("/conversations/%d/labels", conv), e.adminTk, nil).obj(t), "payload")
	if fmt.Sprint(labels) != "[late]" {
		t.Fatalf("conversation labels %v after the delete", labels)
	}
}

func TestCannedResponses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	foreign := e.foreign()
	notPermitted := "You are not authorized to do this action"
	path := e.path("/canned_responses")

	// Any member creates canned responses.
	res := e.must("POST", path, e.agentTk, map[string]any{"short_code": "wifi", "content": "The wifi password is on the fridge."})
	assertShape(t, "canned-response.json", parseOrdered(t, golden(t, "canned-response.json")), res.body)
	assertOpenAPI(t, "POST", path, res)
	wifi := num(t, res.obj(t)["id"])
	e.must("POST", path, e.adminTk, map[string]any{"canned_response": map[string]any{"short_code": "checkout",
		"content": "Please leave the keys and the wifi box."}})
	e.must("POST", path, e.adminTk, map[string]any{"short_code": "parking", "content": "Park behind the house."})

	codes := func(query string) string {
		t.Helper()
		res := e.must("GET", path+query, e.agentTk, nil)
		assertOpenAPI(t, "GET", path+query, res)
		var out []string
		for _, c := range res.json(t).([]any) {
			out = append(out, get(t, c, "short_code").(string))
		}
		return fmt.Sprint(out)
	}
	// Without a search, in creation order, as Chatwoot lists them.
	if got := codes(""); got != "[wifi checkout parking]" {
		t.Fatalf("list %s", got)
	}
	// search matches the short code or the content; short codes that start
	// with it come first.
	if got := codes("?search=wifi"); got != "[wifi checkout]" {
		t.Fatalf("search=wifi: %s", got)
	}
	if got := codes("?search=PARK"); got != "[parking]" {
		t.Fatalf("search=PARK: %s", got)
	}
	if got := codes("?search=nothing"); got != "[]" {
		t.Fatalf("search=nothing: %s", got)
	}

	e.wantRefused(t, "POST", path, []refusal{
		{"Foreign", foreign, map[string]any{"short_code": "x", "content": "y"}, 401, "account_id"},
		{"NoCode", e.adminTk, map[string]any{"content": "y"}, 422, "short_code"},
		{"NoContent", e.adminTk, map[string]any{"short_code": "x"}, 422, "content"},
		{"Taken", e.adminTk, map[string]any{"short_code": "wifi", "content": "y"}, 422, "short_code"},
		{"NotString", e.adminTk, map[string]any{"short_code": map[string]any{"x": 1}, "content": "y"}, 422, "short_code"},
	})
	if got := codes(""); got != "[wifi checkout parking]" {
		t.Fatalf("after refused creates: %s", got)
	}

	// Administrators update and delete.
	one := e.path("/canned_responses/%d", wifi)
	wantError(t, e.request("PATCH", one, e.agentTk, map[string]any{"content": "x"}), 401, "forbidden", notPermitted)
	res = e.must("PATCH", one, e.adminTk, map[string]any{"content": "Network: Acme, password on the fridge."})
	assertOpenAPI(t, "PATCH", one, res)
	if m := res.obj(t); m["short_code"] != "wifi" || m["content"] != "Network: Acme, password on the fridge." {
		t.Fatalf("updated %s", res.body)
	}
	wantError(t, e.request("PUT", one, e.adminTk, map[string]any{"short_code": "parking"}), 422, "invalid",
		"Short code has already been taken")
	wantError(t, e.request("PATCH", one, e.adminTk, map[string]any{"content": ""}), 422, "invalid", "Content can't be blank")
	wantError(t, e.request("PATCH", e.path("/canned_responses/%d", 1<<40), e.adminTk, map[string]any{"content": "x"}), 404,
		"not_found", "Resource could not be found")
	wantError(t, e.request("DELETE", one, e.agentTk, nil), 401, "forbidden", notPermitted)
	wantError(t, e.request("DELETE", one, foreign, nil), 401, "unauthorized", "You are not authorized to access this account")
	res = e.must("DELETE", one, e.adminTk, nil)
	if len(res.body) != 0 {
		t.Fatalf("DELETE body %q", res.body)
	}
	if got := codes(""); got != "[checkout parking]" {
		t.Fatalf("after delete: %s", got)
	}
	if res := e.request("DELETE", one, e.adminTk, nil); res.status != http.StatusNotFound {
		t.Fatalf("second DELETE: %d", res.status)
	}
}
