package bookingsync

import (
	"net/http"

	inbox "github.com/inboxd/inbox"
)

var sourceSchema = schema{
	create:   []string{"name", "position"},
	update:   []string{"name", "position"},
	readOnly: []string{"internal"},
}

func (a *API) listSources(w http.ResponseWriter, r *http.Request) { a.sources(w, r, false) }

func (a *API) getSources(w http.ResponseWriter, r *http.Request) { a.sources(w, r, true) }

func (a *API) sources(w http.ResponseWriter, r *http.Request, byIDs bool) {
	q, items, total, ok := listing(a, w, r, byIDs, func(q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Source, int, error) {
		return a.app.ListSources(r.Context(), inbox.ListFilter{IDs: ids, UpdatedSince: q.since, Page: pg})
	}, func(s *inbox.Source) int64 { return s.ID })
	if !ok {
		return
	}
	recs := make([]object, len(items))
	for i, s := range items {
		recs[i] = sourceRecord(s)
	}
	a.respondList(w, r, q, total, "", templates(a.base(r), "sources", sourceRels...), "sources", recs)
}

func sourceAttrs(at attrs, errs *fieldErrors) inbox.SourceUpdate {
	u := inbox.SourceUpdate{}
	if at.has("name") {
		s, _ := at.String(errs, "name")
		u.Name = &s
	}
	if n, ok := at.Int(errs, "position"); ok {
		u.Position = &n
	}
	return u
}

func (a *API) createSource(w http.ResponseWriter, r *http.Request) {
	at, err := readRecord(r, "sources")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := sourceSchema.check(at, true); err != nil {
		a.writeError(w, r, err)
		return
	}
	var errs fieldErrors
	at.require(&errs, "name")
	u := sourceAttrs(at, &errs)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	s := &inbox.Source{Name: *u.Name}
	if u.Position != nil {
		s.Position = *u.Position
	}
	s, err = a.app.CreateSource(r.Context(), s)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeCreated(w, r, "/sources", s.ID, templates(a.base(r), "sources", sourceRels...), "sources", sourceRecord(s))
}

func (a *API) updateSource(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	at, err := readRecord(r, "sources")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := sourceSchema.check(at, false); err != nil {
		a.writeError(w, r, err)
		return
	}
	var errs fieldErrors
	u := sourceAttrs(at, &errs)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	s, err := a.app.UpdateSource(r.Context(), id, u)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeEnvelope(w, http.StatusOK, templates(a.base(r), "sources", sourceRels...), "sources", []object{sourceRecord(s)}, nil)
}
