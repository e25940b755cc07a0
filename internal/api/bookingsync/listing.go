package bookingsync

import (
	"net/http"

	inbox "github.com/inboxd/inbox"
)

// listing runs the query part shared by every GET: a collection (byIDs
// false) or the {ids} segment (one id or a comma list). It parses the query,
// runs fetch for the requested page and writes any error; ok is false when a
// response was written. One id that matches nothing is a 404; several ids
// answer the ones found.
func listing[T any](a *API, w http.ResponseWriter, r *http.Request, byIDs bool,
	fetch func(q listQuery, ids []int64, pg inbox.Page) ([]T, int, error), idOf func(T) int64) (listQuery, []T, int, bool) {
	q, err := parseListQuery(r)
	if err != nil {
		a.writeError(w, r, err)
		return q, nil, 0, false
	}
	var idList []int64
	if byIDs {
		var ok bool
		if idList, ok = pathIDs(r, "ids"); !ok {
			a.notFound(w, r)
			return q, nil, 0, false
		}
	}
	items, total, err := fetchPage(a, r, q, func(pg inbox.Page) ([]T, int, error) { return fetch(q, idList, pg) }, idOf)
	if err != nil {
		a.writeError(w, r, err)
		return q, nil, 0, false
	}
	// With updated_since an id that matches nothing may simply be unchanged
	// (or listed in deleted_ids), so only a plain lookup is a 404.
	if byIDs && len(idList) == 1 && len(items) == 0 && q.page == 1 && !q.sinceSet {
		a.notFound(w, r)
		return q, nil, 0, false
	}
	return q, items, total, true
}

// listMeta writes the pagination headers and returns meta, with the
// deleted ids of resource when updated_since was given ("" for resources
// that are never deleted).
func (a *API) listMeta(w http.ResponseWriter, r *http.Request, q listQuery, total int, resource string) (object, error) {
	var deleted []int64
	if q.sinceSet && resource != "" {
		var err error
		if deleted, err = a.app.DeletedIDs(r.Context(), resource, inbox.TimeRange{Since: q.since}); err != nil {
			return nil, err
		}
	}
	return a.paginate(w, r, q, total, deleted), nil
}

// shape applies fields= and include= to rendered records.
func (a *API) shape(r *http.Request, q listQuery, plural string, recs []object) ([]object, error) {
	for i := range recs {
		recs[i] = recs[i].only(q.fields)
	}
	if len(q.include) == 0 {
		return recs, nil
	}
	return a.embed(r, plural, recs, q.include)
}

// respondList finishes a GET: meta, fields, include and the envelope.
func (a *API) respondList(w http.ResponseWriter, r *http.Request, q listQuery, total int, resource string,
	templates object, plural string, recs []object) {
	recs, err := a.shape(r, q, plural, recs)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	meta, err := a.listMeta(w, r, q, total, resource)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeEnvelope(w, http.StatusOK, templates, plural, recs, meta)
}
