package httpx

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"strings"

	inbox "github.com/inboxd/inbox"
)

// Idempotency is what the Idempotency-Key middleware needs from the
// application layer (internal/app implements it).
type Idempotency interface {
	BeginIdempotent(ctx context.Context, key, requestHash string) (*inbox.IdempotencyRecord, error)
	FinishIdempotent(ctx context.Context, key string, status int, header string, body []byte) error
	AbortIdempotent(ctx context.Context, key string) error
}

// replayHeaders are the response headers stored with an idempotent response.
var replayHeaders = []string{"Content-Type", "Location"}

// Idempotent wraps a POST handler that runs after authentication. A request
// with an Idempotency-Key header is run once per key and account; a retry
// with the same key and body gets the first response (status, body, and the
// Content-Type and Location headers) with "Idempotent-Replayed: true", and
// creates nothing. onError writes errors in the dialect's format.
func Idempotent(store Idempotency, onError func(http.ResponseWriter, *http.Request, error), next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key := strings.TrimSpace(r.Header.Get("Idempotency-Key"))
		if key == "" {
			next(w, r)
			return
		}
		body, err := ReadBody(r)
		if err != nil {
			onError(w, r, err)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		h := sha256.New()
		io.WriteString(h, r.Method+" "+r.URL.Path+"?"+r.URL.RawQuery+"\n"+r.Header.Get("Content-Type")+"\n")
		h.Write(body)
		rec, err := store.BeginIdempotent(r.Context(), key, hex.EncodeToString(h.Sum(nil)))
		if err != nil {
			onError(w, r, err)
			return
		}
		if rec != nil {
			for _, line := range strings.Split(rec.Header, "\n") {
				if k, v, ok := strings.Cut(line, ": "); ok {
					w.Header().Set(k, v)
				}
			}
			w.Header().Set("Idempotent-Replayed", "true")
			w.WriteHeader(rec.Status)
			w.Write(rec.Body)
			return
		}
		rw := &recorder{ResponseWriter: w}
		defer func() {
			ctx := context.WithoutCancel(r.Context())
			if rw.status == 0 || rw.status >= 500 || rw.status == http.StatusTooManyRequests {
				store.AbortIdempotent(ctx, key)
				return
			}
			var hdr strings.Builder
			for _, k := range replayHeaders {
				if v := w.Header().Get(k); v != "" {
					hdr.WriteString(k + ": " + v + "\n")
				}
			}
			store.FinishIdempotent(ctx, key, rw.status, hdr.String(), rw.body.Bytes())
		}()
		next(rw, r)
	}
}

// recorder copies the status and body of a response as it is written.
type recorder struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body.Write(b)
	return r.ResponseWriter.Write(b)
}
