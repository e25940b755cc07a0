package bookingsync

import (
	"context"
	"net/http"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// user_id is accepted for compatibility and not stored: inboxd's hosts are
// its users, so links.user is always null.
var hostSchema = schema{
	create:   []string{"firstname", "lastname", "email", "user_id", "source_id"},
	update:   []string{"firstname", "lastname", "email", "user_id", "source_id"},
	readOnly: []string{"forget_me_at", "processing_restricted_at"},
}

func (a *API) listHosts(w http.ResponseWriter, r *http.Request) { a.hosts(w, r, false) }

func (a *API) getHosts(w http.ResponseWriter, r *http.Request) { a.hosts(w, r, true) }

func (a *API) hosts(w http.ResponseWriter, r *http.Request, byIDs bool) {
	list(a, w, r, byIDs, a.hostSpec(r))
}

// hostSpec describes the GET of hosts, also the stored record a write compares
// read-only attributes with.
func (a *API) hostSpec(r *http.Request) listSpec[*app.HostView] {
	return listSpec[*app.HostView]{
		scope: inbox.ScopeInboxRead, plural: "hosts",
		fetch: func(l *app.Loader, q listQuery, ids []int64, pg inbox.Page) ([]*app.HostView, int, error) {
			return l.Hosts(inbox.HostFilter{IDs: ids, UpdatedSince: q.since, Page: pg})
		},
		idOf: func(h *app.HostView) int64 { return h.ID },
		render: func(l *app.Loader, items []*app.HostView) ([]object, object, error) {
			return records(items, hostViewRecord), templates(a.base(r), "hosts", hostRels...), nil
		},
	}
}

func hostViewRecord(h *app.HostView) object { return hostRecord(h.Host, h.ParticipantIDs) }

// hostAttrs decodes the writable host attributes.
func hostAttrs(at attrs, errs *fieldErrors) inbox.HostUpdate {
	u := inbox.HostUpdate{}
	if s, ok := at.String(errs, "firstname"); ok {
		u.Firstname = &s
	}
	if s, ok := at.String(errs, "lastname"); ok {
		u.Lastname = &s
	}
	if at.has("email") {
		s, _ := at.String(errs, "email")
		u.Email = &s
	}
	at.ID(errs, "user_id")
	if at.has("source_id") {
		var src *int64
		if id, ok := at.ID(errs, "source_id"); ok {
			src = &id
		}
		u.SourceID = &src
	}
	return u
}

func (a *API) createHost(w http.ResponseWriter, r *http.Request) {
	at, err := readRecord(r, "hosts")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := hostSchema.check(at, true); err != nil {
		a.writeError(w, r, err)
		return
	}
	var errs fieldErrors
	at.require(&errs, "firstname", "lastname")
	u := hostAttrs(at, &errs)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	h := &inbox.Host{Firstname: *u.Firstname, Lastname: *u.Lastname}
	if u.Email != nil {
		h.Email = *u.Email
	}
	if u.SourceID != nil {
		h.SourceID = *u.SourceID
	}
	reply(a, w, r, func(ctx context.Context) (*app.HostView, error) {
		return a.app.CreateHost(ctx, h)
	}, recordResponse(a, r, true, "/hosts", "hosts", templates(a.base(r), "hosts", hostRels...),
		func(h *app.HostView) int64 { return h.ID }, hostViewRecord))
}

func (a *API) updateHost(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	at, err := readRecord(r, "hosts")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ro, err := hostSchema.checkUpdate(at)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	r = guardReadOnly(r, a.hostSpec(r), id, ro)
	var errs fieldErrors
	at.notBlank(&errs, "firstname", "lastname")
	u := hostAttrs(at, &errs)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.HostView, error) {
		return a.app.UpdateHost(ctx, id, u)
	}, recordResponse(a, r, false, "/hosts", "hosts", templates(a.base(r), "hosts", hostRels...),
		func(h *app.HostView) int64 { return h.ID }, hostViewRecord))
}
