package bookingsync

import (
	"net/http"

	inbox "github.com/inboxd/inbox"
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
	q, items, total, ok := listing(a, w, r, byIDs, func(q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Host, int, error) {
		return a.app.ListHosts(r.Context(), inbox.HostFilter{IDs: ids, UpdatedSince: q.since, Page: pg})
	}, func(h *inbox.Host) int64 { return h.ID })
	if !ok {
		return
	}
	recs, err := a.hostRecords(r, items)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.respondList(w, r, q, total, "", templates(a.base(r), "hosts", hostRels...), "hosts", recs)
}

// hostRecords renders hosts with the participants they are.
func (a *API) hostRecords(r *http.Request, hosts []*inbox.Host) ([]object, error) {
	hostIDs := make([]int64, len(hosts))
	for i, h := range hosts {
		hostIDs[i] = h.ID
	}
	parts, err := a.app.HostParticipantIDs(r.Context(), hostIDs)
	if err != nil {
		return nil, err
	}
	out := make([]object, len(hosts))
	for i, h := range hosts {
		out[i] = hostRecord(h, parts[h.ID])
	}
	return out, nil
}

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
	h, err = a.app.CreateHost(r.Context(), h)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeCreated(w, r, "/hosts", h.ID, templates(a.base(r), "hosts", hostRels...), "hosts", hostRecord(h, nil))
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
	if err := hostSchema.check(at, false); err != nil {
		a.writeError(w, r, err)
		return
	}
	var errs fieldErrors
	at.notBlank(&errs, "firstname", "lastname")
	u := hostAttrs(at, &errs)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	h, err := a.app.UpdateHost(r.Context(), id, u)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	recs, err := a.hostRecords(r, []*inbox.Host{h})
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeEnvelope(w, http.StatusOK, templates(a.base(r), "hosts", hostRels...), "hosts", recs, nil)
}
