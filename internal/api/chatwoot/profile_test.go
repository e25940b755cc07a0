package chatwoot_test

import "testing"

func TestProfile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const path = "/api/v1/profile"

	res := e.must("GET", path, e.adminTk, nil)
	assertShape(t, "profile.json", parseOrdered(t, golden(t, "profile.json")), res.body)
	assertOpenAPI(t, "GET", path, res)
	m := res.obj(t)
	for _, tc := range []struct {
		path []any
		want any
	}{
		{[]any{"access_token"}, e.adminTk},
		{[]any{"email"}, "agent@example.com"},
		{[]any{"name"}, "Agent Smith"},
		{[]any{"role"}, "administrator"},
		{[]any{"accounts", 0, "name"}, "Acme Rentals"},
		{[]any{"accounts", 0, "role"}, "administrator"},
	} {
		if got := get(t, m, tc.path...); got != tc.want {
			t.Errorf("%v=%v, want %v", tc.path, got, tc.want)
		}
	}
	if got := num(t, get(t, m, "accounts", 0, "id")); got != e.account.ID {
		t.Errorf("accounts[0].id=%d, want %d", got, e.account.ID)
	}

	// pubsub_token is derived from the server key for this host of this
	// account: stable, verifiable, and another host's differs.
	token := m["pubsub_token"].(string)
	if !e.app.VerifyPubSubToken(token, e.account.ID, e.admin.ID) {
		t.Fatalf("pubsub_token %q does not verify", token)
	}
	if e.app.VerifyPubSubToken(token, e.account.ID, e.agent.ID) || e.app.VerifyPubSubToken(token, e.account.ID+1, e.admin.ID) {
		t.Fatalf("pubsub_token %q verifies for another host or account", token)
	}
	if again := e.must("GET", path+".json", e.adminTk, nil).obj(t)["pubsub_token"]; again != token {
		t.Fatalf("pubsub_token changed: %v then %v", token, again)
	}
	agent := e.must("GET", path+"/", e.agentTk, nil).obj(t)
	if agent["pubsub_token"] == token || agent["role"] != "agent" || agent["access_token"] != e.agentTk {
		t.Fatalf("agent's profile %v", agent)
	}

	// Only a person has a profile: no token, a bad one, an application's.
	wantError(t, e.request("GET", path, "", nil), 401, "unauthorized", "")
	wantError(t, e.request("GET", path, "not-a-token", nil), 401, "unauthorized", "Invalid Access Token")
	wantError(t, e.request("GET", path, e.applicationToken(), nil), 401, "unauthorized", "Invalid Access Token")
	// A removed agent has none either.
	e.must("DELETE", e.path("/agents/%d", e.agent.ID), e.adminTk, nil)
	wantError(t, e.request("GET", path, e.agentTk, nil), 401, "unauthorized", "Invalid Access Token")
}
