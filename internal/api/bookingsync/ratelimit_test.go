package bookingsync_test

import (
	"context"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/fetch"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/server"
	"github.com/inboxd/inbox/internal/sqlstore"
)

func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{rateLimit: 3})
	nextHour := time.Now().UTC().Truncate(time.Hour).Add(time.Hour).Unix()
	for i := 1; i <= 3; i++ {
		// Errors count too.
		path := "/api/v3/inbox/conversations"
		if i == 2 {
			path = "/api/v3/inbox/conversations/999999"
		}
		r := e.do("GET", path, e.token, nil)
		if got := r.header.Get("X-RateLimit-Remaining"); got != strconv.Itoa(3-i) {
			t.Errorf("request %d: X-RateLimit-Remaining=%q", i, got)
		}
		if r.header.Get("X-RateLimit-Limit") != "3" {
			t.Errorf("X-RateLimit-Limit=%q", r.header.Get("X-RateLimit-Limit"))
		}
		if reset, _ := strconv.ParseInt(r.header.Get("X-RateLimit-Reset"), 10, 64); reset != nextHour && reset != nextHour+3600 {
			t.Errorf("X-RateLimit-Reset=%d, want the next full hour %d", reset, nextHour)
		}
	}
	r := e.do("GET", "/api/v3/inbox/conversations", e.token, nil).must(t, 429)
	if got := r.firstError(t); got["code"] != "rate_limit_exceeded" || got["title"] != "API v3 rate limit exceeded." {
		t.Errorf("body=%s", r.raw)
	}
	if r.header.Get("X-RateLimit-Remaining") != "0" || r.header.Get("Content-Type") != "application/vnd.api+json; charset=utf-8" {
		t.Errorf("headers=%v", r.header)
	}
	if secs, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || secs < 1 || secs > 3600 {
		t.Errorf("Retry-After=%q", r.header.Get("Retry-After"))
	}
	t.Run("OAuthIsNotCounted", func(t *testing.T) {
		e.postToken(t, "/oauth/token", "application/x-www-form-urlencoded",
			"grant_type=client_credentials&client_id="+e.clientID+"&client_secret="+e.secret, "", nil).must(t, 200)
	})
	t.Run("AnotherApplicationHasItsOwnBudget", func(t *testing.T) {
		other := &inbox.Application{AccountID: e.account.ID, Name: "Other", Scopes: allScopes}
		if _, err := app.NewAdmin(e.app).CreateApplication(context.Background(), other); err != nil {
			t.Fatal(err)
		}
		r := e.do("GET", "/api/v3/inbox/conversations", e.newToken(e.account.ID, allScopes, &other.ID, 0), nil).must(t, 200)
		if r.header.Get("X-RateLimit-Remaining") != "2" {
			t.Errorf("X-RateLimit-Remaining=%q", r.header.Get("X-RateLimit-Remaining"))
		}
	})
	t.Run("UnauthenticatedShowsLimitOnly", func(t *testing.T) {
		r := e.do("GET", "/api/v3/inbox/conversations", "", nil).must(t, 401)
		if r.header.Get("X-RateLimit-Limit") != "3" || r.header.Get("X-RateLimit-Remaining") != "" {
			t.Errorf("headers=%v", r.header)
		}
	})
}

func TestRateLimitDisabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{rateLimit: 0})
	for i := 0; i < 5; i++ {
		r := e.do("GET", "/api/v3/inbox/conversations", e.token, nil).must(t, 200)
		if r.header.Get("X-RateLimit-Limit") != "" {
			t.Fatalf("rate limit headers with the limit disabled: %v", r.header)
		}
	}
}

// TestRateLimitIsSharedAcrossNodes runs two servers on one database: the
// budget is counted in the store, so both nodes draw from it. Nodes add their
// hits to the shared counter in batches (at least once a second, and on every
// request near the limit), so the test gives the batches time to land.
func TestRateLimitIsSharedAcrossNodes(t *testing.T) {
	t.Parallel()
	const limit = 20
	dsn := inboxtest.MustNewDSN(t)
	node := func() (*httptest.Server, *app.App) {
		store, err := sqlstore.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { store.Close() })
		files, err := filestore.New(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		a := app.New(app.Deps{Store: store, Files: files, Fetcher: fetch.New(), RateLimit: limit, Logger: discardLogger()})
		srv := httptest.NewServer(server.New(server.Deps{App: a, Logger: discardLogger()}))
		t.Cleanup(srv.Close)
		return srv, a
	}
	s1, a1 := node()
	s2, _ := node()
	e := &env{t: t, app: a1, srv: s1}
	e.account, e.appID, e.clientID, e.secret = e.newAccount()
	tok := e.newToken(e.account.ID, allScopes, &e.appID, 0)
	get := func(srv *httptest.Server) int {
		return e.do("GET", srv.URL+"/api/v3/inbox/conversations", tok, nil).status
	}
	// Node 1 spends half the budget.
	for i := 0; i < limit/2; i++ {
		if st := get(s1); st != 200 {
			t.Fatalf("node 1 request %d: %d", i+1, st)
		}
	}
	time.Sleep(1100 * time.Millisecond)
	if st := get(s1); st != 200 {
		t.Fatalf("node 1: %d", st)
	}
	// Node 2 gets only what is left of the shared budget, not a fresh one.
	served := 0
	for get(s2) == 200 {
		served++
		if served > limit {
			t.Fatalf("node 2 served %d requests: the budget is not shared", served)
		}
	}
	if left := limit - (limit/2 + 1); served != left {
		t.Errorf("node 2 served %d requests, want the %d left", served, left)
	}
	// Once its hits reach the shared counter, node 1 refuses too.
	time.Sleep(1100 * time.Millisecond)
	if st := get(s1); st != 429 {
		t.Errorf("node 1 after node 2 spent the budget: %d, want 429", st)
	}
}
