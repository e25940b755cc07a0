// Package bookingsync is inboxd's BookingSync API v3 dialect: the Inbox
// resources (conversations, participants, messages, attachments), the few
// related resources they link to, and the OAuth 2.0 endpoints, under /api/v3
// and /oauth.
//
// It only translates: a handler decodes the wire request, maps it to an
// internal/app call, and encodes the result in BookingSync's envelope. Every
// rule lives in internal/app.
package bookingsync

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// Deps are what the API needs.
type Deps struct {
	App    *app.App
	Logger *slog.Logger
	// BaseURL is the public base URL used in every absolute URL emitted
	// (links templates, Link, Location); "" derives it from each request.
	BaseURL string
}

// API serves the BookingSync dialect.
type API struct {
	app     *app.App
	log     *slog.Logger
	baseURL string
	hints   *pageHints
}

// New returns the BookingSync API.
func New(d Deps) *API {
	a := &API{app: d.App, log: d.Logger, baseURL: d.BaseURL, hints: newPageHints(defaultHintCapacity, defaultHintTTL)}
	if a.log == nil {
		a.log = slog.Default()
	}
	return a
}

// Content types of responses.
const (
	contentTypeAPI  = "application/vnd.api+json; charset=utf-8"
	contentTypeJSON = "application/json; charset=utf-8"
)

// base returns the public base URL for this request, without a trailing slash.
func (a *API) base(r *http.Request) string { return httpx.BaseURL(a.baseURL, r) }

// apiURL is the absolute URL of a path under /api/v3.
func (a *API) apiURL(r *http.Request, path string) string { return a.base(r) + "/api/v3" + path }

// writeEnvelope writes a BookingSync document: the templates, the records
// under their plural key (always an array) and meta.
func (a *API) writeEnvelope(w http.ResponseWriter, status int, templates object, plural string, records []object, meta object) {
	if records == nil {
		records = []object{}
	}
	if meta == nil {
		meta = object{}
	}
	doc := object{}
	if templates != nil {
		doc = append(doc, field{"links", templates})
	}
	doc = append(doc, field{plural, records}, field{"meta", meta})
	b, err := marshal(doc)
	if err != nil {
		a.log.Error("encode response", "err", err)
		httpx.WriteJSON(w, http.StatusInternalServerError, contentTypeAPI,
			map[string][]errorBody{"errors": {{Code: "internal_server_error"}}})
		return
	}
	w.Header().Set("Content-Type", contentTypeAPI)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

// writeCreated answers 201 with the new record and its Location.
func (a *API) writeCreated(w http.ResponseWriter, r *http.Request, path string, id int64, templates object, plural string, rec object) {
	w.Header().Set("Location", a.apiURL(r, path+"/"+strconv.FormatInt(id, 10)))
	a.writeEnvelope(w, http.StatusCreated, templates, plural, []object{rec}, nil)
}
