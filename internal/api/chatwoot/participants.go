package chatwoot

import (
	"net/http"

	"github.com/inboxd/inbox/internal/app"
)

// GET /conversations/{id}/participants: the agents watching it.
func (a *API) listParticipants(w http.ResponseWriter, r *http.Request) {
	c, err := a.findConversation(r)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	hosts, err := a.app.Watchers(r.Context(), c.ID)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	writeJSON(w, agentsFrom(hosts))
}

// changeParticipants serves POST (add; answers the agents added), PATCH/PUT
// (set the exact list; answers all) and DELETE (remove; empty 200), each
// with user_ids.
func (a *API) changeParticipants(op app.WatcherOp) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, p, ok := a.conversationAction(w, r)
		if !ok {
			return
		}
		if !p.has("user_ids") {
			a.writeError(w, r, missingParam("user_ids"))
			return
		}
		ids, err := p.ids("user_ids")
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		hosts, err := a.app.ChangeWatchers(r.Context(), c.ID, ids, op)
		if err != nil {
			a.writeError(w, r, err)
			return
		}
		if op == app.WatchersRemove {
			writeEmpty(w)
			return
		}
		writeJSON(w, agentsFrom(hosts))
	}
}
