package chatwoot_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// searchIDs runs one of the search endpoints and returns the ids of each
// kind it answered with.
func (e *env) searchIDs(token, kind, query string) map[string][]int64 {
	e.t.Helper()
	path := e.path("/search")
	if kind != "" {
		path += "/" + kind
	}
	body := e.must("GET", path+query, token, nil).obj(e.t)
	out := map[string][]int64{}
	for k, list := range get(e.t, body, "payload").(map[string]any) {
		out[k] = []int64{}
		for _, x := range list.([]any) {
			out[k] = append(out[k], num(e.t, get(e.t, x, "id")))
		}
	}
	return out
}

func TestSearch(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	foreign := e.foreign()

	// The agent works in the API inbox only; the other inbox's
	// conversation is the administrator's.
	jane := e.contact
	towels := e.createConversation(map[string]any{"assignee_id": e.admin.ID})
	inside := e.postMessage(towels, e.adminTk, map[string]any{"content": "Where are the towels? The cupboard is empty.",
		"message_type": "incoming"})
	reply := e.postMessage(towels, e.adminTk, map[string]any{"content": "Towels, towels: the towels are in the closet."})
	outside := e.createConversation(map[string]any{"inbox_id": e.other.ID})
	hidden := e.postMessage(outside, e.adminTk, map[string]any{"content": "Fresh towels tomorrow", "message_type": "incoming"})
	bob := e.mustClient(&inbox.Client{Fullname: "Bob Stone", Email: "bstone@example.net", Phone: "+15550100"})
	keeper := e.mustClient(&inbox.Client{Fullname: "Cupboard Keeper", Email: "keeper@example.com", LastActivityAt: inbox.TimePtr(time.Now())})
	// Another account has a contact and a message with the same words.
	acc := e.mustAccount("Towels Elsewhere", inbox.AccountTrial)
	_, otherTk := mustHostIn(t, e.app, acc.ID, "Mal", "Lory", "mal@towels.example", inbox.RoleAdministrator)
	twin := &inbox.Client{AccountID: acc.ID, Fullname: "Jane Doe", Email: "jane@example.com"}
	if err := app.NewAdmin(e.app).CreateClient(ctx, twin); err != nil {
		t.Fatal(err)
	}
	otherBox := mustInboxIn(t, e.app, acc.ID, "Towels API", inbox.ChannelAPI)
	res := e.must("POST", fmt.Sprintf("/api/v1/accounts/%d/conversations", acc.ID), otherTk,
		map[string]any{"inbox_id": otherBox.ID, "contact_id": twin.ID})
	e.must("POST", fmt.Sprintf("/api/v1/accounts/%d/conversations/%d/messages", acc.ID, num(t, res.obj(t)["id"])), otherTk,
		map[string]any{"content": "towels towels towels"})

	t.Run("Shape", func(t *testing.T) {
		// One of each kind.
		res := e.must("GET", e.path("/search?q=cupboard"), e.agentTk, nil)
		assertShape(t, "search.json", parseOrdered(t, golden(t, "search.json")), res.body)
		m := res.obj(t)
		if got := get(t, m, "payload", "conversations", 0, "message", "content"); got != "Where are the towels? The cupboard is empty." {
			t.Errorf("conversation message=%v, want its first message", got)
		}
		if got := num(t, get(t, m, "payload", "contacts", 0, "id")); got != keeper.ID {
			t.Errorf("contact %d, want the keeper %d", got, keeper.ID)
		}
		if got := num(t, get(t, m, "payload", "messages", 0, "id")); got != inside {
			t.Errorf("message %d, want %d", got, inside)
		}
		if got := get(t, m, "payload", "conversations", 0, "agent", "name"); got != "Agent Smith" {
			t.Errorf("conversation agent=%v", got)
		}
	})

	for _, tc := range []struct {
		name, kind, query string
		token             string
		want              map[string][]int64
	}{
		{"MessagesAdministrator", "messages", "?q=towels", e.adminTk, map[string][]int64{"messages": {reply, inside, hidden}}},
		{"MessagesAgent", "messages", "?q=towels", e.agentTk, map[string][]int64{"messages": {reply, inside}}},
		{"WordPrefix", "messages", "?q=towe", e.agentTk, map[string][]int64{"messages": {reply, inside}}},
		{"EveryWord", "messages", "?q=towels+closet", e.adminTk, map[string][]int64{"messages": {reply}}},
		{"CaseFolded", "messages", "?q=CLOSET", e.adminTk, map[string][]int64{"messages": {reply}}},
		{"NoWord", "messages", "?q=%21%21", e.adminTk, map[string][]int64{"messages": {}}},
		{"Conversations", "conversations", "?q=towels", e.adminTk, map[string][]int64{"conversations": {towels, outside}}},
		{"ConversationsAgent", "conversations", "?q=towels", e.agentTk, map[string][]int64{"conversations": {towels}}},
		{"ConversationByContact", "conversations", "?q=jane", e.agentTk, map[string][]int64{"conversations": {towels}}},
		{"ContactEmail", "contacts", "?q=bstone@example.net", e.agentTk, map[string][]int64{"contacts": {bob.ID}}},
		{"ContactPhone", "contacts", "?q=%2B1555", e.agentTk, map[string][]int64{"contacts": {bob.ID}}},
		{"ContactName", "contacts", "?q=jane+doe", e.agentTk, map[string][]int64{"contacts": {jane.ID}}},
		{"All", "", "?q=jane", e.agentTk, map[string][]int64{"conversations": {towels}, "contacts": {jane.ID}, "messages": {}}},
		{"Empty", "", "", e.adminTk, map[string][]int64{"conversations": {}, "contacts": {}, "messages": {}}},
		{"Page2", "messages", "?q=towels&page=2", e.adminTk, map[string][]int64{"messages": {}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := e.searchIDs(tc.token, tc.kind, tc.query)
			for k, ids := range got {
				got[k] = sorted(ids)
			}
			for k, ids := range tc.want {
				tc.want[k] = sorted(ids)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}

	t.Run("Ranked", func(t *testing.T) {
		// The message that says towels three times comes first.
		for _, token := range []string{e.adminTk, e.agentTk} {
			if got := e.searchIDs(token, "messages", "?q=towels")["messages"]; got[0] != reply {
				t.Fatalf("ranked %v, want %d first", got, reply)
			}
		}
	})

	t.Run("Paged", func(t *testing.T) {
		conv := e.createConversation(map[string]any{})
		for i := 0; i < 16; i++ {
			e.postMessage(conv, e.adminTk, map[string]any{"content": fmt.Sprintf("parcel number %d", i)})
		}
		first := e.searchIDs(e.adminTk, "messages", "?q=parcel")["messages"]
		second := e.searchIDs(e.adminTk, "messages", "?q=parcel&page=2")["messages"]
		if len(first) != 15 || len(second) != 1 {
			t.Fatalf("pages of %d and %d, want 15 and 1", len(first), len(second))
		}
		for _, id := range first {
			if id == second[0] {
				t.Fatalf("%d on both pages", id)
			}
		}
		wantError(t, e.request("GET", e.path("/search/messages?q=parcel&page=x"), e.adminTk, nil), 422, "invalid", "")
	})

	t.Run("SameTransaction", func(t *testing.T) {
		// A renamed contact is found by its new name at once, not by the old.
		e.must("PUT", e.path("/contacts/%d", bob.ID), e.adminTk, map[string]any{"name": "Robert Stone"})
		if got := e.searchIDs(e.agentTk, "contacts", "?q=robert")["contacts"]; fmt.Sprint(got) != fmt.Sprint([]int64{bob.ID}) {
			t.Fatalf("robert → %v", got)
		}
		if got := e.searchIDs(e.agentTk, "contacts", "?q=bob")["contacts"]; len(got) != 0 {
			t.Fatalf("bob → %v after the rename", got)
		}
		// A deleted contact is not found.
		e.must("DELETE", e.path("/contacts/%d", bob.ID), e.adminTk, nil)
		if got := e.searchIDs(e.agentTk, "contacts", "?q=robert")["contacts"]; len(got) != 0 {
			t.Fatalf("robert → %v after the delete", got)
		}
	})

	t.Run("Tenancy", func(t *testing.T) {
		// The other account's twin contact and towels message are not
		// found here (the cases above found ours only), and the other
		// account finds only its own.
		res := e.must("GET", fmt.Sprintf("/api/v1/accounts/%d/search?q=jane", acc.ID), otherTk, nil)
		m := res.obj(t)
		if n := len(get(t, m, "payload", "contacts").([]any)); n != 1 || num(t, get(t, m, "payload", "contacts", 0, "id")) != twin.ID {
			t.Fatalf("other account's contacts: %s", res.body)
		}
		res = e.must("GET", fmt.Sprintf("/api/v1/accounts/%d/search/messages?q=towels", acc.ID), otherTk, nil)
		if n := len(get(t, res.obj(t), "payload", "messages").([]any)); n != 1 {
			t.Fatalf("other account's messages: %s", res.body)
		}
		wantError(t, e.request("GET", e.path("/search?q=towels"), foreign, nil), http.StatusUnauthorized, "unauthorized",
			"You are not authorized to access this account")
	})

	t.Run("Errors", func(t *testing.T) {
		long := strings.Repeat("a", inbox.MaxFilterValueLength+1)
		res := e.request("GET", e.path("/search/messages?q=%s", long), e.adminTk, nil)
		wantError(t, res, http.StatusUnprocessableEntity, "invalid", "")
		if got := get(t, res.obj(t), "errors", 0, "field"); got != "q" {
			t.Fatalf("field=%v, want q", got)
		}
	})

	t.Run("ConversationSearch", func(t *testing.T) {
		// /conversations/search answers like the conversation list.
		for _, tc := range []struct {
			token string
			want  []int64
		}{{e.adminTk, []int64{towels, outside}}, {e.agentTk, []int64{towels}}} {
			body := e.must("GET", e.path("/conversations/search?q=towels"), tc.token, nil).obj(t)
			var ids []int64
			for _, c := range get(t, body, "data", "payload").([]any) {
				ids = append(ids, num(t, get(t, c, "id")))
			}
			if fmt.Sprint(sorted(ids)) != fmt.Sprint(sorted(tc.want)) {
				t.Fatalf("ids=%v, want %v", ids, tc.want)
			}
		}
	})
}
