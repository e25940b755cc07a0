package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/server"
)

func TestSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	t.Run("OK", func(t *testing.T) {
		b := e.browser()
		resp := b.trySignIn("ALICE@seaside.example", password)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/inbox" {
			t.Fatalf("status=%d location=%q, want 303 to /inbox", resp.StatusCode, resp.Header.Get("Location"))
		}
		var session *http.Cookie
		for _, c := range resp.Cookies() {
			if c.Name == "inboxd_session" {
				session = c
			}
		}
		if session == nil {
			t.Fatal("no session cookie")
		}
		// Over plain http the cookie cannot be Secure; the https case is
		// TestSecureCookie.
		if !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Secure || session.Path != "/" {
			t.Errorf("cookie HttpOnly=%v SameSite=%v Secure=%v Path=%q, want HttpOnly, Lax, not Secure over http, /",
				session.HttpOnly, session.SameSite, session.Secure, session.Path)
		}
		r, page := b.get("/inbox")
		if r.StatusCode != http.StatusOK || !strings.Contains(page, "Emma Guest") {
			t.Fatalf("inbox after sign-in: status %d", r.StatusCode)
		}
	})
	t.Run("NoEnumeration", func(t *testing.T) {
		// A wrong password, an unknown e-mail and a host without a password
		// get the same answer.
		nopw := &inbox.Host{AccountID: e.Account.ID, Firstname: "No", Lastname: "Password", Email: "nopw@seaside.example",
			Role: inbox.RoleAgent}
		_, err := e.Admin.CreateHostWithToken(context.Background(), nopw, nil)
		must(t, err)
		for _, tc := range [][2]string{{"alice@seaside.example", "wrong password!!"}, {"nobody@seaside.example", password},
			{"nopw@seaside.example", password}} {
			b := e.browser()
			_, page := b.get("/signin")
			token := formToken.FindStringSubmatch(page)[1]
			resp, body := b.post("/signin", url.Values{"csrf": {token}, "email": {tc[0]}, "password": {tc[1]}}, false)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s: status %d, want 401", tc[0], resp.StatusCode)
			}
			if !strings.Contains(body, "Invalid e-mail or password.") {
				t.Errorf("%s: page lacks the one failure message", tc[0])
			}
		}
	})
	t.Run("ErrNoFormToken", func(t *testing.T) {
		b := e.browser()
		resp, _ := b.post("/signin", url.Values{"email": {"alice@seaside.example"}, "password": {password}}, false)
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("status=%d, want 403", resp.StatusCode)
		}
	})
	t.Run("RateLimited", func(t *testing.T) {
		// Ten attempts per e-mail address per window, on any node: the
		// eleventh is refused even with the right password.
		const email = "bruno@seaside.example"
		for i := range 10 {
			if resp := e.browser().trySignIn(email, "wrong password "+string(rune('a'+i))); resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("attempt %d: status %d, want 401", i+1, resp.StatusCode)
			}
		}
		resp := e.browser().trySignIn(email, password)
		if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
			t.Fatalf("status=%d Retry-After=%q, want 429 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
		}
	})
}

// TestSecureCookie: served over https (here: a base URL that says so), the
// session cookie is Secure.
func TestSecureCookie(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	h := server.New(server.Deps{App: e.App, Logger: discard(), BaseURL: "https://inbox.example"})
	const token = "0123456789abcdef0123456789abcdef"
	req := httptest.NewRequest("POST", "https://inbox.example/signin", strings.NewReader(url.Values{"csrf": {token},
		"email": {"alice@seaside.example"}, "password": {password}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "inboxd_form", Value: token})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	for _, c := range rec.Result().Cookies() {
		if c.Name == "inboxd_session" {
			if !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode {
				t.Fatalf("cookie Secure=%v HttpOnly=%v SameSite=%v, want all set", c.Secure, c.HttpOnly, c.SameSite)
			}
			return
		}
	}
	t.Fatalf("no session cookie (status %d)", rec.Code)
}

func TestSignOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	phone, laptop := e.browser(), e.browser()
	phone.signIn("alice@seaside.example", password)
	laptop.signIn("alice@seaside.example", password)

	if resp, _ := laptop.post("/signout", nil, true); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out: status %d", resp.StatusCode)
	}
	if resp, _ := laptop.get("/inbox"); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("signed-out laptop: status %d, want a redirect to sign in", resp.StatusCode)
	}
	if resp, _ := phone.get("/inbox"); resp.StatusCode != http.StatusOK {
		t.Fatalf("phone after the laptop signed out: status %d, want 200", resp.StatusCode)
	}
	laptop.signIn("alice@seaside.example", password)
	if resp, _ := phone.post("/signout/everywhere", nil, true); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: status %d", resp.StatusCode)
	}
	for name, b := range map[string]*browser{"phone": phone, "laptop": laptop} {
		if resp, _ := b.get("/inbox"); resp.StatusCode != http.StatusSeeOther ||
			!strings.HasPrefix(resp.Header.Get("Location"), "/signin") {
			t.Errorf("%s after sign-out everywhere: status %d, want a redirect to /signin", name, resp.StatusCode)
		}
	}
}

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	t.Run("Idle", func(t *testing.T) {
		e := newEnv(t, func(d *app.Deps) { d.SessionIdle = 300 * time.Millisecond })
		b := e.browser()
		b.signIn("alice@seaside.example", password)
		time.Sleep(400 * time.Millisecond)
		if resp, _ := b.get("/inbox"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("after the idle timeout: status %d, want a redirect to sign in", resp.StatusCode)
		}
	})
	t.Run("Absolute", func(t *testing.T) {
		e := newEnv(t, func(d *app.Deps) { d.SessionLifetime = 500 * time.Millisecond })
		b := e.browser()
		b.signIn("alice@seaside.example", password)
		// Used all along, the session still ends with its lifetime.
		for range 3 {
			time.Sleep(200 * time.Millisecond)
			b.get("/inbox")
		}
		if resp, _ := b.get("/inbox"); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("after the lifetime: status %d, want a redirect to sign in", resp.StatusCode)
		}
	})
}

// TestCSRF: every form of a signed-in page needs the session's token.
func TestCSRF(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	b.signIn("alice@seaside.example", password)
	path := "/inbox/conversations/" + itoa(e.Conv.DisplayID) + "/status"
	resp, _ := b.post(path, url.Values{"status": {"resolved"}}, false)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST without the token: status %d, want 403", resp.StatusCode)
	}
	other := e.browser()
	other.signIn("alice@seaside.example", password)
	resp, _ = b.post(path, url.Values{"status": {"resolved"}, "csrf": {other.csrf}}, false)
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("POST with another session's token: status %d, want 403", resp.StatusCode)
	}
	if got := e.conversation(e.Conv.ID).Status; got != inbox.StatusOpen {
		t.Fatalf("status=%s after refused posts, want open", got)
	}
	if resp, _ := b.post(path, url.Values{"status": {"resolved"}}, true); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST with the token: status %d, want 303", resp.StatusCode)
	}
	if got := e.conversation(e.Conv.ID).Status; got != inbox.StatusResolved {
		t.Fatalf("status=%s, want resolved", got)
	}
}

func TestInvitation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	h := &inbox.Host{AccountID: e.Account.ID, Firstname: "Nina", Lastname: "New", Email: "nina@seaside.example", Role: inbox.RoleAgent}
	_, err := e.Admin.CreateHostWithToken(ctx, h, nil)
	must(t, err)
	token, _, err := e.Admin.Invite(ctx, e.Account.ID, h.ID, time.Hour)
	must(t, err)

	b := e.browser()
	resp, page := b.get("/invite/" + token)
	if resp.StatusCode != http.StatusOK || !strings.Contains(page, "nina@seaside.example") {
		t.Fatalf("invitation page: status %d", resp.StatusCode)
	}
	form := formToken.FindStringSubmatch(page)[1]
	resp, page = b.post("/invite/"+token, url.Values{"csrf": {form}, "password": {"short"}, "confirm": {"short"}}, false)
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(page, "too short (minimum is 12 characters)") {
		t.Fatalf("short password: status %d, want 422 saying why", resp.StatusCode)
	}
	resp, _ = b.post("/invite/"+token, url.Values{"csrf": {form}, "password": {"a good long passphrase"},
		"confirm": {"a good long passphrase"}}, false)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("accept: status %d, want 303", resp.StatusCode)
	}
	if resp, _ := b.get("/inbox"); resp.StatusCode != http.StatusOK {
		t.Fatalf("inbox after accepting: status %d, want 200 (signed in)", resp.StatusCode)
	}
	// One use only.
	if resp, _ := e.browser().get("/invite/" + token); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("second use: status %d, want 404", resp.StatusCode)
	}
	e.browser().signIn("nina@seaside.example", "a good long passphrase")

	expired, _, err := e.Admin.Invite(ctx, e.Account.ID, h.ID, time.Millisecond)
	must(t, err)
	time.Sleep(5 * time.Millisecond)
	if resp, _ := e.browser().get("/invite/" + expired); resp.StatusCode != http.StatusNotFound {
		t.Fatalf("expired invitation: status %d, want 404", resp.StatusCode)
	}
}

// TestSignInRateLimitByAddress: one client address may try 100 sign-ins in
// a window, whatever e-mail addresses it tries; the next is refused, even
// with a right password.
func TestSignInRateLimitByAddress(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	token := b.signInFormToken()
	for i := range 100 {
		// No password: refused before any hashing, but counted.
		email := "guess" + strconv.Itoa(i) + "@seaside.example"
		if resp, _ := b.post("/signin", url.Values{"csrf": {token}, "email": {email}}, false); resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, resp.StatusCode)
		}
	}
	resp, _ := b.post("/signin", url.Values{"csrf": {token}, "email": {"alice@seaside.example"}, "password": {password}}, false)
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("attempt 101, right password: status %d Retry-After %q, want 429 with Retry-After", resp.StatusCode,
			resp.Header.Get("Retry-After"))
	}
}

// TestSignInBodyLimit: the forms reachable without a session read at most
// the anonymous body limit (8 KiB); a signed-in page's forms may send more.
func TestSignInBodyLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	b := e.browser()
	token := b.signInFormToken()
	big := strings.Repeat("x", 9<<10)
	for path, form := range map[string]url.Values{
		"/signin":          {"csrf": {token}, "email": {"alice@seaside.example"}, "password": {password}, "pad": {big}},
		"/invite/whatever": {"csrf": {token}, "password": {big}, "confirm": {big}},
		"/inbox/conversations/" + itoa(e.Conv.DisplayID) + "/messages": {"content": {big}},
	} {
		resp, body := b.post(path, form, false)
		if resp.StatusCode < 400 || resp.StatusCode >= 500 || strings.Contains(body, "Emma") {
			t.Errorf("POST %s of 9 KiB without a session: status %d, want a 4xx refusal", path, resp.StatusCode)
		}
		for _, c := range resp.Cookies() {
			if c.Name == "inboxd_session" && c.Value != "" {
				t.Errorf("POST %s of 9 KiB: a session cookie", path)
			}
		}
	}
	// Signed in, a reply of 20,000 characters goes through.
	b.signIn("alice@seaside.example", password)
	long := strings.Repeat("Welcome! ", 20000/9)
	resp, _ := b.post("/inbox/conversations/"+itoa(e.Conv.DisplayID)+"/messages", url.Values{"content": {long}}, true)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a long reply, signed in: status %d, want 303", resp.StatusCode)
	}
	if msgs := messages(t, e); msgs[len(msgs)-1].Content != long {
		t.Fatal("the long reply was not stored whole")
	}
}

// signInFormToken opens the sign-in page and returns its form token.
func (b *browser) signInFormToken() string {
	b.t.Helper()
	_, page := b.get("/signin")
	m := formToken.FindStringSubmatch(page)
	if m == nil {
		b.t.Fatal("sign-in page has no form token")
	}
	return m[1]
}
