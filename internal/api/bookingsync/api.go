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
	"encoding/json"
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
	// Streams serves GET /api/v3/inbox/stream (realtime.Hub); nil leaves
	// the route out.
	Streams Streamer
}

// Streamer serves an application's event stream (realtime.Hub.Stream):
// after is the last event id the client saw, if any. It returns an error
// only before the stream starts.
type Streamer interface {
	Stream(w http.ResponseWriter, r *http.Request, after *int64) error
}

// API serves the BookingSync dialect.
type API struct {
	app     *app.App
	log     *slog.Logger
	baseURL string
	hints   *pageHints
	streams Streamer
}

// New returns the BookingSync API.
func New(d Deps) *API {
	a := &API{app: d.App, log: d.Logger, baseURL: d.BaseURL, hints: newPageHints(defaultHintCapacity, defaultHintTTL),
		streams: d.Streams}
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
	a.envelope(status, templates, plural, records, meta).Write(w)
}

// envelope renders a BookingSync document (see writeEnvelope).
func (a *API) envelope(status int, templates object, plural string, records []object, meta object) httpx.Response {
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
		b, _ = json.Marshal(map[string][]errorBody{"errors": {{Code: "internal_server_error"}}})
		return httpx.Response{Status: http.StatusInternalServerError, ContentType: contentTypeAPI, Body: b}
	}
	return httpx.Response{Status: status, ContentType: contentTypeAPI, Body: b}
}

// updated renders the answer to an update: 200 with the record.
func (a *API) updated(templates object, plural string, rec object) httpx.Response {
	return a.envelope(http.StatusOK, templates, plural, []object{rec}, nil)
}

// created renders the answer to a create: 201 with the new record and its
// Location.
func (a *API) created(r *http.Request, path string, id int64, templates object, plural string, rec object) httpx.Response {
	resp := a.envelope(http.StatusCreated, templates, plural, []object{rec}, nil)
	resp.Location = a.apiURL(r, path+"/"+strconv.FormatInt(id, 10))
	return resp
}
