// Package server assembles inboxd's HTTP handler: health checks, attachment
// downloads, the two API dialects and the web inbox, behind the shared
// middleware.
package server

import (
	"context"
	"crypto/subtle"
	"errors"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/api/bookingsync"
	"github.com/inboxd/inbox/internal/api/chatwoot"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/events"
	"github.com/inboxd/inbox/internal/httpx"
	"github.com/inboxd/inbox/internal/metrics"
	"github.com/inboxd/inbox/internal/realtime"
	"github.com/inboxd/inbox/internal/version"
	"github.com/inboxd/inbox/internal/web"
)

// Deps are what the server needs.
type Deps struct {
	App     *app.App
	Logger  *slog.Logger
	BaseURL string // public base URL; "" derives it from each request (see httpx.BaseURL)
	// TrustedProxies are the reverse proxies whose X-Forwarded-* headers
	// are believed.
	TrustedProxies httpx.Proxies
	// MetricsToken, when set, serves /metrics to requests bearing it.
	MetricsToken string
	// MaxBody bounds request bodies; it must fit a 10 MB attachment in
	// Base64 inside JSON.
	MaxBody int64
	// Realtime serves /cable and the BookingSync event stream; nil serves
	// no realtime routes.
	Realtime *realtime.Hub
	// Events is the node's outbox tail; the web inbox's live updates read
	// it (nil: pages without live updates).
	Events *events.Tail
}

// DefaultMaxBody is 16 MiB: a 10 MiB file in Base64 is about 13.4 MiB.
const DefaultMaxBody = 16 << 20

// New returns the root handler.
func New(d Deps) http.Handler {
	if d.MaxBody <= 0 {
		d.MaxBody = DefaultMaxBody
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	build := version.Get()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8",
			map[string]string{"status": "ok", "version": build.Version, "commit": build.Commit, "built": build.Date})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := d.App.Ping(ctx); err != nil {
			d.Logger.Error("readiness check failed", "err", err)
			httpx.WriteJSON(w, http.StatusServiceUnavailable, "application/json; charset=utf-8",
				map[string]string{"status": "unavailable"})
			return
		}
		httpx.WriteJSON(w, http.StatusOK, "application/json; charset=utf-8", map[string]string{"status": "ok"})
	})
	if d.MetricsToken != "" {
		mux.Handle("GET /metrics", metricsHandler(d.MetricsToken))
	}
	mux.HandleFunc("GET /files/{account}/{id}/{token}/{name}", fileHandler(d.App, d.Logger))
	if d.Realtime != nil {
		mux.Handle("GET /cable", d.Realtime.Cable()) // Chatwoot's ActionCable (RoomChannel)
	}
	bs := bookingsync.Deps{App: d.App, Logger: d.Logger, BaseURL: d.BaseURL}
	if d.Realtime != nil {
		bs.Streams = d.Realtime // GET /api/v3/inbox/stream
	}
	bookingsync.New(bs).Register(mux)
	chatwoot.New(chatwoot.Deps{App: d.App, Logger: d.Logger, BaseURL: d.BaseURL}).Register(mux)
	web.New(web.Deps{App: d.App, Logger: d.Logger, BaseURL: d.BaseURL, Events: d.Events}).Register(mux)
	return httpx.Forwarded(httpx.Middleware(mux, d.Logger, d.MaxBody, func(w http.ResponseWriter, r *http.Request) {
		httpx.WriteJSON(w, http.StatusInternalServerError, "application/json; charset=utf-8",
			map[string]string{"error": "Internal error."})
	}), d.TrustedProxies)
}

// metricsHandler serves the metrics to requests bearing the token. Others
// get a 404, as if there were no such route.
func metricsHandler(token string) http.Handler {
	h := metrics.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(httpx.BearerToken(r)), []byte(token)) != 1 {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// fileHandler serves attachment bytes, streamed (a download holds a small
// buffer, not the file). The URL carries a token signed with the server key
// (see internal/app's download links): only someone who was given the link
// can fetch the file, and only until the link expires.
func fileHandler(a *app.App, log *slog.Logger) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		account, err1 := strconv.ParseInt(r.PathValue("account"), 10, 64)
		id, err2 := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err1 != nil || err2 != nil {
			http.NotFound(w, r)
			return
		}
		f, err := a.OpenAttachmentFile(r.Context(), account, id, r.PathValue("token"))
		if errors.Is(err, app.ErrLinkExpired) {
			http.Error(w, inbox.ErrorMessage(err), http.StatusForbidden)
			return
		} else if err != nil {
			if inbox.ErrorCode(err) != inbox.ENOTFOUND {
				log.Error("open attachment", "err", err, "request_id", httpx.RequestID(r.Context()))
			}
			http.NotFound(w, r)
			return
		}
		defer f.Content.Close()
		att := f.Attachment
		w.Header().Set("Content-Type", att.ContentType)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Content-Security-Policy", "sandbox")
		// Cacheable by the client for as long as the link works.
		maxAge := max(int64(time.Until(f.Expires)/time.Second), 0)
		w.Header().Set("Cache-Control", "private, max-age="+strconv.FormatInt(maxAge, 10))
		if att.Name != "" {
			w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": att.Name}))
		}
		// ServeContent streams, and answers Range and If-Modified-Since.
		http.ServeContent(w, r, "", att.UpdatedAt, f.Content)
	}
}
