package web

import (
	"errors"
	"net/http"
	"net/url"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// The consent page of the OAuth authorization-code grant (RFC 6749 §4.1):
// GET /oauth/authorize asks the signed-in host, POST records the answer and
// sends the browser back to the application. internal/app validates the
// request and decides; this file reads parameters and writes redirects.

// consentData is the consent page's.
type consentData struct {
	page
	Consent *app.Consent
	Req     app.AuthorizeRequest
}

func authorizeRequest(v url.Values) app.AuthorizeRequest {
	return app.AuthorizeRequest{ResponseType: v.Get("response_type"), ClientID: v.Get("client_id"),
		RedirectURI: v.Get("redirect_uri"), Scope: v.Get("scope"), State: v.Get("state"),
		CodeChallenge: v.Get("code_challenge"), CodeChallengeMethod: v.Get("code_challenge_method")}
}

// authorizePage shows the application's name and the scopes it asks for,
// with allow and deny.
func (w *Web) authorizePage(rw http.ResponseWriter, r *http.Request) {
	req := authorizeRequest(r.URL.Query())
	c, err := w.app.CheckAuthorization(r.Context(), req)
	if err != nil {
		w.authorizeFailed(rw, r, err)
		return
	}
	d := &consentData{page: w.base(r, "Authorize "+c.Application.Name, "consent"), Consent: c, Req: req}
	d.redirectTo = c.RedirectURI
	w.render(rw, r, http.StatusOK, "consent", d)
}

// authorize records the host's answer and sends the browser back to the
// application with a code, or with access_denied.
func (w *Web) authorize(rw http.ResponseWriter, r *http.Request) {
	req := authorizeRequest(r.PostForm)
	a, err := w.app.Authorize(r.Context(), req, r.PostFormValue("decision") == "allow")
	if err != nil {
		w.authorizeFailed(rw, r, err)
		return
	}
	v := url.Values{}
	if a.Error != "" {
		v.Set("error", a.Error)
		v.Set("error_description", a.Description)
	} else {
		v.Set("code", a.Code)
	}
	if a.State != "" {
		v.Set("state", a.State)
	}
	redirectBack(rw, r, a.RedirectURI, v)
}

// authorizeFailed answers an invalid authorization request: back to the
// application when its redirect URI is known (RFC 6749 §4.1.2.1), else on
// an error page, never to an unverified URI.
func (w *Web) authorizeFailed(rw http.ResponseWriter, r *http.Request, err error) {
	var ae *app.AuthorizeError
	if !errors.As(err, &ae) {
		w.fail(rw, r, err)
		return
	}
	if ae.RedirectURI == "" {
		w.fail(rw, r, inbox.Errorf(inbox.EINVALID, "%s (%s)", ae.Description, ae.Name))
		return
	}
	v := url.Values{"error": {ae.Name}, "error_description": {ae.Description}}
	if ae.State != "" {
		v.Set("state", ae.State)
	}
	redirectBack(rw, r, ae.RedirectURI, v)
}

// redirectBack sends the browser to a registered redirect URI with the
// answer's parameters added to its query.
func redirectBack(rw http.ResponseWriter, r *http.Request, redirectURI string, v url.Values) {
	u, err := url.Parse(redirectURI)
	if err != nil {
		http.Error(rw, "Bad redirect URI.", http.StatusInternalServerError)
		return
	}
	q := u.Query()
	for k, vs := range v {
		q[k] = vs
	}
	u.RawQuery = q.Encode()
	rw.Header().Set("Cache-Control", "no-store")
	http.Redirect(rw, r, u.String(), http.StatusSeeOther)
}
