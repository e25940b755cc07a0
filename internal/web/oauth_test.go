package web_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
	"golang.org/x/oauth2"
)

// oauthClient is an application registered in the account, with the
// callback server it redirects to.
type oauthClient struct {
	cfg      *oauth2.Config
	callback *httptest.Server
	got      chan url.Values
}

func (e *env) newOAuthClient(t *testing.T, public bool, scopes ...inbox.Scope) *oauthClient {
	c := &oauthClient{got: make(chan url.Values, 4)}
	c.callback = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.got <- r.URL.Query()
		w.Write([]byte("back at the application"))
	}))
	t.Cleanup(c.callback.Close)
	redirect := c.callback.URL + "/callback"
	a := &inbox.Application{AccountID: e.Account.ID, Name: "Channel Manager", Scopes: scopes,
		RedirectURI: "https://cm.example/other\n" + redirect, Public: public}
	secret, err := e.Admin.CreateApplication(context.Background(), a)
	must(t, err)
	if public {
		secret = ""
	}
	c.cfg = &oauth2.Config{ClientID: a.ClientID, ClientSecret: secret, RedirectURL: redirect,
		Endpoint: oauth2.Endpoint{AuthURL: e.URL + "/oauth/authorize", TokenURL: e.URL + "/oauth/token",
			AuthStyle: oauth2.AuthStyleInParams}}
	return c
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// consent opens the consent page of an authorization URL and answers it
// as a browser would (its hidden fields and the button), returning where
// the answer redirects.
func (b *browser) consent(t *testing.T, authURL, decision string) (*url.URL, string) {
	t.Helper()
	u := mustURL(authURL)
	resp, page := b.get(u.RequestURI())
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("consent page: status %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	form := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(page, -1) {
		form.Set(m[1], htmlUnescape(m[2]))
	}
	form.Set("decision", decision)
	resp, _ = b.post("/oauth/authorize", form, false)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer: status %d, want 303", resp.StatusCode)
	}
	loc, err := url.Parse(resp.Header.Get("Location"))
	must(t, err)
	return loc, page
}

func htmlUnescape(s string) string {
	return strings.NewReplacer("&amp;", "&", "&#43;", "+", "&#34;", `"`, "&#39;", "'", "&lt;", "<", "&gt;", ">").Replace(s)
}

func TestAuthorizationCode(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	admin := e.browser()
	admin.signIn("alice@seaside.example", password)
	c := e.newOAuthClient(t, false, inbox.ScopeInboxRead, inbox.ScopeClientsRead)

	verifier := oauth2.GenerateVerifier()
	authURL := c.cfg.AuthCodeURL("state-123", oauth2.S256ChallengeOption(verifier))
	loc, page := admin.consent(t, authURL, "allow")
	for _, want := range []string{"Channel Manager", "read your conversations and messages", "read your guests&#39; details"} {
		if !strings.Contains(page, want) {
			t.Errorf("consent page lacks %q", want)
		}
	}
	if loc.Host != mustURL(c.callback.URL).Host || loc.Path != "/callback" || loc.Query().Get("state") != "state-123" ||
		loc.Query().Get("code") == "" {
		t.Fatalf("answer went to %s, want the callback with a code and the state", loc)
	}
	code := loc.Query().Get("code")

	tok, err := c.cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	must(t, err)
	if tok.RefreshToken == "" || tok.Extra("scope") != "public inbox_read clients_read" {
		t.Fatalf("token: refresh %q scope %v", tok.RefreshToken, tok.Extra("scope"))
	}
	api := c.cfg.Client(ctx, tok)
	resp, err := api.Get(e.URL + "/api/v3/inbox/conversations")
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("API with the token: status %d", resp.StatusCode)
	}

	// The code works once; presented again it also revokes its token.
	_, err = c.cfg.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if oauthErr(err) != "invalid_grant" {
		t.Fatalf("second exchange: %v, want invalid_grant", err)
	}
	req, _ := http.NewRequest("GET", e.URL+"/api/v3/inbox/conversations", nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	resp, err = http.DefaultClient.Do(req)
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("API with the token of a replayed code: status %d, want 401", resp.StatusCode)
	}

	t.Run("ErrVerifier", func(t *testing.T) {
		v := oauth2.GenerateVerifier()
		loc, _ := admin.consent(t, c.cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(v)), "allow")
		if _, err := c.cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(oauth2.GenerateVerifier())); oauthErr(err) != "invalid_grant" {
			t.Fatalf("wrong verifier: %v, want invalid_grant", err)
		}
		loc, _ = admin.consent(t, c.cfg.AuthCodeURL("s", oauth2.S256ChallengeOption(v)), "allow")
		if _, err := c.cfg.Exchange(ctx, loc.Query().Get("code")); oauthErr(err) != "invalid_grant" {
			t.Fatalf("no verifier: %v, want invalid_grant", err)
		}
	})
	t.Run("ErrRedirectURI", func(t *testing.T) {
		loc, _ := admin.consent(t, c.cfg.AuthCodeURL("s"), "allow")
		other := *c.cfg
		other.RedirectURL = "https://cm.example/other"
		if _, err := other.Exchange(ctx, loc.Query().Get("code")); oauthErr(err) != "invalid_grant" {
			t.Fatalf("another redirect_uri at the token endpoint: %v, want invalid_grant", err)
		}
	})
	t.Run("ErrSecret", func(t *testing.T) {
		loc, _ := admin.consent(t, c.cfg.AuthCodeURL("s"), "allow")
		bad := *c.cfg
		bad.ClientSecret = "nope"
		if _, err := bad.Exchange(ctx, loc.Query().Get("code")); oauthErr(err) != "invalid_client" {
			t.Fatalf("wrong secret: %v, want invalid_client", err)
		}
		bad.ClientSecret = ""
		if _, err := bad.Exchange(ctx, loc.Query().Get("code")); oauthErr(err) != "invalid_client" {
			t.Fatalf("no secret from a confidential client: %v, want invalid_client", err)
		}
	})
	t.Run("Deny", func(t *testing.T) {
		loc, _ := admin.consent(t, c.cfg.AuthCodeURL("st"), "deny")
		if q := loc.Query(); q.Get("error") != "access_denied" || q.Get("state") != "st" || q.Get("code") != "" {
			t.Fatalf("denied: %s", loc)
		}
	})
	t.Run("Public", func(t *testing.T) {
		pub := e.newOAuthClient(t, true, inbox.ScopeInboxRead)
		// Without PKCE a public client gets an error, at its redirect URI.
		resp, _ := admin.get(mustURL(pub.cfg.AuthCodeURL("p")).RequestURI())
		if loc := mustURL(resp.Header.Get("Location")); resp.StatusCode != http.StatusSeeOther ||
			loc.Query().Get("error") != "invalid_request" || loc.Query().Get("state") != "p" {
			t.Fatalf("public client without PKCE: status %d to %q, want invalid_request at the callback", resp.StatusCode, loc)
		}
		v := oauth2.GenerateVerifier()
		loc, _ := admin.consent(t, pub.cfg.AuthCodeURL("p", oauth2.S256ChallengeOption(v)), "allow")
		if _, err := pub.cfg.Exchange(ctx, loc.Query().Get("code"), oauth2.VerifierOption(v)); err != nil {
			t.Fatalf("public client with PKCE and no secret: %v", err)
		}
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {pub.cfg.ClientID}}
		resp, err := http.PostForm(e.URL+"/oauth/token", form)
		must(t, err)
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Fatal("a public client got a client_credentials token with its client_id alone")
		}
	})
	t.Run("Agent", func(t *testing.T) {
		agent := e.browser()
		agent.signIn("bruno@seaside.example", password)
		resp, _ := agent.get(mustURL(c.cfg.AuthCodeURL("a")).RequestURI())
		if loc := mustURL(resp.Header.Get("Location")); loc.Query().Get("error") != "access_denied" || loc.Query().Get("state") != "a" {
			t.Fatalf("agent: %d to %s, want access_denied: only administrators install applications", resp.StatusCode, loc)
		}
	})
}

// TestAuthorizeErrors: RFC 6749 §4.1.2.1. An unknown client or redirect
// URI is shown to the person, never redirected to; every other error goes
// back to the registered redirect URI with the state.
func TestAuthorizeErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.browser()
	admin.signIn("alice@seaside.example", password)
	c := e.newOAuthClient(t, false, inbox.ScopeInboxRead)
	base := url.Values{"response_type": {"code"}, "client_id": {c.cfg.ClientID}, "redirect_uri": {c.cfg.RedirectURL},
		"state": {"xyz"}}
	with := func(k, v string) string {
		q := url.Values{}
		for kk, vv := range base {
			q[kk] = vv
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return "/oauth/authorize?" + q.Encode()
	}
	for _, tc := range []struct{ name, path string }{
		{"unknown client", with("client_id", "nope")},
		{"no client", with("client_id", "")},
		{"unregistered redirect", with("redirect_uri", "https://evil.example/cb")},
		{"redirect prefix", with("redirect_uri", c.cfg.RedirectURL+"/more")},
	} {
		resp, page := admin.get(tc.path)
		if resp.StatusCode != http.StatusUnprocessableEntity || resp.Header.Get("Location") != "" || !strings.Contains(page, "redirect_uri") && !strings.Contains(page, "client_id") {
			t.Errorf("%s: status %d location %q, want an error page", tc.name, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	for _, tc := range []struct{ name, path, want string }{
		{"token flow", with("response_type", "token"), "unsupported_response_type"},
		{"no response type", with("response_type", ""), "invalid_request"},
		{"unknown scope", with("scope", "inbox_read admin"), "invalid_scope"},
		{"scope beyond the app's", with("scope", "inbox_write"), "invalid_scope"},
		{"plain PKCE", with("code_challenge", strings.Repeat("a", 43)) + "&code_challenge_method=plain", "invalid_request"},
		{"malformed challenge", with("code_challenge", "short") + "&code_challenge_method=S256", "invalid_request"},
	} {
		resp, _ := admin.get(tc.path)
		loc := mustURL(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || loc.Host != mustURL(c.callback.URL).Host ||
			loc.Query().Get("error") != tc.want || loc.Query().Get("state") != "xyz" || loc.Query().Get("error_description") == "" {
			t.Errorf("%s: status %d to %s, want %s at the callback with the state", tc.name, resp.StatusCode, loc, tc.want)
		}
	}
	// A POST without the session's token changes nothing and goes nowhere.
	form := base
	form.Set("decision", "allow")
	if resp, _ := admin.post("/oauth/authorize", form, false); resp.StatusCode != http.StatusForbidden {
		t.Errorf("consent without the CSRF token: status %d, want 403", resp.StatusCode)
	}
}

// oauthErr returns the RFC 6749 error code of a failed exchange.
func oauthErr(err error) string {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	if err == nil {
		return ""
	}
	return err.Error()
}
