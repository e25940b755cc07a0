package chatwoot_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// errorCase is one entry of testdata/errors.json.
type errorCase struct {
	Case   string          `json:"case"`
	Status int             `json:"status"`
	Inboxd json.RawMessage `json:"inboxd"`
}

func errorCases(t *testing.T) map[string]errorCase {
	t.Helper()
	var cases []errorCase
	if err := json.Unmarshal(golden(t, "errors.json"), &cases); err != nil {
		t.Fatal(err)
	}
	out := map[string]errorCase{}
	for _, c := range cases {
		out[c.Case] = c
	}
	return out
}

// endpoints lists every route with a request that would otherwise succeed
// or fail later; {c} is a conversation display id and {m} a message id.
var endpoints = []struct{ method, path string }{
	{"GET", "/conversations"},
	{"GET", "/conversations/meta"},
	{"POST", "/conversations/filter"},
	{"POST", "/conversations"},
	{"GET", "/conversations/{c}"},
	{"PATCH", "/conversations/{c}"},
	{"PUT", "/conversations/{c}"},
	{"DELETE", "/conversations/{c}"},
	{"POST", "/conversations/{c}/toggle_status"},
	{"POST", "/conversations/{c}/toggle_priority"},
	{"POST", "/conversations/{c}/assignments"},
	{"GET", "/conversations/{c}/labels"},
	{"POST", "/conversations/{c}/labels"},
	{"POST", "/conversations/{c}/custom_attributes"},
	{"POST", "/conversations/{c}/update_last_seen"},
	{"POST", "/conversations/{c}/unread"},
	{"POST", "/conversations/{c}/mute"},
	{"POST", "/conversations/{c}/unmute"},
	{"GET", "/conversations/{c}/participants"},
	{"POST", "/conversations/{c}/participants"},
	{"PATCH", "/conversations/{c}/participants"},
	{"DELETE", "/conversations/{c}/participants"},
	{"GET", "/conversations/{c}/messages"},
	{"POST", "/conversations/{c}/messages"},
	{"PATCH", "/conversations/{c}/messages/{m}"},
	{"DELETE", "/conversations/{c}/messages/{m}"},
}

func fill(path string, conv, msg int64) string {
	return strings.NewReplacer("{c}", itoa(conv), "{m}", itoa(msg)).Replace(path)
}

// wantBody fails unless the body is the golden inboxd body of a case: same
// status, keys in the same order, same values.
func wantBody(t *testing.T, res response, c errorCase) {
	t.Helper()
	if res.status != c.Status {
		t.Fatalf("%s: status=%d, want %d; body %s", c.Case, res.status, c.Status, res.body)
	}
	if ct := res.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Fatalf("%s: Content-Type=%q", c.Case, ct)
	}
	assertShape(t, c.Case, parseOrdered(t, c.Inboxd), res.body)
	var want, got any
	if err := json.Unmarshal(c.Inboxd, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(res.body, &got); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("%s: body\n  %s\nwant\n  %s", c.Case, res.body, c.Inboxd)
	}
}

func TestAuth(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := errorCases(t)
	conv := e.createConversation(map[string]any{})
	msg := e.postMessage(conv, e.adminTk, map[string]any{"content": "hi"})

	t.Run("ErrMissingToken", func(t *testing.T) {
		for _, ep := range endpoints {
			res := e.request(ep.method, e.path("%s", fill(ep.path, conv, msg)), "", map[string]any{})
			wantBody(t, res, cases["missing_token"])
		}
	})

	t.Run("ErrInvalidToken", func(t *testing.T) {
		for _, ep := range endpoints {
			res := e.request(ep.method, e.path("%s", fill(ep.path, conv, msg)), "not-a-token", map[string]any{})
			wantBody(t, res, cases["invalid_token"])
		}
	})

	t.Run("ErrApplicationToken", func(t *testing.T) {
		wantBody(t, e.request("GET", e.path("/conversations"), e.applicationToken(), nil), cases["invalid_token"])
	})

	t.Run("HeaderForms", func(t *testing.T) {
		for _, tc := range []struct {
			name   string
			header map[string]string
			status int
		}{
			{"Bearer", map[string]string{"Authorization": "Bearer " + e.adminTk}, 200},
			{"Dashed", map[string]string{"api-access-token": e.adminTk}, 200},
			{"Canonical", map[string]string{"Api_access_token": e.adminTk}, 200},
			// api_access_token wins over a valid bearer token: no fallback.
			{"NoFallback", map[string]string{"api_access_token": "wrong", "Authorization": "Bearer " + e.adminTk}, 401},
		} {
			t.Run(tc.name, func(t *testing.T) {
				req, _ := http.NewRequest("GET", e.srv.URL+e.path("/conversations/%d", conv), nil)
				for k, v := range tc.header {
					req.Header[k] = []string{v}
				}
				res, err := e.srv.Client().Do(req)
				if err != nil {
					t.Fatal(err)
				}
				res.Body.Close()
				if res.StatusCode != tc.status {
					t.Fatalf("status=%d, want %d", res.StatusCode, tc.status)
				}
			})
		}
	})

	t.Run("ErrForeignAccount", func(t *testing.T) {
		other := e.mustAccount("Other Rentals", inbox.AccountPaying)
		_, tok := mustHostIn(t, e.app, other.ID, "Otto", "Other", "otto@example.com", inbox.RoleAdministrator)
		for _, ep := range endpoints {
			res := e.request(ep.method, e.path("%s", fill(ep.path, conv, msg)), tok, map[string]any{})
			wantBody(t, res, cases["foreign_account"])
		}
	})

	t.Run("ErrSuspendedAccount", func(t *testing.T) {
		susp := e.mustAccount("Gone Rentals", inbox.AccountSuspended)
		_, tok := mustHostIn(t, e.app, susp.ID, "Sue", "Spended", "sue@example.com", inbox.RoleAdministrator)
		wantBody(t, e.request("GET", "/api/v1/accounts/"+itoa(susp.ID)+"/conversations", tok, nil), cases["account_suspended"])
		// The suspension is reported before membership, as in Chatwoot.
		wantBody(t, e.request("GET", "/api/v1/accounts/"+itoa(susp.ID)+"/conversations", e.adminTk, nil), cases["account_suspended"])
	})

	t.Run("ErrUnknownAccount", func(t *testing.T) {
		for _, id := range []string{"999999", "abc", "0"} {
			res := e.request("GET", "/api/v1/accounts/"+id+"/conversations", e.adminTk, nil)
			wantError(t, res, 404, "not_found", "Resource could not be found")
		}
	})

	t.Run("ErrUnknownRoute", func(t *testing.T) {
		res := e.request("GET", e.path("/conversations/%d/nothing_here", conv), e.adminTk, nil)
		wantError(t, res, 404, "not_found", "Resource could not be found")
	})
}

func TestTenancy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := errorCases(t)
	// Account B has conversations 1..3; account A (the env's) only 1.
	b := e.mustAccount("Bee Rentals", inbox.AccountPaying)
	bBox := mustInboxIn(t, e.app, b.ID, "B API", inbox.ChannelAPI)
	_, bTok := mustHostIn(t, e.app, b.ID, "Bea", "Bee", "bea@example.com", inbox.RoleAdministrator)
	for i := 0; i < 3; i++ {
		res := e.must("POST", "/api/v1/accounts/"+itoa(b.ID)+"/conversations", bTok, map[string]any{
			"inbox_id": bBox.ID, "contact_id": mustClientIn(t, e, b.ID).ID})
		_ = res
	}
	own := e.createConversation(map[string]any{})
	if own != 1 {
		t.Fatalf("display id=%d, want 1", own)
	}

	t.Run("ErrOtherAccountsDisplayID", func(t *testing.T) {
		for _, ep := range endpoints[4:] {
			res := e.request(ep.method, e.path("%s", fill(ep.path, 3, 1)), e.adminTk, map[string]any{})
			wantBody(t, res, cases["not_found"])
		}
	})

	t.Run("ErrOtherAccountsIDs", func(t *testing.T) {
		// A contact, inbox and host of B are unknown in A.
		bHost, _ := mustHostIn(t, e.app, b.ID, "Ben", "Bee", "ben@example.com", inbox.RoleAgent)
		bClient := mustClientIn(t, e, b.ID)
		wantError(t, e.request("POST", e.path("/conversations"), e.adminTk, map[string]any{"inbox_id": bBox.ID,
			"contact_id": e.contact.ID}), 422, "invalid", "Inbox is invalid")
		wantError(t, e.request("POST", e.path("/conversations"), e.adminTk, map[string]any{"inbox_id": e.apiBox.ID,
			"contact_id": bClient.ID}), 422, "invalid", "Contact is invalid")
		wantError(t, e.request("POST", e.path("/conversations/%d/assignments", own), e.adminTk,
			map[string]any{"assignee_id": bHost.ID}), 422, "invalid", "Assignee is invalid")
		wantError(t, e.request("POST", e.path("/conversations/%d/participants", own), e.adminTk,
			map[string]any{"user_ids": []int64{bHost.ID}}), 422, "invalid", "User ids is invalid")
	})

	t.Run("ListsOnlyOwnAccount", func(t *testing.T) {
		body := e.must("GET", e.path("/conversations?status=all"), e.adminTk, nil).obj(t)
		if n := len(get(t, body, "data", "payload").([]any)); n != 1 {
			t.Fatalf("listed %d conversations, want 1", n)
		}
	})
}

func mustClientIn(t *testing.T, e *env, accountID int64) *inbox.Client {
	t.Helper()
	c := &inbox.Client{AccountID: accountID, Fullname: "Guest Person"}
	if err := app.NewAdmin(e.app).CreateClient(ctx, c); err != nil {
		t.Fatal(err)
	}
	return c
}

func TestRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cases := errorCases(t)
	// One conversation in the agent's inbox, one in an inbox without them.
	mine := e.createConversation(map[string]any{})
	theirs := e.createConversation(map[string]any{"inbox_id": e.other.ID})
	msg := e.postMessage(theirs, e.adminTk, map[string]any{"content": "hi"})

	t.Run("ErrAgentOutsideInbox", func(t *testing.T) {
		for _, ep := range endpoints[4:] {
			res := e.request(ep.method, e.path("%s", fill(ep.path, theirs, msg)), e.agentTk,
				map[string]any{"user_ids": []int64{e.agent.ID}, "labels": []string{"x"}, "custom_attributes": map[string]any{}})
			wantBody(t, res, cases["not_permitted"])
		}
		res := e.request("POST", e.path("/conversations"), e.agentTk, map[string]any{"inbox_id": e.other.ID,
			"contact_id": e.contact.ID})
		wantBody(t, res, cases["not_permitted"])
	})

	t.Run("AgentInsideInbox", func(t *testing.T) {
		e.must("GET", e.path("/conversations/%d", mine), e.agentTk, nil)
		e.must("PATCH", e.path("/conversations/%d", mine), e.agentTk, map[string]any{"priority": "low"})
		e.must("POST", e.path("/conversations/%d/messages", mine), e.agentTk, map[string]any{"content": "on it"})
		e.must("POST", e.path("/conversations"), e.agentTk, map[string]any{"inbox_id": e.apiBox.ID, "contact_id": e.contact.ID})
	})

	t.Run("AdminSeesEverything", func(t *testing.T) {
		e.must("GET", e.path("/conversations/%d", theirs), e.adminTk, nil)
		e.must("GET", e.path("/conversations/%d/messages", theirs), e.adminTk, nil)
	})

	t.Run("ListsFollowMembership", func(t *testing.T) {
		ids := func(token string) []int64 {
			body := e.must("GET", e.path("/conversations?status=all"), token, nil).obj(t)
			var out []int64
			for _, c := range get(t, body, "data", "payload").([]any) {
				out = append(out, num(t, c.(map[string]any)["id"]))
			}
			return out
		}
		for _, id := range ids(e.agentTk) {
			if id == theirs {
				t.Fatalf("agent lists %d, a conversation of an inbox it is not a member of", theirs)
			}
		}
		found := false
		for _, id := range ids(e.adminTk) {
			found = found || id == theirs
		}
		if !found {
			t.Fatalf("admin does not list %d", theirs)
		}
		// An inbox_id filter on a foreign inbox finds nothing for the agent.
		body := e.must("GET", e.path("/conversations?status=all&inbox_id=%d", e.other.ID), e.agentTk, nil).obj(t)
		if n := num(t, get(t, body, "data", "meta", "all_count")); n != 0 {
			t.Fatalf("agent all_count in a foreign inbox=%d, want 0", n)
		}
	})

	t.Run("Delete", func(t *testing.T) {
		wantBody(t, e.request("DELETE", e.path("/conversations/%d", mine), e.agentTk, nil), cases["not_permitted"])
		// Administrators delete in any inbox, member or not.
		res := e.must("DELETE", e.path("/conversations/%d", theirs), e.adminTk, nil)
		if len(res.body) != 0 {
			t.Fatalf("body=%q, want an empty 200", res.body)
		}
		wantBody(t, e.request("GET", e.path("/conversations/%d", theirs), e.adminTk, nil), cases["not_found"])
	})
}
