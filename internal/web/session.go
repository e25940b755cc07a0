package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// Cookies. The session cookie holds the session's secret (the database
// keeps only its hash); the form cookie protects the forms shown before
// sign-in (sign-in, invitation) with the double-submit pattern.
const (
	sessionCookie = "inboxd_session"
	formCookie    = "inboxd_form"
	csrfHeader    = "X-CSRF-Token"
	// formMemory is how much of a multipart form is kept in memory; the
	// rest goes to temporary files, removed after the request.
	formMemory = 8 << 20
)

// authed wraps a handler of a signed-in page: the session cookie must name
// a live session (else GET requests go to the sign-in page, and other
// requests are refused), and every other method than GET must carry the
// session's CSRF token, in the form (csrf) or the X-CSRF-Token header.
func (w *Web) authed(h http.HandlerFunc) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		var p *inbox.Principal
		var err error = inbox.Errorf(inbox.EUNAUTHORIZED, "Please sign in.")
		if c, _ := r.Cookie(sessionCookie); c != nil && c.Value != "" {
			p, err = w.app.AuthenticateSession(r.Context(), c.Value)
		}
		if err != nil {
			if inbox.ErrorCode(err) != inbox.EUNAUTHORIZED {
				w.fail(rw, r, err)
				return
			}
			w.clearCookie(rw, r, sessionCookie)
			if r.Method == http.MethodGet && !strings.HasSuffix(r.URL.Path, "/events") {
				http.Redirect(rw, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			w.fail(rw, r, err)
			return
		}
		ctx := inbox.NewContextWithPrincipal(r.Context(), p)
		httpx.SetAccount(ctx, p.AccountID)
		r = r.WithContext(ctx)
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			httpx.LiftBodyLimit(r)
			if err := w.parseForm(r); err != nil {
				w.fail(rw, r, err)
				return
			}
			token := r.Header.Get(csrfHeader)
			if token == "" {
				token = r.PostFormValue("csrf")
			}
			if !w.app.VerifyCSRF(p, unmask(token)) {
				w.fail(rw, r, errCSRF)
				return
			}
		}
		h(rw, r)
	}
}

// errCSRF refuses a form that does not carry the session's token: posted
// from another site, or from a page of an older session.
var errCSRF = inbox.Errorf(inbox.EFORBIDDEN, "This form has expired or did not come from this site. Reload the page and try again.")

// parseForm reads a posted form: URL-encoded (bounded like every request
// body, httpx.ParseForm) or multipart (a reply with files, whose temporary
// files are removed after the request).
func (w *Web) parseForm(r *http.Request) error {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "multipart/form-data":
		// The server's body limit bounds the whole form.
		err := r.ParseMultipartForm(formMemory)
		if r.MultipartForm != nil {
			form := r.MultipartForm
			httpx.AfterRequest(r.Context(), func() { form.RemoveAll() })
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return inbox.Errorf(inbox.EINVALID, "The files are too large to send in one message.")
		} else if err != nil {
			return inbox.Errorf(inbox.EINVALID, "The form could not be read.")
		}
		return nil
	case "application/x-www-form-urlencoded", "":
		body, err := httpx.ReadBody(r)
		if err != nil {
			return inbox.Errorf(inbox.EINVALID, "The form is too large.")
		}
		form, err := httpx.ParseForm(body)
		if err != nil {
			return inbox.Errorf(inbox.EINVALID, "The form could not be read.")
		}
		r.PostForm = form
		r.Form = form
		return nil
	}
	return inbox.Errorf(inbox.EINVALID, "Unsupported form encoding.")
}

// mask hides a CSRF token behind a fresh random pad on every page, so that
// compressed pages never repeat it byte for byte (BREACH).
func mask(token string) string {
	pad := make([]byte, len(token))
	rand.Read(pad)
	out := make([]byte, 2*len(token))
	copy(out, pad)
	for i := range len(token) {
		out[len(token)+i] = pad[i] ^ token[i]
	}
	return base64.RawURLEncoding.EncodeToString(out)
}

func unmask(s string) string {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 || len(b)%2 != 0 {
		return ""
	}
	n := len(b) / 2
	out := make([]byte, n)
	for i := range n {
		out[i] = b[i] ^ b[n+i]
	}
	return string(out)
}

// base returns the layout's data for a signed-in page.
func (w *Web) base(r *http.Request, title, body string) page {
	p := inbox.PrincipalFromContext(r.Context())
	return page{Title: title, Host: p.Host, CSRF: mask(w.app.CSRFToken(p)), Body: body}
}

// setSession sets the session cookie: HttpOnly, Secure over https,
// SameSite=Lax (a link from elsewhere opens the inbox signed in, a form
// posted from elsewhere carries no session), until the session's end.
func (w *Web) setSession(rw http.ResponseWriter, r *http.Request, g *app.SessionGrant) {
	http.SetCookie(rw, &http.Cookie{Name: sessionCookie, Value: g.Token, Path: "/", HttpOnly: true, Secure: w.secure(r),
		SameSite: http.SameSiteLaxMode, Expires: g.Session.ExpiresAt, MaxAge: int(time.Until(g.Session.ExpiresAt) / time.Second)})
}

func (w *Web) clearCookie(rw http.ResponseWriter, r *http.Request, name string) {
	http.SetCookie(rw, &http.Cookie{Name: name, Value: "", Path: "/", HttpOnly: true, Secure: w.secure(r),
		SameSite: http.SameSiteLaxMode, MaxAge: -1})
}

// formToken returns the token of the pages shown before sign-in, setting
// its cookie when the browser has none yet.
func (w *Web) formToken(rw http.ResponseWriter, r *http.Request) string {
	if c, _ := r.Cookie(formCookie); c != nil && len(c.Value) == 32 {
		return c.Value
	}
	b := make([]byte, 16)
	rand.Read(b)
	v := hex.EncodeToString(b)
	http.SetCookie(rw, &http.Cookie{Name: formCookie, Value: v, Path: "/", HttpOnly: true, Secure: w.secure(r),
		SameSite: http.SameSiteStrictMode})
	return v
}

// checkFormToken checks a form shown before sign-in: its token must be the
// cookie's (a page of another site can set neither).
func (w *Web) checkFormToken(r *http.Request) bool {
	c, _ := r.Cookie(formCookie)
	t := r.PostFormValue("csrf")
	return c != nil && len(c.Value) == 32 && subtle.ConstantTimeCompare([]byte(c.Value), []byte(t)) == 1
}

// signInData is the sign-in page's.
type signInData struct {
	page
	Email, Next, Notice string
}

// signInPage shows the sign-in form (or, signed in already, goes on).
func (w *Web) signInPage(rw http.ResponseWriter, r *http.Request) {
	next := safeNext(r.URL.Query().Get("next"))
	if c, _ := r.Cookie(sessionCookie); c != nil {
		if _, err := w.app.AuthenticateSession(r.Context(), c.Value); err == nil {
			http.Redirect(rw, r, next, http.StatusSeeOther)
			return
		}
	}
	d := &signInData{page: page{Title: "Sign in", CSRF: w.formToken(rw, r), Body: "signin"}, Next: next}
	switch r.URL.Query().Get("notice") {
	case "signed-out":
		d.Notice = "You are signed out."
	case "everywhere":
		d.Notice = "You are signed out on every device."
	}
	w.render(rw, r, http.StatusOK, "signin", d)
}

// signIn checks the form and opens a session.
func (w *Web) signIn(rw http.ResponseWriter, r *http.Request) {
	if err := w.parseForm(r); err != nil {
		w.fail(rw, r, err)
		return
	}
	d := &signInData{page: page{Title: "Sign in", CSRF: w.formToken(rw, r), Body: "signin"},
		Email: r.PostFormValue("email"), Next: safeNext(r.PostFormValue("next"))}
	if !w.checkFormToken(r) {
		d.Error = errCSRF.Message
		w.render(rw, r, http.StatusForbidden, "signin", d)
		return
	}
	g, err := w.app.SignIn(r.Context(), d.Email, r.PostFormValue("password"),
		app.Client{Address: httpx.ClientIP(r.Context()), UserAgent: r.UserAgent()})
	if err != nil {
		status := w.status(r, err)
		if inbox.ErrorCode(err) == inbox.ERATELIMITED {
			rw.Header().Set("Retry-After", strconv.Itoa(int((15 * time.Minute).Seconds())))
		}
		d.Error = message(err)
		w.render(rw, r, status, "signin", d)
		return
	}
	w.setSession(rw, r, g)
	http.Redirect(rw, r, d.Next, http.StatusSeeOther)
}

// safeNext keeps a redirect after sign-in on this site: a path, never
// another origin ("//host", "/\host").
func safeNext(next string) string {
	if next == "" || next[0] != '/' || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n") {
		return "/inbox"
	}
	return next
}

// signOut ends this session, or with everywhere every session of the host.
func (w *Web) signOut(everywhere bool) http.HandlerFunc {
	return func(rw http.ResponseWriter, r *http.Request) {
		end, notice := w.app.SignOut, "signed-out"
		if everywhere {
			end, notice = w.app.SignOutEverywhere, "everywhere"
		}
		if err := end(r.Context()); err != nil {
			w.fail(rw, r, err)
			return
		}
		w.clearCookie(rw, r, sessionCookie)
		http.Redirect(rw, r, "/signin?notice="+notice, http.StatusSeeOther)
	}
}

// inviteData is the invitation page's.
type inviteData struct {
	page
	Invitation *app.InvitationView
	Token      string
	Min        int
}

// invitePage shows the form that sets an invited host's password.
func (w *Web) invitePage(rw http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	v, err := w.app.Invitation(r.Context(), token)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	w.render(rw, r, http.StatusOK, "invite", &inviteData{page: page{Title: "Set your password", CSRF: w.formToken(rw, r),
		Body: "invite"}, Invitation: v, Token: token, Min: app.MinPasswordLength})
}

// acceptInvite sets the password and signs the host in.
func (w *Web) acceptInvite(rw http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	if err := w.parseForm(r); err != nil {
		w.fail(rw, r, err)
		return
	}
	v, err := w.app.Invitation(r.Context(), token)
	if err != nil {
		w.fail(rw, r, err)
		return
	}
	d := &inviteData{page: page{Title: "Set your password", CSRF: w.formToken(rw, r), Body: "invite"},
		Invitation: v, Token: token, Min: app.MinPasswordLength}
	password := r.PostFormValue("password")
	switch {
	case !w.checkFormToken(r):
		d.Error = errCSRF.Message
	case password != r.PostFormValue("confirm"):
		d.Error = "The two passwords differ."
	}
	if d.Error != "" {
		w.render(rw, r, http.StatusUnprocessableEntity, "invite", d)
		return
	}
	g, err := w.app.AcceptInvitation(r.Context(), token, password,
		app.Client{Address: httpx.ClientIP(r.Context()), UserAgent: r.UserAgent()})
	if err != nil {
		d.Error = message(err)
		w.render(rw, r, w.status(r, err), "invite", d)
		return
	}
	w.setSession(rw, r, g)
	http.Redirect(rw, r, "/inbox", http.StatusSeeOther)
}
