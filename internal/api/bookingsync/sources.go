package bookingsync

import (
	"context"
	"net/http"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

var sourceSchema = schema{
	create:   []string{"name", "position"},
	update:   []string{"name", "position"},
	readOnly: []string{"internal"},
}

func (a *API) listSources(w http.ResponseWriter, r *http.Request) { a.sources(w, r, false) }

func (a *API) getSources(w http.ResponseWriter, r *http.Request) { a.sources(w, r, true) }

func (a *API) sources(w http.ResponseWriter, r *http.Request, byIDs bool) {
	list(a, w, r, byIDs, a.sourceSpec(r))
}

// sourceSpec describes the GET of sources, also the stored record a write compares
// read-only attributes with.
func (a *API) sourceSpec(r *http.Request) listSpec[*inbox.Source] {
	return listSpec[*inbox.Source]{
		scope: inbox.ScopeBookingsRead, plural: "sources",
		fetch: func(l *app.Loader, q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Source, int, error) {
			return l.Sources(inbox.ListFilter{IDs: ids, UpdatedSince: q.since, Page: pg})
		},
		idOf: func(s *inbox.Source) int64 { return s.ID },
		render: func(l *app.Loader, items []*inbox.Source) ([]object, object, error) {
			return records(items, sourceRecord), templates(a.base(r), "sources", sourceRels...), nil
		},
	}
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
	reply(a, w, r, func(ctx context.Context) (*inbox.Source, error) {
		return a.app.CreateSource(ctx, s)
	}, recordResponse(a, r, true, "/sources", "sources", templates(a.base(r), "sources", sourceRels...),
		func(s *inbox.Source) int64 { return s.ID }, sourceRecord))
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
	ro, err := sourceSchema.checkUpdate(at)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	r = guardReadOnly(r, a.sourceSpec(r), id, ro)
	var errs fieldErrors
	u := sourceAttrs(at, &errs)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.Source, error) {
		return a.app.UpdateSource(ctx, id, u)
	}, recordResponse(a, r, false, "/sources", "sources", templates(a.base(r), "sources", sourceRels...),
		func(s *inbox.Source) int64 { return s.ID }, sourceRecord))
}
