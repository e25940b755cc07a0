// Package chatwoot is inboxd's Chatwoot Application API v1 dialect: the
// conversations and messages endpoints under /api/v1/accounts/{account_id},
// authenticated with a host's personal token (api_access_token). Handlers
// translate: decode the wire request, call internal/app, encode the answer.
package chatwoot

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// Deps are what the dialect needs.
type Deps struct {
	App    *app.App
	Logger *slog.Logger
	// BaseURL is the public base URL for attachment links; "" derives it
	// from each request.
	BaseURL string
}

// API serves the Chatwoot dialect.
type API struct {
	// routes holds every route again, for requests whose path Rails would
	// have routed after dropping a trailing slash or a .json format
	// (see canonical).
	routes  *http.ServeMux
	app     *app.App
	log     *slog.Logger
	baseURL string
}

// New returns the dialect.
func New(d Deps) *API {
	a := &API{app: d.App, log: d.Logger, baseURL: d.BaseURL}
	if a.log == nil {
		a.log = slog.Default()
	}
	return a
}

// accessToken returns the request's token: the api_access_token header
// (net/http canonicalises it to Api_access_token; Rack also folds
// api-access-token into it), else an Authorization bearer token. A present
// api_access_token wins even when it is unknown: there is no fallback.
func accessToken(r *http.Request) string {
	for _, name := range []string{"Api_access_token", "Api-Access-Token"} {
		if vs := r.Header.Values(name); len(vs) > 0 {
			return strings.TrimSpace(vs[0])
		}
	}
	return httpx.BearerToken(r)
}

// authed wraps a handler with Chatwoot's checks, in its order: token present
// and known (401), then, inside the handler's one app call, account exists
// (404), account active and the caller's (401). scope is the scope the route
// needs, stated in the route table: the caller must hold it (a personal token
// acts as its host, whose role decides), and the handler's use case must
// require exactly it (internal/app fails the request otherwise). POSTs honour
// Idempotency-Key.
func (a *API) authed(scope inbox.Scope, h http.HandlerFunc) http.HandlerFunc {
	return a.authenticated(scope, true, h)
}

// authedUser is authed for a route outside any account (the profile).
func (a *API) authedUser(scope inbox.Scope, h http.HandlerFunc) http.HandlerFunc {
	return a.authenticated(scope, false, h)
}

func (a *API) authenticated(scope inbox.Scope, inAccount bool, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if a.canonical(w, r) {
			return
		}
		token := accessToken(r)
		if token == "" {
			a.writeError(w, r, apiError(inbox.EUNAUTHORIZED, "api_access_token", msgMissingToken))
			return
		}
		p, err := a.app.Authenticate(r.Context(), token)
		if err != nil {
			if inbox.ErrorCode(err) != inbox.EUNAUTHORIZED {
				a.writeError(w, r, err) // the token could not be checked: 500 or 503
				return
			}
			a.writeError(w, r, apiError(inbox.EUNAUTHORIZED, "api_access_token", msgInvalidToken))
			return
		}
		// Only a host's personal token is a Chatwoot user token; an OAuth
		// application token is not one.
		if p.Kind != inbox.TokenPersonal || p.Host == nil {
			a.writeError(w, r, apiError(inbox.EUNAUTHORIZED, "api_access_token", msgInvalidToken))
			return
		}
		var accountID int64
		if inAccount {
			if accountID, err = strconv.ParseInt(r.PathValue("account_id"), 10, 64); err != nil || accountID <= 0 {
				a.writeError(w, r, apiError(inbox.ENOTFOUND, "account_id", msgNotFound))
				return
			}
		}
		if !p.Allows(scope) {
			a.writeError(w, r, apiError(inbox.EUNAUTHORIZED, "api_access_token", msgNotPermitted))
			return
		}
		ctx := inbox.NewContextWithPrincipal(r.Context(), p)
		ctx = app.WithRequest(ctx, app.Request{Scope: scope, AccountID: accountID})
		if accountID == 0 {
			accountID = p.AccountID
		}
		httpx.SetAccount(ctx, accountID)
		httpx.LiftBodyLimit(r)
		if r.Method == http.MethodPost {
			httpx.Idempotent(func(w http.ResponseWriter, r *http.Request, err error) { a.writeError(w, r, err) }, h)(w, r.WithContext(ctx))
			return
		}
		h(w, r.WithContext(ctx))
	}
}

// canonical serves a request whose path ends in a slash or in ".json" as
// the request without it, as Rails routes both (GET …/contacts/ and
// …/contacts.json are …/contacts), and reports whether it did.
func (a *API) canonical(w http.ResponseWriter, r *http.Request) bool {
	path := r.URL.Path
	trimmed := strings.TrimSuffix(strings.TrimSuffix(path, "/"), ".json")
	if trimmed == path || a.routes == nil || !strings.HasPrefix(trimmed, "/api/v1/") {
		return false
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path, r2.URL.RawPath = trimmed, ""
	if _, pattern := a.routes.Handler(r2); pattern == "" {
		return false
	}
	a.routes.ServeHTTP(w, r2)
	return true
}

// base returns the public base URL for links.
func (a *API) base(r *http.Request) string { return httpx.BaseURL(a.baseURL, r) }
