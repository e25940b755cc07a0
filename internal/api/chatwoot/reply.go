package chatwoot

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// How a handler looks. Every request is one internal/app call, one
// transaction and one complete read model:
//
//	func (a *API) createMessage(w http.ResponseWriter, r *http.Request) {
//		ref, in, err := …decode the path and the body…
//		if err != nil {
//			a.invalid(w, r, ref, err, messageErrors) // decoding failed
//			return
//		}
//		reply(a, w, r, func(ctx context.Context) (*app.MessageView, error) {
//			return a.app.CreateMessage(ctx, in)     // the one app call
//		}, func(v *app.MessageView) httpx.Response {
//			return ok(apiMessageFrom(v, base))     // a pure renderer
//		}, messageErrors)
//	}
//
// Reads call a.app.Read with a function that loads what the response needs
// through the app.Loader and renders it. The account in the path is checked
// inside that same call (authed attached it with app.WithRequest).

// reply runs the handler's one app call and writes its answer (see
// httpx.Reply): encode renders the result, also as the response an
// Idempotency-Key stores with the write.
func reply[T any](a *API, w http.ResponseWriter, r *http.Request, call func(context.Context) (T, error),
	encode func(T) httpx.Response, opts ...errorOptions) {
	httpx.Reply(w, r, call, encode, func(err error) { a.writeError(w, r, err, opts...) })
}

// read runs a read: fn loads and renders inside one read transaction, then
// the rendered body is sent with status 200.
func (a *API) read(w http.ResponseWriter, r *http.Request, fn func(l *app.Loader) (any, error), opts ...errorOptions) {
	a.readAs(inbox.ScopeInboxRead, w, r, fn, opts...)
}

// readAs is read for a route that declares scope s.
func (a *API) readAs(s inbox.Scope, w http.ResponseWriter, r *http.Request, fn func(l *app.Loader) (any, error), opts ...errorOptions) {
	var out any
	err := a.app.Read(r.Context(), s, func(l *app.Loader) (err error) {
		out, err = fn(l)
		return err
	})
	if err != nil {
		a.writeError(w, r, err, opts...)
		return
	}
	ok(out).Write(w)
}

// ok is a 200 JSON response.
func ok(v any) httpx.Response {
	b, err := json.Marshal(v)
	if err != nil {
		return httpx.Response{Status: http.StatusInternalServerError, ContentType: contentType,
			Body: []byte(`{"error":"Internal error."}`)}
	}
	return httpx.Response{Status: http.StatusOK, ContentType: contentType, Body: b}
}

// empty is Chatwoot's "empty 200": status 200 and no body.
func empty() httpx.Response { return httpx.Response{Status: http.StatusOK} }

// none is the result of a use case that returns nothing but an error.
type none = struct{}

// conversationRef reads the path's conversation number. A malformed one is as
// unknown as a missing one.
func conversationRef(r *http.Request) (app.ConversationRef, error) {
	n, err := strconv.ParseInt(r.PathValue("conversation_id"), 10, 64)
	if err != nil {
		return app.ConversationRef{}, apiError(inbox.ENOTFOUND, "conversation_id", msgNotFound)
	}
	return app.ByDisplayID(n), nil
}

// invalid writes an error found while decoding a request, after the checks
// Chatwoot makes before it reads a request: the account in the path and, for
// a route under a conversation, that conversation (ref; the zero ref when the
// route has none or its number is malformed). The checks are one read
// transaction, and only on this error path.
func (a *API) invalid(w http.ResponseWriter, r *http.Request, ref app.ConversationRef, err error, opts ...errorOptions) {
	var check *app.ConversationRef
	if ref != (app.ConversationRef{}) {
		check = &ref
	}
	if cerr := a.app.Check(r.Context(), check); cerr != nil {
		a.writeError(w, r, cerr)
		return
	}
	a.writeError(w, r, err, opts...)
}

// conversationParams reads the path's conversation and the parameters of a
// conversation action; on failure it answers the error itself (ok false).
func (a *API) conversationParams(w http.ResponseWriter, r *http.Request) (app.ConversationRef, *params, bool) {
	ref, err := conversationRef(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return ref, nil, false
	}
	p, err := readParams(r)
	if err != nil {
		a.invalid(w, r, ref, err)
		return ref, nil, false
	}
	return ref, p, true
}

// recordID reads a record's id from the path (name); on failure it answers
// the error itself (ok false).
func (a *API) recordID(w http.ResponseWriter, r *http.Request, name string) (int64, bool) {
	id, err := pathID(r, name)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return 0, false
	}
	return id, true
}

// recordParams reads a record's id from the path and the request's
// parameters; on failure it answers the error itself (ok false).
func (a *API) recordParams(w http.ResponseWriter, r *http.Request, name string) (int64, *params, bool) {
	id, good := a.recordID(w, r, name)
	if !good {
		return 0, nil, false
	}
	p, err := readParams(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return 0, nil, false
	}
	return id, p, true
}

// deleteRecord serves a DELETE of the record named by the path's id: the
// use case, then Chatwoot's empty 200.
func (a *API) deleteRecord(w http.ResponseWriter, r *http.Request, del func(context.Context, int64) error, opts ...errorOptions) {
	id, good := a.recordID(w, r, "id")
	if !good {
		return
	}
	reply(a, w, r, func(ctx context.Context) (none, error) {
		return none{}, del(ctx, id)
	}, func(none) httpx.Response { return empty() }, opts...)
}
