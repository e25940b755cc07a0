package bookingsync

import (
	"context"
	"net/http"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// How a handler looks. Every request is one internal/app call, one
// transaction and one complete read model. A GET is a listing (below): its
// page, meta.deleted_ids and include= embeds are read in one app.Read. A
// write decodes its record, then
//
//	reply(a, w, r, func(ctx context.Context) (*app.MessageView, error) {
//		return a.app.CreateMessage(ctx, in)  // the one app call
//	}, func(v *app.MessageView) httpx.Response {
//		return a.created(r, "/inbox/messages", v.ID, tpl, "messages", messageRecord(v.Message))
//	})
//
// where the renderer is pure: with an Idempotency-Key it also renders, inside
// the write transaction, the response stored for replays.

// reply runs a write's one app call and writes its answer (httpx.Reply).
func reply[T any](a *API, w http.ResponseWriter, r *http.Request, call func(context.Context) (T, error),
	encode func(T) httpx.Response) {
	httpx.Reply(w, r, call, encode, func(err error) { a.writeError(w, r, err) })
}

// listSpec describes a GET of one resource.
type listSpec[T any] struct {
	// scope is the scope the route declares.
	scope inbox.Scope
	// resource names the tombstones behind meta.deleted_ids ("" for
	// resources that are never deleted).
	resource string
	// plural is the envelope key and the resource's name in include=.
	plural string
	// fetch reads one page of records matching ids (nil: all) and the
	// query's updated_since, and their total.
	fetch func(l *app.Loader, q listQuery, ids []int64, pg inbox.Page) ([]T, int, error)
	idOf  func(T) int64
	// render renders the page's records and the links templates.
	render func(l *app.Loader, items []T) (recs []object, templates object, err error)
}

// list serves a GET of a collection (byIDs false) or of the {ids} segment
// (one id or a comma list). One id that matches nothing is a 404; several ids
// answer the ones found. The page, meta (with deleted_ids when updated_since
// was given), fields= and include= are read in one read transaction.
func list[T any](a *API, w http.ResponseWriter, r *http.Request, byIDs bool, spec listSpec[T]) {
	q, err := parseListQuery(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	var idList []int64
	if byIDs {
		var ok bool
		if idList, ok = pathIDs(r, "ids"); !ok {
			a.notFound(w, r)
			return
		}
	}
	var recs []object
	var templates object
	var total int
	var deleted []int64
	err = a.app.Read(r.Context(), spec.scope, func(l *app.Loader) error {
		items, n, err := fetchPage(a, r, q, func(pg inbox.Page) ([]T, int, error) {
			return spec.fetch(l, q, idList, pg)
		}, spec.idOf)
		if err != nil {
			return err
		}
		total = n
		// With updated_since an id that matches nothing may simply be
		// unchanged (or listed in deleted_ids), so only a plain lookup is a 404.
		if byIDs && len(idList) == 1 && len(items) == 0 && q.page == 1 && !q.sinceSet {
			return inbox.Errorf(inbox.ENOTFOUND, "Not found.")
		}
		if recs, templates, err = spec.render(l, items); err != nil {
			return err
		}
		if recs, err = a.shape(r, l, q, spec.plural, recs); err != nil {
			return err
		}
		if q.sinceSet && spec.resource != "" {
			deleted, err = l.DeletedIDs(spec.resource, q.since)
		}
		return err
	})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeEnvelope(w, http.StatusOK, templates, spec.plural, recs, a.paginate(w, r, q, total, deleted))
}

// shape applies fields= and include= to rendered records.
func (a *API) shape(r *http.Request, l *app.Loader, q listQuery, plural string, recs []object) ([]object, error) {
	for i := range recs {
		recs[i] = recs[i].only(q.fields)
	}
	if len(q.include) == 0 {
		return recs, nil
	}
	return a.embed(r, l, plural, recs, q.include)
}

// records renders each item with fn.
func records[T any](items []T, fn func(T) object) []object {
	out := make([]object, len(items))
	for i, v := range items {
		out[i] = fn(v)
	}
	return out
}

// recordResponse renders a write's answer for one resource: the record as it
// is now, 201 with its Location when created, else 200.
func recordResponse[T any](a *API, r *http.Request, created bool, path, plural string, tpl object,
	idOf func(T) int64, rec func(T) object) func(T) httpx.Response {
	return func(v T) httpx.Response {
		if created {
			return a.created(r, path, idOf(v), tpl, plural, rec(v))
		}
		return a.updated(tpl, plural, rec(v))
	}
}
