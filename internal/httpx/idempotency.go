package httpx

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/metrics"
)

// Idempotent wraps a POST handler that runs after authentication. A request
// with an Idempotency-Key header gets an inbox.IdempotencyClaim (the key and
// a hash of method, path, query, content type and body) in its context; the
// write it leads to stores its response in the same transaction, and a retry
// with the same key and body gets that response (status, body, Content-Type
// and Location) with "Idempotent-Replayed: true" and creates nothing. See
// Reply for the handler's side. onError writes errors in the dialect's
// format.
func Idempotent(onError func(http.ResponseWriter, *http.Request, error), next http.HandlerFunc) http.HandlerFunc {
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
		claim := &inbox.IdempotencyClaim{Key: key, RequestHash: hex.EncodeToString(h.Sum(nil))}
		next(w, r.WithContext(inbox.NewContextWithIdempotency(r.Context(), claim)))
	}
}

// Response is a rendered response: what a handler sends, and what an
// idempotent write stores for replay.
type Response struct {
	Status      int
	ContentType string
	Location    string // absolute URL of a created record, or ""
	Body        []byte // nil for no body (Content-Length: 0)
}

// record is the response as an idempotency record stores it.
func (resp Response) record() *inbox.IdempotencyRecord {
	var hdr strings.Builder
	if resp.ContentType != "" {
		hdr.WriteString("Content-Type: " + resp.ContentType + "\n")
	}
	if resp.Location != "" {
		hdr.WriteString("Location: " + resp.Location + "\n")
	}
	return &inbox.IdempotencyRecord{Status: resp.Status, Header: hdr.String(), Body: resp.Body}
}

// Write sends the response.
func (resp Response) Write(w http.ResponseWriter) {
	writeRecord(w, resp.record(), false)
}

func writeRecord(w http.ResponseWriter, rec *inbox.IdempotencyRecord, replayed bool) {
	for _, line := range strings.Split(rec.Header, "\n") {
		if k, v, ok := strings.Cut(line, ": "); ok {
			w.Header().Set(k, v)
		}
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	if rec.Status != http.StatusNoContent {
		w.Header().Set("Content-Length", itoa(len(rec.Body)))
	}
	w.WriteHeader(rec.Status)
	w.Write(rec.Body)
}

// Reply runs a handler's one app call and writes its answer: encode renders
// the call's result. When the request carries an Idempotency-Key, encode is
// also the renderer the write uses, inside its transaction, for the response
// it stores; the handler then sends exactly that stored response, and a
// replayed key sends the first request's response. onError writes the
// call's errors in the dialect's format.
//
// A dialect handler is: decode the request (writing its errors), then
//
//	httpx.Reply(w, r, func(ctx context.Context) (*app.MessageView, error) {
//		return a.app.CreateMessage(ctx, in)
//	}, func(v *app.MessageView) httpx.Response { return jsonResponse(200, messageFrom(v)) }, onError)
//
// T must be the type the use case returns: the write hands its result to
// the renderer as that type.
func Reply[T any](w http.ResponseWriter, r *http.Request, call func(context.Context) (T, error), encode func(T) Response,
	onError func(error)) {
	ctx := r.Context()
	claim := inbox.IdempotencyFromContext(ctx)
	if claim != nil {
		claim.Render = func(result any) (*inbox.IdempotencyRecord, error) {
			v, ok := result.(T)
			if !ok {
				return nil, fmt.Errorf("renderer of %T given a %T", v, result)
			}
			return encode(v).record(), nil
		}
	}
	v, err := call(ctx)
	var replay *inbox.Replay
	switch {
	case errors.As(err, &replay):
		metrics.IdempotentReplay()
		writeRecord(w, replay.Response, true)
	case err != nil:
		onError(err)
	case claim != nil && claim.Response != nil:
		writeRecord(w, claim.Response, false)
	default:
		encode(v).Write(w)
	}
}
