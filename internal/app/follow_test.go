package app_test

import (
	"context"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/events"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/sqlstore"
)

// startApp opens dsn as one more node: its own store, app and outbox tail.
// follow makes the app's caches follow the tail.
func startApp(t *testing.T, dsn string, follow bool) *app.App {
	t.Helper()
	s, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	// An auth cache that never expires on its own: only the tail can make
	// this node notice a revocation.
	a := app.New(app.Deps{Store: s, AuthCacheTTL: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	tail := events.New(events.Deps{Source: app.NewSystem(a), Sequence: s.Engine() == "postgres", Wake: s.Changes(ctx)})
	done := make(chan struct{}, 2)
	go func() { tail.Run(ctx); done <- struct{}{} }()
	if follow {
		go func() { a.Follow(ctx, tail); done <- struct{}{} }()
	} else {
		done <- struct{}{}
	}
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
		s.Close()
	})
	<-tail.Ready()
	return a
}

// TestRevokedEverywhere: a token revoked through one node stops working on
// another node that had it cached, without waiting for the cache to expire.
func TestRevokedEverywhere(t *testing.T) {
	t.Parallel()
	dsn := inboxtest.MustNewDSN(t)
	nodeA := startApp(t, dsn, true)
	nodeB := startApp(t, dsn, true)
	unfollowed := startApp(t, dsn, false)
	ctx := context.Background()

	admin := app.NewAdmin(nodeA)
	acc := &inbox.Account{Name: "Acme", Email: "acme@example.com"}
	if err := admin.CreateAccount(ctx, acc); err != nil {
		t.Fatal(err)
	}
	application := &inbox.Application{AccountID: acc.ID, Name: "Channel manager", Scopes: inbox.Scopes{inbox.ScopeInboxRead}}
	secret, err := admin.CreateApplication(ctx, application)
	if err != nil {
		t.Fatal(err)
	}
	grant, err := admin.CreateToken(ctx, acc.ID, inbox.Scopes{inbox.ScopeInboxRead}, &application.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []*app.App{nodeB, unfollowed} {
		if _, err := n.Authenticate(ctx, grant.AccessToken); err != nil {
			t.Fatalf("Authenticate before revoking: %v", err)
		}
	}

	if err := nodeA.Revoke(ctx, application.ClientID, secret, grant.AccessToken); err != nil {
		t.Fatal(err)
	}
	if _, err := nodeA.Authenticate(ctx, grant.AccessToken); inbox.ErrorCode(err) != inbox.EUNAUTHORIZED {
		t.Fatalf("node A after revoking: %v, want unauthorized", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, err := nodeB.Authenticate(ctx, grant.AccessToken)
		if inbox.ErrorCode(err) == inbox.EUNAUTHORIZED {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatal("node B still accepts the revoked token")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The control: a node whose cache does not follow the tail still
	// serves its cached principal, so it was the tail that told node B.
	if _, err := unfollowed.Authenticate(ctx, grant.AccessToken); err != nil {
		t.Fatalf("unfollowed node: %v, want its cached principal", err)
	}
}
