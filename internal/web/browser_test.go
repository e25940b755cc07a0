package web_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/inboxtest"
	"golang.org/x/oauth2"
)

// The browser tests drive the web inbox in a real Chromium (Debian's
// chromium, or INBOXD_TEST_CHROMIUM), headless, one browser for the whole
// package and one private browser context (its own cookies) per person.
// Without Chromium they skip; .ci/run installs it and fails if they did.

var chrome struct {
	once   sync.Once
	ctx    context.Context // the browser's
	cancel func()
	dir    string
	skip   string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if chrome.cancel != nil {
		chrome.cancel()
		os.RemoveAll(chrome.dir)
	}
	os.Exit(code)
}

// chromiumPath finds the browser.
func chromiumPath() string {
	if p := os.Getenv("INBOXD_TEST_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// tab returns a new page in its own browser context: a person with a
// browser of their own.
func tab(t *testing.T) context.Context {
	t.Helper()
	chrome.once.Do(func() {
		path := chromiumPath()
		if path == "" {
			chrome.skip = "chromium not installed (apt-get install chromium, or set INBOXD_TEST_CHROMIUM)"
			return
		}
		dir, err := os.MkdirTemp("", "inboxd-chromium-")
		if err != nil {
			chrome.skip = err.Error()
			return
		}
		chrome.dir = dir
		alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), chromedp.ExecPath(path),
			chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
			chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
			chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true),
			chromedp.Flag("disable-dev-shm-usage", true), chromedp.UserDataDir(dir), chromedp.WindowSize(1280, 800))
		ctx, cancel := chromedp.NewContext(alloc)
		if err := chromedp.Do(ctx); err != nil {
			cancel()
			cancelAlloc()
			chrome.skip = "chromium does not start: " + err.Error()
			return
		}
		chrome.ctx, chrome.cancel = ctx, func() { cancel(); cancelAlloc() }
	})
	if chrome.skip != "" {
		t.Skip(chrome.skip)
	}
	t.Logf("test browser: chromium (engine %s)", inboxtest.Engine())
	ctx, cancel := chromedp.NewContext(chrome.ctx, chromedp.WithNewBrowserContext())
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel() })
	must(t, chromedp.Do(ctx))
	return ctx
}

// js runs an expression for its effect.
func js(expr string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.Evaluate[any]("(() => {"+expr+"; return true})()")(ctx, t)
		return err
	})
}

// load runs steps that navigate and waits for the page; it returns the
// page's status.
func load(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) int64 {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, steps...)
	must(t, err)
	return resp.Status
}

func signInTab(t *testing.T, ctx context.Context, base, email string) {
	t.Helper()
	load(t, ctx, chromedp.Navigate(base+"/signin"))
	status := load(t, ctx, chromedp.SendKeys(chromedp.ID("email"), email), chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("form button.primary")))
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); status != 200 || !strings.HasSuffix(loc, "/inbox") {
		t.Fatalf("sign in as %s: status %d at %s", email, status, loc)
	}
}

func evalT[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	must(t, err)
	return v
}

// TestBrowserInbox: sign in, read the list, open a conversation, reply and
// see the reply; a second person on the same conversation sees it arrive
// live; assign, label and resolve; a form posted without the CSRF token is
// refused; the session cookie's flags; an agent cannot open another
// inbox's conversation by its URL.
func TestBrowserInbox(t *testing.T) {
	e := newEnv(t)
	alice, bruno := tab(t), tab(t)
	signInTab(t, alice, e.URL, "alice@seaside.example")
	signInTab(t, bruno, e.URL, "bruno@seaside.example")

	// The list: newest first; j selects, Enter opens.
	must(t, chromedp.Do(alice, chromedp.WaitVisible(chromedp.ID("conv-"+itoa(e.Conv.DisplayID)))))
	rows := evalT[[]string](t, alice, `[...document.querySelectorAll('#convs .who')].map(e => e.textContent)`)
	if len(rows) != 2 {
		t.Fatalf("administrator's list: %q, want both conversations", rows)
	}
	must(t, chromedp.Do(alice, chromedp.KeyEvent("j"), chromedp.KeyEvent("j")))
	if sel := evalT[string](t, alice, `document.querySelector('.conv.sel').id`); sel != "conv-"+itoa(e.Conv.DisplayID) {
		t.Fatalf("after j j the selection is %s", sel)
	}
	load(t, alice, chromedp.KeyEvent("\r"))
	conv := "/inbox/conversations/" + itoa(e.Conv.DisplayID)
	if loc, _ := chromedp.Run(alice, chromedp.Location()); !strings.Contains(loc, conv) {
		t.Fatalf("Enter opened %s", loc)
	}

	// Bruno opens the same conversation and watches.
	load(t, bruno, chromedp.Navigate(e.URL+conv))
	must(t, chromedp.Do(bruno, chromedp.Poll[chromedp.Void](`document.getElementById('live').dataset.state === 'on'`),
		// Only shifts from here on count: the page's own load (buffered
		// entries, which a loaded machine can spread out) is not the new
		// message's doing.
		js(`window.shift = 0; window.arrived = 0;
			new PerformanceObserver(l => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.shift += e.value; })
				.observe({type: 'layout-shift'});
			new MutationObserver(() => { if (!window.arrived && document.body.textContent.includes('See you at noon')) window.arrived = Date.now(); })
				.observe(document.getElementById('msgs'), {childList: true, subtree: true});
			window.loaded = performance.timeOrigin`)))

	// Alice replies (r focuses the reply box) and sees her reply at once.
	must(t, chromedp.Do(alice, chromedp.KeyEvent("r")))
	if focused := evalT[string](t, alice, `document.activeElement.id`); focused != "content" {
		t.Fatalf("r focused %q, want the reply box", focused)
	}
	status := load(t, alice, chromedp.KeyEvent("See you at noon, Emma!"), chromedp.Click(chromedp.CSS("#compose button.primary")))
	if status != 200 {
		t.Fatalf("reply: status %d", status)
	}
	if last := evalT[string](t, alice, `document.querySelector('#msgs > li:last-child').textContent`); !strings.Contains(last, "See you at noon, Emma!") {
		t.Fatalf("Alice's last message after replying: %q", last)
	}
	// …and Bruno sees it arrive without reloading.
	must(t, chromedp.Do(bruno, chromedp.Poll[chromedp.Void](`window.arrived > 0`, chromedp.WithPollingTimeout(10*time.Second))))
	arrived := evalT[int64](t, bruno, `window.arrived`)
	var sent time.Time
	msgs := messages(t, e)
	for _, m := range msgs {
		if strings.Contains(m.Content, "See you at noon") {
			sent = m.CreatedAt
		}
	}
	delay := time.UnixMilli(arrived).Sub(sent)
	t.Logf("the reply reached the second browser %s after it was stored", delay)
	if delay > time.Second {
		t.Errorf("the reply reached the second browser after %s, want within a second", delay)
	}
	if reloaded := evalT[bool](t, bruno, `window.loaded !== performance.timeOrigin || !window.arrived`); reloaded {
		t.Error("Bruno's page reloaded to show the reply")
	}
	if shift := evalT[float64](t, bruno, `window.shift`); shift != 0 {
		t.Errorf("the new message shifted the layout by %v, want 0", shift)
	}

	// Assign to Bruno (the select submits itself), label, resolve with e.
	load(t, alice, js(`const s = document.getElementById('assignee'); s.value = '`+itoa(e.Agent.ID)+`';
		s.dispatchEvent(new Event('change', {bubbles: true}))`))
	load(t, alice, chromedp.SendKeys(chromedp.ID("new-label"), "vip"), chromedp.Click(chromedp.Search(`//button[text()="Save labels"]`)))
	must(t, chromedp.Do(alice, chromedp.Click(chromedp.ID("main")))) // out of the label field
	load(t, alice, chromedp.KeyEvent("e"))
	v := e.conversation(e.Conv.ID)
	if v.AssigneeID == nil || *v.AssigneeID != e.Agent.ID || len(v.Labels) != 1 || v.Labels[0] != "vip" || v.Status != inbox.StatusResolved {
		t.Fatalf("after assign, label, resolve: assignee %v labels %v status %s", v.AssigneeID, v.Labels, v.Status)
	}
	// Bruno's page follows: his details say resolved, assigned to him.
	must(t, chromedp.Do(bruno, chromedp.Poll[chromedp.Void](`document.querySelector('#details .state').textContent.includes('Resolved') &&
		document.getElementById('assignee').value === '`+itoa(e.Agent.ID)+`'`, chromedp.WithPollingTimeout(10*time.Second))))

	// New conversations appear at the top of Bruno's list as they come,
	// those of his inbox only.
	load(t, bruno, chromedp.Navigate(e.URL+"/inbox?status=all"))
	must(t, chromedp.Do(bruno, chromedp.Poll[chromedp.Void](`document.getElementById('live').dataset.state === 'on'`)))
	e.newConversation(e.Airbnb, e.newGuest("Olga Other"), "Towels", "HIDDEN-NEW")
	fresh := e.newConversation(e.API, e.newGuest("Noah Newcomer"), "Late arrival", "We land at 11 pm.")
	must(t, chromedp.Do(bruno, chromedp.Poll[chromedp.Void](`(top => top.id === 'conv-`+itoa(fresh.DisplayID)+`' &&
		top.textContent.includes('We land at 11 pm.'))(document.querySelector('#convs > li'))`,
		chromedp.WithPollingTimeout(10*time.Second))))
	if list := evalT[string](t, bruno, `document.getElementById('convs').textContent`); strings.Contains(list, "Olga") || strings.Contains(list, "HIDDEN") {
		t.Fatalf("Bruno's list after two new conversations: %q, want the one of his inbox only", list)
	}

	// A form posted without the CSRF token changes nothing.
	code, err := chromedp.Run(alice, chromedp.Evaluate[int](`fetch('`+conv+`/status', {method: 'POST',
		body: new URLSearchParams({status: 'open'})}).then(r => r.status)`, chromedp.EvalAwaitPromise))
	must(t, err)
	if code != http.StatusForbidden {
		t.Fatalf("POST without the CSRF token: status %d, want 403", code)
	}
	if s := e.conversation(e.Conv.ID).Status; s != inbox.StatusResolved {
		t.Fatalf("status %s after a refused post", s)
	}

	// The session cookie: HttpOnly (no script reads it), SameSite=Lax, not
	// Secure over plain http.
	cookies, err := chromedp.Run(alice, chromedp.Action[[]*network.Cookie](func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		r, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{e.URL}})
		return r.Cookies, err
	}))
	must(t, err)
	found := false
	for _, c := range cookies {
		if c.Name == "inboxd_session" {
			found = true
			if !c.HTTPOnly || c.SameSite != network.CookieSameSiteLax || c.Secure {
				t.Errorf("session cookie HttpOnly=%v SameSite=%v Secure=%v", c.HTTPOnly, c.SameSite, c.Secure)
			}
		}
	}
	if !found || strings.Contains(evalT[string](t, alice, `document.cookie`), "inboxd_session") {
		t.Errorf("session cookie found=%v, readable by scripts=%v", found, !found)
	}

	// Bruno works in the API inbox only: the Airbnb conversation's URL
	// shows him nothing of it.
	status = load(t, bruno, chromedp.Navigate(e.URL+"/inbox/conversations/"+itoa(e.Hidden.DisplayID)))
	if body := evalT[string](t, bruno, `document.body.textContent`); status != http.StatusForbidden || strings.Contains(body, "HIDDEN") {
		t.Fatalf("agent opening another inbox's conversation: status %d", status)
	}
}

func messages(t *testing.T, e *env) []*inbox.Message {
	var out []*inbox.Message
	must(t, e.App.Read(e.ownerCtx, inbox.ScopeInboxRead, func(l *app.Loader) (err error) {
		out, _, err = l.Messages(inbox.MessageFilter{ConversationID: &e.Conv.ID})
		return err
	}))
	return out
}

// TestBrowserConsent: an application gets a token by the authorization
// code grant, golang.org/x/oauth2 on its side, a person clicking Allow on
// the consent page in between.
func TestBrowserConsent(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := tab(t)
	c := e.newOAuthClient(t, false, inbox.ScopeInboxRead)
	verifier := oauth2.GenerateVerifier()
	authURL := c.cfg.AuthCodeURL("state-42", oauth2.S256ChallengeOption(verifier))

	// Not signed in yet: the sign-in page comes first, then the consent.
	load(t, ctx, chromedp.Navigate(authURL))
	load(t, ctx, chromedp.SendKeys(chromedp.ID("email"), "alice@seaside.example"), chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.CSS("form button.primary")))
	if h1 := evalT[string](t, ctx, `document.querySelector('h1').textContent`); !strings.Contains(h1, "Channel Manager") {
		t.Fatalf("consent page heading %q", h1)
	}
	load(t, ctx, chromedp.Click(chromedp.CSS(`button[value="allow"]`)))
	var q map[string][]string
	select {
	case q = <-c.got:
	case <-time.After(10 * time.Second):
		t.Fatal("the browser never came back to the application")
	}
	if got := q["state"]; len(got) != 1 || got[0] != "state-42" || len(q["code"]) != 1 {
		t.Fatalf("callback query %v", q)
	}
	tok, err := c.cfg.Exchange(context.Background(), q["code"][0], oauth2.VerifierOption(verifier))
	must(t, err)
	resp, err := c.cfg.Client(context.Background(), tok).Get(e.URL + "/api/v3/inbox/conversations")
	must(t, err)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("API with the token: status %d", resp.StatusCode)
	}
}

// TestBrowserAccessibility: on the list and on a conversation, every
// control has a label, keyboard focus is visible, the shortcuts' help opens
// with ? and k moves back up; at a phone's width nothing is wider than the
// screen.
func TestBrowserAccessibility(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.seedStory()
	ctx := tab(t)
	signInTab(t, ctx, e.URL, "alice@seaside.example")
	const unlabelled = `[...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')].filter(el =>
		!(el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.title || el.closest('label') ||
		  (el.id && document.querySelector('label[for="' + el.id + '"]')) ||
		  (el.tagName === 'BUTTON' && el.textContent.trim()))).map(el => el.outerHTML.slice(0, 100))`
	const focusVisible = `(el => { const s = getComputedStyle(el);
		return el !== document.body && (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 || s.boxShadow !== 'none'); })(document.activeElement)`
	for _, path := range []string{"/inbox", "/inbox/conversations/" + itoa(c.DisplayID)} {
		load(t, ctx, chromedp.Navigate(e.URL+path))
		if bad := evalT[[]string](t, ctx, unlabelled); len(bad) > 0 {
			t.Errorf("%s: controls without a label: %q", path, bad)
		}
		for i := range 6 {
			must(t, chromedp.Do(ctx, chromedp.KeyEvent("\t")))
			if !evalT[bool](t, ctx, focusVisible) {
				t.Errorf("%s: tab %d focuses %s without a visible focus ring", path, i+1,
					evalT[string](t, ctx, `document.activeElement.outerHTML.slice(0, 100)`))
			}
		}
	}

	// The list: j j k selects the first row again; ? opens the help.
	load(t, ctx, chromedp.Navigate(e.URL+"/inbox"))
	must(t, chromedp.Do(ctx, chromedp.KeyEvent("j"), chromedp.KeyEvent("j"), chromedp.KeyEvent("k")))
	if sel, first := evalT[string](t, ctx, `document.querySelector('.conv.sel').id`),
		evalT[string](t, ctx, `document.querySelector('#convs > .conv').id`); sel != first {
		t.Errorf("after j j k the selection is %s, want the first row %s", sel, first)
	}
	must(t, chromedp.Do(ctx, chromedp.KeyEvent("?")))
	if !evalT[bool](t, ctx, `document.getElementById('help').open`) {
		t.Error("? did not open the keyboard help")
	}

	// A phone: one column, nothing wider than the screen.
	must(t, chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2))))
	for _, path := range []string{"/inbox", "/inbox/conversations/" + itoa(c.DisplayID)} {
		load(t, ctx, chromedp.Navigate(e.URL+path))
		if w := evalT[[]int](t, ctx, `[document.documentElement.scrollWidth, innerWidth]`); w[0] > w[1] {
			t.Errorf("%s at 390 px: the page is %d px wide", path, w[0])
		}
	}
}
