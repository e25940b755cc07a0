package bookingsync_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"golang.org/x/oauth2"
)

// postToken sends a token request with the given body and content type,
// query and Basic credentials.
func (e *env) postToken(t *testing.T, path, contentType, body, query string, basic []string) *response {
	t.Helper()
	u := e.srv.URL + path
	if query != "" {
		u += "?" + query
	}
	req, err := http.NewRequest("POST", u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if basic != nil {
		req.SetBasicAuth(url.QueryEscape(basic[0]), url.QueryEscape(basic[1]))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := &response{status: resp.StatusCode, header: resp.Header}
	dec := json.NewDecoder(resp.Body)
	dec.UseNumber()
	if err := dec.Decode(&out.body); err != nil {
		t.Fatalf("token response is not JSON: %v", err)
	}
	raw, _ := json.Marshal(out.body)
	out.raw = raw
	return out
}

func TestOAuthClientCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {e.clientID}, "client_secret": {e.secret}}
	jsonBody, _ := json.Marshal(map[string]string{"grant_type": "client_credentials", "client_id": e.clientID, "client_secret": e.secret})
	cases := []struct {
		name              string
		contentType, body string
		query             string
		basic             []string
	}{
		{"FormBody", "application/x-www-form-urlencoded", form.Encode(), "", nil},
		{"JSONBody", "application/json", string(jsonBody), "", nil},
		{"QueryString", "", "", form.Encode(), nil},
		{"Basic", "application/x-www-form-urlencoded", "grant_type=client_credentials", "", []string{e.clientID, e.secret}},
	}
	golden := decodeGolden(t, "oauth.token.client_credentials.response.json")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.postToken(t, "/oauth/token", c.contentType, c.body, c.query, c.basic).must(t, 200)
			for _, d := range compareShape("$", golden, r.body) {
				t.Error(d)
			}
			if r.body["token_type"] != "bearer" || r.body["expires_in"] != json.Number("7200") {
				t.Errorf("token=%v", r.body)
			}
			if scope, _ := r.body["scope"].(string); !strings.HasPrefix(scope, "public ") || !strings.Contains(scope, "inbox_write") {
				t.Errorf("scope=%q", scope)
			}
			if tok, _ := r.body["access_token"].(string); len(tok) != 64 {
				t.Errorf("access_token=%q, want 64 hex characters", tok)
			}
			if r.header.Get("Cache-Control") != "no-store" || r.header.Get("Content-Type") != "application/json; charset=utf-8" {
				t.Errorf("headers=%v", r.header)
			}
			// The token opens the API.
			e.do("GET", "/api/v3/inbox/conversations", r.body["access_token"].(string), nil).must(t, 200)
		})
	}
	t.Run("NarrowedScope", func(t *testing.T) {
		r := e.postToken(t, "/oauth/token", "application/x-www-form-urlencoded", form.Encode()+"&scope=inbox_read", "", nil).must(t, 200)
		if r.body["scope"] != "public inbox_read" {
			t.Errorf("scope=%v", r.body["scope"])
		}
		tok := r.body["access_token"].(string)
		e.do("GET", "/api/v3/inbox/conversations", tok, nil).must(t, 200)
		r = e.do("POST", "/api/v3/inbox/conversations", tok, wrap("conversations", map[string]any{})).must(t, 403)
		if r.firstError(t)["code"] != "forbidden" {
			t.Errorf("body=%s", r.raw)
		}
	})
}

func TestOAuthErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	cases := []struct {
		name   string
		body   string
		basic  []string
		status int
		error  string
	}{
		{"WrongSecret", "grant_type=client_credentials&client_id=" + e.clientID + "&client_secret=nope", nil, 401, "invalid_client"},
		{"WrongSecretBasic", "grant_type=client_credentials", []string{e.clientID, "nope"}, 401, "invalid_client"},
		{"UnknownClient", "grant_type=client_credentials&client_id=nobody&client_secret=x", nil, 401, "invalid_client"},
		{"NoCredentials", "grant_type=client_credentials", nil, 401, "invalid_client"},
		{"MissingGrant", "client_id=" + e.clientID + "&client_secret=" + e.secret, nil, 400, "invalid_request"},
		{"UnsupportedGrant", "grant_type=password&client_id=" + e.clientID + "&client_secret=" + e.secret, nil, 400, "unsupported_grant_type"},
		{"UnknownCode", "grant_type=authorization_code&code=x&client_id=" + e.clientID + "&client_secret=" + e.secret, nil, 401, "invalid_grant"},
		{"MissingCode", "grant_type=authorization_code&client_id=" + e.clientID + "&client_secret=" + e.secret, nil, 400, "invalid_request"},
		{"UnknownScope", "grant_type=client_credentials&scope=rates_write&client_id=" + e.clientID + "&client_secret=" + e.secret, nil, 400, "invalid_scope"},
		{"BogusRefresh", "grant_type=refresh_token&refresh_token=abc&client_id=" + e.clientID + "&client_secret=" + e.secret, nil, 401, "invalid_grant"},
		{"NulInClientID", "grant_type=client_credentials&client_id=a%00b&client_secret=x", nil, 400, "invalid_request"},
		{"NulInBasic", "grant_type=client_credentials", []string{"a\x00b", "x"}, 401, "invalid_client"},
		{"MissingRefresh", "grant_type=refresh_token&client_id=" + e.clientID + "&client_secret=" + e.secret, nil, 400, "invalid_request"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := e.postToken(t, "/oauth/token", "application/x-www-form-urlencoded", c.body, "", c.basic).must(t, c.status)
			if r.body["error"] != c.error || r.body["error_description"] == "" {
				t.Errorf("body=%s, want error %s", r.raw, c.error)
			}
			if c.basic != nil && r.header.Get("WWW-Authenticate") == "" {
				t.Error("no WWW-Authenticate after failed Basic authentication")
			}
		})
	}
	t.Run("MalformedJSON", func(t *testing.T) {
		r := e.postToken(t, "/oauth/token", "application/json", `{"grant_type":`, "", nil).must(t, 400)
		if r.body["error"] != "invalid_request" {
			t.Errorf("body=%s", r.raw)
		}
	})
}

func TestOAuthRefresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	ctx := context.Background()
	g, err := app.NewAdmin(e.app).CreateToken(ctx, e.account.ID, inbox.Scopes{inbox.ScopeInboxRead}, &e.appID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if g.RefreshToken == "" {
		t.Fatal("CreateToken with an application gave no refresh token")
	}
	cfg := oauth2.Config{ClientID: e.clientID, ClientSecret: e.secret, Endpoint: oauth2.Endpoint{TokenURL: e.srv.URL + "/oauth/token"}}
	// The client believes its access token expired, so it refreshes.
	expired := &oauth2.Token{AccessToken: g.AccessToken, RefreshToken: g.RefreshToken, Expiry: time.Now().Add(-time.Minute)}
	fresh, err := cfg.TokenSource(ctx, expired).Token()
	if err != nil {
		t.Fatalf("refresh: %v", err)
	}
	if fresh.AccessToken == g.AccessToken || fresh.RefreshToken == "" || fresh.RefreshToken == g.RefreshToken {
		t.Fatalf("refresh did not rotate: %+v", fresh)
	}
	if scope := fresh.Extra("scope"); scope != "public inbox_read" {
		t.Errorf("scope=%v", scope)
	}
	e.do("GET", "/api/v3/inbox/conversations", fresh.AccessToken, nil).must(t, 200)

	t.Run("OldAccessTokenIsRefreshedAway", func(t *testing.T) {
		e.do("GET", "/api/v3/inbox/conversations", g.AccessToken, nil).must(t, 401)
	})
	t.Run("OldRefreshTokenStopsWorking", func(t *testing.T) {
		_, err := cfg.TokenSource(ctx, expired).Token()
		var re *oauth2.RetrieveError
		if !errors.As(err, &re) || re.ErrorCode != "invalid_grant" || re.Response.StatusCode != 401 {
			t.Fatalf("err=%v, want invalid_grant 401", err)
		}
	})
	t.Run("ResponseShape", func(t *testing.T) {
		body := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {fresh.RefreshToken},
			"client_id": {e.clientID}, "client_secret": {e.secret}, "redirect_uri": {"urn:ietf:wg:oauth:2.0:oob"}}
		r := e.postToken(t, "/oauth/token", "application/x-www-form-urlencoded", body.Encode(), "", nil).must(t, 200)
		if _, ok := r.body["created_at"].(json.Number); !ok {
			t.Errorf("created_at=%v, want Unix seconds", r.body["created_at"])
		}
		for _, d := range compareShape("$", decodeGolden(t, "oauth.token.response.json"), without(r.body, "created_at")) {
			t.Error(d)
		}
	})
	t.Run("OtherClientCannotRefresh", func(t *testing.T) {
		other := &inbox.Application{AccountID: e.account.ID, Name: "Other", Scopes: allScopes}
		secret, err := app.NewAdmin(e.app).CreateApplication(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		g, err := app.NewAdmin(e.app).CreateToken(ctx, e.account.ID, allScopes, &e.appID, 0)
		if err != nil {
			t.Fatal(err)
		}
		body := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {g.RefreshToken}}
		r := e.postToken(t, "/oauth/token", "application/x-www-form-urlencoded", body.Encode(), "", []string{other.ClientID, secret})
		r.must(t, 401)
		if r.body["error"] != "invalid_grant" {
			t.Errorf("body=%s", r.raw)
		}
	})
}

func TestOAuthRevokeAndInfo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	ctx := context.Background()
	t.Run("Info", func(t *testing.T) {
		req, _ := http.NewRequest("GET", e.srv.URL+"/oauth/token/info", nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var info struct {
			ResourceOwnerID int64    `json:"resource_owner_id"`
			Scope           []string `json:"scope"`
			ExpiresIn       int64    `json:"expires_in"`
			Application     struct {
				UID string `json:"uid"`
			} `json:"application"`
			CreatedAt int64 `json:"created_at"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&info); err != nil || resp.StatusCode != 200 {
			t.Fatalf("status %d, %v", resp.StatusCode, err)
		}
		if info.ResourceOwnerID != e.account.ID || info.Application.UID != e.clientID || info.Scope[0] != "public" ||
			info.ExpiresIn < 7100 || info.ExpiresIn > 7200 || info.CreatedAt == 0 {
			t.Errorf("info=%+v", info)
		}
	})
	t.Run("InfoInvalid", func(t *testing.T) {
		r := e.do("GET", "/oauth/token/info", "nope", nil).must(t, 401)
		if r.body["error"] != "invalid_token" || r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("body=%s", r.raw)
		}
	})
	t.Run("RevokeAccessToken", func(t *testing.T) {
		tok := e.newToken(e.account.ID, allScopes, &e.appID, 0)
		e.do("GET", "/api/v3/inbox/conversations", tok, nil).must(t, 200)
		r := e.postToken(t, "/oauth/revoke", "application/x-www-form-urlencoded", "token="+tok, "", []string{e.clientID, e.secret}).must(t, 200)
		if len(r.body) != 0 {
			t.Errorf("body=%s, want {}", r.raw)
		}
		e.do("GET", "/api/v3/inbox/conversations", tok, nil).must(t, 401)
		e.do("GET", "/oauth/token/info", tok, nil).must(t, 401)
	})
	t.Run("RevokeRefreshToken", func(t *testing.T) {
		g, err := app.NewAdmin(e.app).CreateToken(ctx, e.account.ID, allScopes, &e.appID, 0)
		if err != nil {
			t.Fatal(err)
		}
		body := `{"token":"` + g.RefreshToken + `","client_id":"` + e.clientID + `","client_secret":"` + e.secret + `"}`
		e.postToken(t, "/oauth/revoke", "application/json", body, "", nil).must(t, 200)
		refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {g.RefreshToken}, "client_id": {e.clientID}, "client_secret": {e.secret}}
		e.postToken(t, "/oauth/token", "application/x-www-form-urlencoded", refresh.Encode(), "", nil).must(t, 401)
		e.do("GET", "/api/v3/inbox/conversations", g.AccessToken, nil).must(t, 401)
	})
	// RFC 7009 §2.1: a confidential client's token is revoked by that
	// client, authenticated; whoever merely holds the token cannot.
	t.Run("RevokeNeedsTheClient", func(t *testing.T) {
		g, err := app.NewAdmin(e.app).CreateToken(ctx, e.account.ID, allScopes, &e.appID, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{g.AccessToken, g.RefreshToken} {
			for _, c := range []struct {
				name, contentType, body string
			}{
				{"Form", "application/x-www-form-urlencoded", "token=" + tok},
				{"JSON", "application/json", `{"token":"` + tok + `"}`},
				{"ClientIDOnly", "application/x-www-form-urlencoded", "token=" + tok + "&client_id=" + e.clientID},
			} {
				r := e.postToken(t, "/oauth/revoke", c.contentType, c.body, "", nil)
				if c.name == "ClientIDOnly" {
					// A client id without its secret is a failed client authentication.
					r.must(t, 401)
					if r.body["error"] != "invalid_client" {
						t.Errorf("%s: body=%s", c.name, r.raw)
					}
					continue
				}
				r.must(t, 403)
				if r.body["error"] != "unauthorized_client" {
					t.Errorf("%s: body=%s", c.name, r.raw)
				}
			}
			r := e.postToken(t, "/oauth/revoke", "application/x-www-form-urlencoded", "token="+tok, "", []string{e.clientID, "wrong"}).must(t, 401)
			if r.body["error"] != "invalid_client" {
				t.Errorf("wrong secret: body=%s", r.raw)
			}
		}
		// Both tokens still work.
		e.do("GET", "/api/v3/inbox/conversations", g.AccessToken, nil).must(t, 200)
		refresh := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {g.RefreshToken}, "client_id": {e.clientID}, "client_secret": {e.secret}}
		e.postToken(t, "/oauth/token", "application/x-www-form-urlencoded", refresh.Encode(), "", nil).must(t, 200)
	})
	// A token issued without naming an application (inboxd tokens create
	// without --app) belongs to the account's only application: like the
	// application's other tokens, only that client may revoke it.
	t.Run("RevokeTokenOfTheDefaultApplication", func(t *testing.T) {
		tok := e.newToken(e.account.ID, allScopes, nil, 0)
		e.do("GET", "/api/v3/inbox/conversations", tok, nil).must(t, 200)
		e.postToken(t, "/oauth/revoke", "application/x-www-form-urlencoded", "token="+tok, "", nil).must(t, 403)
		e.do("GET", "/api/v3/inbox/conversations", tok, nil).must(t, 200)
		e.postToken(t, "/oauth/revoke", "application/x-www-form-urlencoded", "token="+tok, "", []string{e.clientID, e.secret}).must(t, 200)
		e.do("GET", "/api/v3/inbox/conversations", tok, nil).must(t, 401)
	})
	t.Run("RevokeUnknownIsFine", func(t *testing.T) {
		e.postToken(t, "/oauth/revoke", "application/x-www-form-urlencoded", "token=unknown", "", nil).must(t, 200)
	})
	t.Run("RevokeWithoutToken", func(t *testing.T) {
		r := e.postToken(t, "/oauth/revoke", "application/x-www-form-urlencoded", "", "", nil).must(t, 400)
		if r.body["error"] != "invalid_request" {
			t.Errorf("body=%s", r.raw)
		}
	})
	t.Run("RevokeOtherClientsToken", func(t *testing.T) {
		other := &inbox.Application{AccountID: e.account.ID, Name: "Other", Scopes: allScopes}
		secret, err := app.NewAdmin(e.app).CreateApplication(ctx, other)
		if err != nil {
			t.Fatal(err)
		}
		r := e.postToken(t, "/oauth/revoke", "application/x-www-form-urlencoded", "token="+e.token, "", []string{other.ClientID, secret}).must(t, 403)
		if r.body["error"] != "unauthorized_client" {
			t.Errorf("body=%s", r.raw)
		}
		e.do("GET", "/api/v3/inbox/conversations", e.token, nil).must(t, 200)
	})
	t.Run("ExpiredToken", func(t *testing.T) {
		tok := e.newToken(e.account.ID, allScopes, &e.appID, time.Millisecond)
		time.Sleep(5 * time.Millisecond)
		e.do("GET", "/api/v3/inbox/conversations", tok, nil).must(t, 401)
		e.do("GET", "/oauth/token/info", tok, nil).must(t, 401)
	})
}
