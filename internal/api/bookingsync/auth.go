package bookingsync

import (
	"net/http"
	"strconv"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// syncedAtLayout is Ruby's Time#to_s in UTC, which clients send back as the
// next updated_since.
const syncedAtLayout = "2006-01-02 15:04:05 UTC"

// scope wraps an /api/v3 handler: it stamps the request's start time,
// authenticates the OAuth bearer token, counts the request against the hourly
// rate limit, checks the scope the route needs (and tells internal/app, whose
// use case must require exactly that scope), and honours Idempotency-Key on
// POSTs.
func (a *API) scope(s inbox.Scope, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Updated-Since-Request-Synced-At", httpx.RequestStart(r.Context()).UTC().Format(syncedAtLayout))
		p, err := a.app.Authenticate(r.Context(), httpx.BearerToken(r))
		if err == nil && p.Kind != inbox.TokenOAuth {
			// Personal (Chatwoot) tokens do not open the BookingSync API.
			err = inbox.Errorf(inbox.EUNAUTHORIZED, "Invalid Access Token")
		}
		if err != nil {
			if limit := a.app.RateLimit(); limit > 0 {
				// No application yet, so no budget to report: only the
				// limit and the next reset.
				w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
				w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(time.Now().UTC().Truncate(time.Hour).Add(time.Hour).Unix(), 10))
			}
			a.writeError(w, r, err)
			return
		}
		ctx := inbox.NewContextWithPrincipal(r.Context(), p)
		httpx.SetAccount(ctx, p.AccountID)
		httpx.LiftBodyLimit(r)
		r = r.WithContext(ctx)

		st, err := a.app.HitRateLimit(ctx)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		if st != nil {
			w.Header().Set("X-RateLimit-Limit", strconv.Itoa(st.Limit))
			w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(st.Remaining))
			w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(st.Reset.Unix(), 10))
			if st.Exceeded {
				secs := int64((st.RetryAfter(time.Now()) + time.Second - 1) / time.Second)
				w.Header().Set("Retry-After", strconv.FormatInt(max(secs, 1), 10))
				a.writeError(w, r, inbox.Errorf(inbox.ERATELIMITED, rateLimitTitle))
				return
			}
		}
		if !p.Allows(s) {
			a.writeError(w, r, inbox.Errorf(inbox.EFORBIDDEN, "The access token lacks the %s scope.", s))
			return
		}
		r = r.WithContext(app.WithRequest(r.Context(), app.Request{Scope: s}))
		if r.Method == http.MethodPost {
			httpx.Idempotent(a.writeError, h)(w, r)
			return
		}
		h(w, r)
	})
}
