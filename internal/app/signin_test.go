package app_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

const pw = "a long enough password"

func TestValidatePassword(t *testing.T) {
	for _, c := range []struct {
		pw   string
		want string // "" when valid
	}{
		{"elevenchars", "is too short (minimum is 12 characters)"},
		{"twelve chars", ""},
		{"ééééééééééé", "is too short (minimum is 12 characters)"}, // 11 characters, 22 bytes
		{strings.Repeat("x", 128), ""},
		{strings.Repeat("x", 129), "is too long (maximum is 128 characters)"},
		{"twelve chars\x00", inbox.MsgInvalid},
		{"\xff\xfe twelve chars", inbox.MsgInvalid},
	} {
		err := app.ValidatePassword(c.pw)
		if got := inbox.ErrorMessage(err); got != c.want || c.want != "" && inbox.ErrorField(err) != "password" {
			t.Errorf("ValidatePassword(%q) = %q, want %q", c.pw, got, c.want)
		}
	}
}

// TestSessions: a session lives until it is idle too long or past its
// lifetime, until it is signed out, or until its host is removed.
func TestSessions(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must(t, e.admin.SetPassword(ctx, e.account, e.agentHost.ID, pw))
	signIn := func() string {
		t.Helper()
		g, err := e.app.SignIn(ctx, "ALAN@app.example ", pw, app.Client{Address: "192.0.2.1", UserAgent: "test"})
		must(t, err)
		return g.Token
	}
	alive := func(token string) bool {
		t.Helper()
		p, err := e.app.AuthenticateSession(ctx, token)
		if err != nil && inbox.ErrorCode(err) != inbox.EUNAUTHORIZED {
			t.Fatal(err)
		}
		if err == nil && (p.Host.ID != e.agentHost.ID || p.Kind != inbox.TokenSession || p.AccountID != e.account) {
			t.Fatalf("principal %+v, want the agent's session", p)
		}
		return err == nil
	}
	advance := func(d time.Duration) {
		e.clock.mu.Lock()
		e.clock.now = e.clock.now.Add(d)
		e.clock.mu.Unlock()
	}

	t.Run("Idle", func(t *testing.T) {
		token := signIn()
		advance(app.DefaultSessionIdle - time.Minute)
		if !alive(token) {
			t.Fatal("session ended before its idle timeout")
		}
		// That use counted: the idle clock starts again.
		advance(app.DefaultSessionIdle - time.Minute)
		if !alive(token) {
			t.Fatal("a used session ended")
		}
		advance(app.DefaultSessionIdle + time.Second)
		if alive(token) {
			t.Fatal("session outlived its idle timeout")
		}
	})
	t.Run("Lifetime", func(t *testing.T) {
		token := signIn()
		for used := time.Duration(0); used < app.DefaultSessionLifetime-time.Hour; used += time.Hour {
			advance(time.Hour)
			if !alive(token) {
				t.Fatalf("an active session ended after %s", used+time.Hour)
			}
		}
		advance(2 * time.Hour)
		if alive(token) {
			t.Fatal("session outlived its lifetime")
		}
	})
	t.Run("SignOut", func(t *testing.T) {
		a, b := signIn(), signIn()
		p, err := e.app.AuthenticateSession(ctx, a)
		must(t, err)
		must(t, e.app.SignOut(inbox.NewContextWithPrincipal(ctx, p)))
		if alive(a) || !alive(b) {
			t.Fatal("sign-out ended another session, or not its own")
		}
		c := signIn()
		p, err = e.app.AuthenticateSession(ctx, c)
		must(t, err)
		must(t, e.app.SignOutEverywhere(inbox.NewContextWithPrincipal(ctx, p)))
		if alive(b) || alive(c) {
			t.Fatal("a session survived sign-out everywhere")
		}
		// An API token is no session to sign out.
		if err := e.app.SignOut(e.asAgent); inbox.ErrorCode(err) != inbox.EUNAUTHORIZED {
			t.Fatalf("sign out with an API token: %v", err)
		}
	})
	t.Run("NewPassword", func(t *testing.T) {
		token := signIn()
		must(t, e.admin.SetPassword(ctx, e.account, e.agentHost.ID, pw+"!"))
		if alive(token) {
			t.Fatal("a new password left a session alive")
		}
		if _, err := e.app.SignIn(ctx, "alan@app.example", pw, app.Client{}); inbox.ErrorCode(err) != inbox.EUNAUTHORIZED {
			t.Fatalf("the old password: %v", err)
		}
		must(t, e.admin.SetPassword(ctx, e.account, e.agentHost.ID, pw))
	})
	t.Run("HostRemoved", func(t *testing.T) {
		token := signIn()
		must(t, e.app.DeleteAgent(e.asAdmin, e.agentHost.ID))
		if alive(token) {
			t.Fatal("a removed host's session still works")
		}
		if _, err := e.app.SignIn(ctx, "alan@app.example", pw, app.Client{}); inbox.ErrorCode(err) != inbox.EUNAUTHORIZED {
			t.Fatalf("a removed host signs in: %v", err)
		}
	})
}

// TestSessionCSRF: the token is the session's own.
func TestSessionCSRF(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	must(t, e.admin.SetPassword(ctx, e.account, e.adminHost.ID, pw))
	var ps []*inbox.Principal
	for range 2 {
		g, err := e.app.SignIn(ctx, "ada@app.example", pw, app.Client{})
		must(t, err)
		p, err := e.app.AuthenticateSession(ctx, g.Token)
		must(t, err)
		ps = append(ps, p)
	}
	t0, t1 := e.app.CSRFToken(ps[0]), e.app.CSRFToken(ps[1])
	if !e.app.VerifyCSRF(ps[0], t0) || e.app.VerifyCSRF(ps[0], t1) || e.app.VerifyCSRF(ps[0], "") {
		t.Fatal("a session accepts another session's token, or refuses its own")
	}
	api := inbox.PrincipalFromContext(e.asAdmin)
	if e.app.VerifyCSRF(api, e.app.CSRFToken(api)) {
		t.Fatal("an API token's caller passes a CSRF check")
	}
}

// TestAuthorizationCodeExpiry: a code waits two minutes at most.
func TestAuthorizationCodeExpiry(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	client := &inbox.Application{AccountID: e.account, Name: "CM", Scopes: inbox.Scopes{inbox.ScopeInboxRead},
		RedirectURI: "https://cm.example/cb"}
	secret, err := e.admin.CreateApplication(ctx, client)
	must(t, err)
	sum := sha256.Sum256([]byte(strings.Repeat("v", 43)))
	req := app.AuthorizeRequest{ResponseType: "code", ClientID: client.ClientID, CodeChallengeMethod: "S256",
		CodeChallenge: base64.RawURLEncoding.EncodeToString(sum[:])}
	a, err := e.app.Authorize(e.asAdmin, req, true)
	must(t, err)
	if a.RedirectURI != "https://cm.example/cb" || a.Code == "" {
		t.Fatalf("authorization %+v", a)
	}
	e.clock.mu.Lock()
	e.clock.now = e.clock.now.Add(app.AuthorizationCodeTTL + time.Second)
	e.clock.mu.Unlock()
	if _, err := e.app.ExchangeCode(ctx, client.ClientID, secret, a.Code, "", strings.Repeat("v", 43)); inbox.ErrorField(err) != "invalid_grant" {
		t.Fatalf("an expired code: %v, want invalid_grant", err)
	}
	a, err = e.app.Authorize(e.asAdmin, req, true)
	must(t, err)
	g, err := e.app.ExchangeCode(ctx, client.ClientID, secret, a.Code, "", strings.Repeat("v", 43))
	must(t, err)
	if !g.Scopes.Has(inbox.ScopeInboxRead) || g.Scopes.Has(inbox.ScopeInboxWrite) || g.RefreshToken == "" {
		t.Fatalf("grant scopes %v refresh %q", g.Scopes, g.RefreshToken)
	}
	// An agent's consent is refused: the token would see the whole account.
	if _, err := e.app.Authorize(e.asAgent, req, true); err == nil || !strings.Contains(err.Error(), "access_denied") {
		t.Fatalf("agent's consent: %v, want access_denied", err)
	}
}

// TestSignInOverlongEmail: an e-mail no host can have (over 320 bytes) is
// refused as bad credentials and counted against the address only; keyed
// by itself it would reach the per-e-mail limit (10) and leave a counter
// row of its own text.
func TestSignInOverlongEmail(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	long := strings.Repeat("a", 8000) + "@app.example"
	for i := 1; i <= 11; i++ {
		_, err := e.app.SignIn(ctx, long, pw, app.Client{UserAgent: "test"})
		if inbox.ErrorCode(err) != inbox.EUNAUTHORIZED {
			t.Fatalf("attempt %d: %v, want bad credentials", i, err)
		}
	}
	// The address still counts: past 100 attempts it is refused.
	var err error
	for i := 1; i <= 101; i++ {
		_, err = e.app.SignIn(ctx, long, pw, app.Client{Address: "192.0.2.9", UserAgent: "test"})
	}
	if inbox.ErrorCode(err) != inbox.ERATELIMITED {
		t.Fatalf("attempt 101 from one address: %v, want rate limited", err)
	}
}
