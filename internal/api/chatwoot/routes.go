package chatwoot

import (
	"net/http"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// base is the path every route lives under.
const base = "/api/v1/accounts/{account_id}/conversations"

// Register mounts the dialect's routes. Each line names the scope it needs.
func (a *API) Register(mux httpx.Router) {
	const (
		read  = inbox.ScopeInboxRead
		write = inbox.ScopeInboxWrite
		conv  = base + "/{conversation_id}"
		msg   = conv + "/messages/{message_id}"
	)
	mux.Handle("GET "+base, a.authed(read, a.listConversations))
	mux.Handle("GET "+base+"/meta", a.authed(read, a.conversationMeta))
	mux.Handle("POST "+base+"/filter", a.authed(read, a.filterConversations))
	mux.Handle("POST "+base, a.authed(write, a.createConversation))
	mux.Handle("GET "+conv, a.authed(read, a.showConversation))
	mux.Handle("PATCH "+conv, a.authed(write, a.updateConversation))
	mux.Handle("PUT "+conv, a.authed(write, a.updateConversation))
	mux.Handle("DELETE "+conv, a.authed(write, a.deleteConversation))
	mux.Handle("POST "+conv+"/toggle_status", a.authed(write, a.toggleStatus))
	mux.Handle("POST "+conv+"/toggle_priority", a.authed(write, a.togglePriority))
	mux.Handle("POST "+conv+"/assignments", a.authed(write, a.assign))
	mux.Handle("GET "+conv+"/labels", a.authed(read, a.listLabels))
	mux.Handle("POST "+conv+"/labels", a.authed(write, a.setLabels))
	mux.Handle("POST "+conv+"/custom_attributes", a.authed(write, a.setCustomAttributes))
	mux.Handle("POST "+conv+"/update_last_seen", a.authed(write, a.updateLastSeen))
	mux.Handle("POST "+conv+"/unread", a.authed(write, a.markUnread))
	mux.Handle("POST "+conv+"/mute", a.authed(write, a.setMuted(true)))
	mux.Handle("POST "+conv+"/unmute", a.authed(write, a.setMuted(false)))
	mux.Handle("GET "+conv+"/participants", a.authed(read, a.listParticipants))
	mux.Handle("POST "+conv+"/participants", a.authed(write, a.changeParticipants(app.WatchersAdd)))
	mux.Handle("PATCH "+conv+"/participants", a.authed(write, a.changeParticipants(app.WatchersSet)))
	mux.Handle("PUT "+conv+"/participants", a.authed(write, a.changeParticipants(app.WatchersSet)))
	mux.Handle("DELETE "+conv+"/participants", a.authed(write, a.changeParticipants(app.WatchersRemove)))
	mux.Handle("GET "+conv+"/messages", a.authed(read, a.listMessages))
	mux.Handle("POST "+conv+"/messages", a.authed(write, a.createMessage))
	mux.Handle("PATCH "+msg, a.authed(write, a.updateMessage))
	mux.Handle("PUT "+msg, a.authed(write, a.updateMessage))
	mux.Handle("DELETE "+msg, a.authed(write, a.deleteMessage))
	// Anything else under the API answers Chatwoot's JSON 404, not the
	// mux's plain-text one.
	mux.HandleFunc("/api/v1/", a.notFound)
}

func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	a.writeError(w, r, apiError(inbox.ENOTFOUND, "path", msgNotFound))
}
