package chatwoot

import (
	"context"
	"net/http"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// GET /conversations/{id}/participants: the agents watching it.
func (a *API) listParticipants(w http.ResponseWriter, r *http.Request) {
	ref, err := conversationRef(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	a.read(w, r, func(l *app.Loader) (any, error) {
		hosts, err := l.Watchers(ref)
		return agentsFrom(hosts), err
	})
}

// changeParticipants serves POST (add; answers the agents added), PATCH/PUT
// (set the exact list; answers all) and DELETE (remove; empty 200), each
// with user_ids.
func (a *API) changeParticipants(op app.WatcherOp) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ref, p, good := a.conversationParams(w, r)
		if !good {
			return
		}
		if !p.has("user_ids") {
			a.invalid(w, r, ref, missingParam("user_ids"))
			return
		}
		ids, err := p.ids("user_ids")
		if err != nil {
			a.invalid(w, r, ref, err)
			return
		}
		reply(a, w, r, func(ctx context.Context) ([]*inbox.Host, error) {
			return a.app.ChangeWatchers(ctx, ref, ids, op)
		}, func(hosts []*inbox.Host) httpx.Response {
			if op == app.WatchersRemove {
				return empty()
			}
			return ok(agentsFrom(hosts))
		})
	}
}
