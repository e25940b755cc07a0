// Package web is inboxd's web inbox: the pages where a team reads and
// answers its conversations, signs in, and consents to OAuth applications.
//
// Pages are rendered on the server with html/template; the stylesheet, the
// script and the templates are embedded in the binary, so nothing is built
// or fetched at run time. The script is small and optional: without it every
// page and action still works (forms post and redirect); with it the list
// and the conversation update live (an event stream, events.go) and the
// keyboard shortcuts work.
//
// Like the API dialects, the web inbox decides no rule: a handler reads its
// request, makes one call to internal/app (the same use cases and loaders the
// APIs call, with the signed-in host as the caller) and renders the answer.
// An agent therefore sees exactly the conversations the API shows it.
package web

import (
	"log/slog"
	"net/http"

	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/events"
	"github.com/inboxd/inbox/internal/httpx"
)

// Deps are what the web inbox needs.
type Deps struct {
	App    *app.App
	Logger *slog.Logger
	// BaseURL is the public base URL ("" derives it from each request): it
	// decides whether cookies are marked Secure.
	BaseURL string
	// Events is the node's outbox tail, which feeds live updates; nil
	// serves pages without them.
	Events *events.Tail
}

// Web serves the web inbox.
type Web struct {
	app     *app.App
	log     *slog.Logger
	baseURL string
	hub     *hub
	assets  *assets
	pages   *pages
}

// New returns the web inbox. Its live updates start with the first event
// stream and stop with the tail's context (nothing to close).
func New(d Deps) *Web {
	w := &Web{app: d.App, log: d.Logger, baseURL: d.BaseURL, assets: loadAssets()}
	if w.log == nil {
		w.log = slog.Default()
	}
	w.pages = loadPages(w.assets)
	if d.Events != nil {
		w.hub = newHub(d.Events, w.log)
	}
	return w
}

// Register mounts the web inbox's routes (routes.go).
func (w *Web) Register(mux httpx.Router) { w.routes(mux) }

// secure reports whether the request reached the server over https, as the
// browser sees it: cookies are then marked Secure.
func (w *Web) secure(r *http.Request) bool {
	base := httpx.BaseURL(w.baseURL, r)
	return len(base) >= 8 && base[:8] == "https://"
}
