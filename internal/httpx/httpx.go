// Package httpx is the HTTP plumbing both dialects share: request ids, access
// logs, panic recovery, body limits, JSON decoding and encoding, and bearer
// token extraction. It knows no dialect's wire format.
package httpx

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/inboxd/inbox/internal/metrics"
)

type ctxKey int

const stateKey ctxKey = iota

// state is per-request bookkeeping filled in as the request goes.
type state struct {
	requestID string
	accountID atomic.Int64
	start     time.Time

	mu      sync.Mutex
	cleanup []func()

	// fullBody is the body under the server's whole-body limit, which
	// LiftBodyLimit puts back once the request is authenticated.
	fullBody io.ReadCloser
	// liftDeadline, when set, gives the body back the server's read
	// deadline (see anonymousDeadline).
	liftDeadline func()
}

func getState(ctx context.Context) *state {
	s, _ := ctx.Value(stateKey).(*state)
	return s
}

// RequestID returns the id of the request in ctx.
func RequestID(ctx context.Context) string {
	if s := getState(ctx); s != nil {
		return s.requestID
	}
	return ""
}

// RequestStart returns when the request began (its arrival time).
func RequestStart(ctx context.Context) time.Time {
	if s := getState(ctx); s != nil {
		return s.start
	}
	return time.Now()
}

// SetAccount records the account a request acts on, for the access log.
func SetAccount(ctx context.Context, id int64) {
	if s := getState(ctx); s != nil {
		s.accountID.Store(id)
	}
}

// AfterRequest registers fn to run once the request's handler has returned,
// whatever path it took (an error answer, a panic, a client that went
// away). It is for what a request leaves outside memory, such as the
// temporary files of a multipart body: net/http removes those only for the
// *http.Request it created, not for the copies handlers pass on (every
// WithContext is one). Outside Middleware, fn runs at once.
func AfterRequest(ctx context.Context, fn func()) {
	s := getState(ctx)
	if s == nil {
		fn()
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cleanup = append(s.cleanup, fn)
}

// runCleanup runs the functions AfterRequest registered, newest first.
func (s *state) runCleanup() {
	s.mu.Lock()
	fns := s.cleanup
	s.cleanup = nil
	s.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// statusWriter records the status and size of a response.
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Middleware wraps a handler with request ids, the access log, panic
// recovery and body size limits: maxBody for the whole body, and
// AnonymousBodyLimit until LiftBodyLimit says the request is authenticated.
// onPanic writes the error response.
func Middleware(next http.Handler, log *slog.Logger, maxBody int64, onPanic http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st := &state{requestID: r.Header.Get("X-Request-Id"), start: time.Now()}
		if st.requestID == "" || len(st.requestID) > 128 {
			b := make([]byte, 12)
			rand.Read(b)
			st.requestID = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", st.requestID)
		r = r.WithContext(context.WithValue(r.Context(), stateKey, st))
		if maxBody > 0 && r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		}
		if r.Body != nil && r.Body != http.NoBody {
			st.fullBody = r.Body
			r.Body = http.MaxBytesReader(w, r.Body, AnonymousBodyLimit)
			st.anonymousDeadline(w, r)
		}
		sw := &statusWriter{ResponseWriter: w}
		defer st.runCleanup()
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic", "request_id", st.requestID, "panic", v, "stack", string(debug.Stack()))
				if sw.status == 0 {
					onPanic(sw, r)
				}
			}
			attrs := []any{
				"request_id", st.requestID,
				"method", r.Method,
				"path", r.URL.Path,
				"status", sw.status,
				"bytes", sw.bytes,
				"duration_ms", float64(time.Since(st.start).Microseconds()) / 1000,
			}
			if id := st.accountID.Load(); id != 0 {
				attrs = append(attrs, "account_id", id)
			}
			if ip := ClientIP(r.Context()); ip != "" {
				attrs = append(attrs, "client_ip", ip)
			}
			metrics.ObserveRequest(r.Pattern, cmp.Or(sw.status, http.StatusOK), time.Since(st.start))
			log.Info("request", attrs...)
		}()
		next.ServeHTTP(sw, r)
	})
}

// Errors of request decoding.
var (
	ErrBodyTooLarge = errors.New("request body too large")
	ErrBadJSON      = errors.New("malformed JSON")
)

// ReadBody reads the whole body, mapping the size limit to ErrBodyTooLarge.
func ReadBody(r *http.Request) ([]byte, error) {
	if r.Body == nil {
		return nil, nil
	}
	b, err := io.ReadAll(r.Body)
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, ErrBodyTooLarge
	}
	return b, err
}

// DecodeJSON reads the body into v. An empty body decodes as {}. Numbers
// stay json.Number so ids and amounts are not rounded through float64. A
// body over MaxJSONDepth or MaxValues is a *LimitError.
func DecodeJSON(r *http.Request, v any) error {
	b, err := ReadBody(r)
	if err != nil {
		return err
	}
	b = bytes.TrimSpace(b)
	if len(b) == 0 {
		b = []byte("{}")
	}
	if err := CheckJSON(b); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return ErrBadJSON
	}
	if dec.More() {
		return ErrBadJSON
	}
	return nil
}

// WriteJSON writes v as JSON with a status and content type.
func WriteJSON(w http.ResponseWriter, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":"Internal error."}`)
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Length", itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var buf [20]byte
	i := len(buf)
	for n > 0 {
		i--
		buf[i] = byte('0' + n%10)
		n /= 10
	}
	return string(buf[i:])
}

// BearerToken returns the token of an "Authorization: Bearer" header.
func BearerToken(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// FileURL is the download URL of an attachment, served by the root handler
// at /files/{account}/{id}/{token}/{name}; token is the attachment's signed
// URLToken.
func FileURL(base string, accountID, id int64, token, name string) string {
	if name == "" {
		name = "file"
	}
	return strings.TrimRight(base, "/") + "/files/" + strconv.FormatInt(accountID, 10) + "/" +
		strconv.FormatInt(id, 10) + "/" + token + "/" + url.PathEscape(name)
}

// Router is what a dialect registers its routes on: an *http.ServeMux, or a
// wrapper that also records the route table (the isolation tests walk it).
type Router interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}

// StatusClientClosedRequest is the status recorded for a request whose
// client went away before the answer (inbox.ECANCELED): nginx's 499. No
// client ever reads it; the access log and the metrics do.
const StatusClientClosedRequest = 499

// RetryAfterUnavailable is the Retry-After, in seconds, of a 503 answered
// because the database was unreachable or did not confirm a write: long
// enough for a restart or a failover to finish, short enough not to matter.
const RetryAfterUnavailable = "1"
