package web

import (
	"net/http"
	"net/url"

	"github.com/inboxd/inbox/internal/httpx"
)

// routes is the web inbox's route table. Pages behind authed need a
// signed-in session, and their forms its CSRF token.
func (w *Web) routes(mux httpx.Router) {
	mux.HandleFunc("GET /{$}", func(rw http.ResponseWriter, r *http.Request) {
		http.Redirect(rw, r, "/inbox", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /assets/{name}", w.serveAsset)

	mux.HandleFunc("GET /signin", w.signInPage)
	mux.HandleFunc("POST /signin", w.signIn)
	mux.HandleFunc("GET /invite/{token}", w.invitePage)
	mux.HandleFunc("POST /invite/{token}", w.acceptInvite)
	mux.HandleFunc("POST /signout", w.authed(w.signOut(false)))
	mux.HandleFunc("POST /signout/everywhere", w.authed(w.signOut(true)))

	mux.HandleFunc("GET /inbox", w.authed(w.list))
	mux.HandleFunc("GET /inbox/events", w.authed(w.events))
	mux.HandleFunc("GET /inbox/conversations/{id}", w.authed(w.conversation))
	mux.HandleFunc("POST /inbox/conversations/{id}/messages", w.authed(w.reply))
	mux.HandleFunc("POST /inbox/conversations/{id}/assignee", w.authed(w.assign))
	mux.HandleFunc("POST /inbox/conversations/{id}/labels", w.authed(w.setLabels))
	mux.HandleFunc("POST /inbox/conversations/{id}/priority", w.authed(w.setPriority))
	mux.HandleFunc("POST /inbox/conversations/{id}/status", w.authed(w.setStatus))
	mux.HandleFunc("POST /inbox/conversations/{id}/unread", w.authed(w.markUnread))
	mux.HandleFunc("POST /inbox/conversations/{id}/seen", w.authed(w.markSeen))
	mux.HandleFunc("POST /inbox/conversations/{id}/mute", w.authed(w.mute))

	mux.HandleFunc("GET /oauth/authorize", w.authed(w.authorizePage))
	mux.HandleFunc("POST /oauth/authorize", w.authed(w.authorize))
}

func urlQueryEscape(s string) string { return url.QueryEscape(s) }
