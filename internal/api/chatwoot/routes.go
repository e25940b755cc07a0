package chatwoot

import (
	"net/http"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// base is the path every conversation route lives under.
const base = "/api/v1/accounts/{account_id}/conversations"

// account is the path every account route lives under.
const account = "/api/v1/accounts/{account_id}"

// Register mounts the dialect's routes. Each line names the scope it needs.
// A path with a trailing slash or a .json suffix is served as the path
// without it (see canonical).
func (a *API) Register(router httpx.Router) {
	a.routes = http.NewServeMux()
	mux := both{router, a.routes}
	const (
		read    = inbox.ScopeInboxRead
		write   = inbox.ScopeInboxWrite
		cRead   = inbox.ScopeClientsRead
		cWrite  = inbox.ScopeClientsWrite
		conv    = base + "/{conversation_id}"
		msg     = conv + "/messages/{message_id}"
		contact = account + "/contacts/{id}"
	)
	mux.Handle("GET "+base, a.authed(read, a.listConversations))
	mux.Handle("GET "+base+"/meta", a.authed(read, a.conversationMeta))
	mux.Handle("GET "+base+"/search", a.authed(read, a.listConversations))
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

	mux.Handle("GET "+account+"/contacts", a.authed(cRead, a.listContacts))
	mux.Handle("GET "+account+"/contacts/search", a.authed(cRead, a.searchContacts))
	mux.Handle("POST "+account+"/contacts/filter", a.authed(cRead, a.filterContacts))
	mux.Handle("POST "+account+"/contacts", a.authed(cWrite, a.createContact))
	mux.Handle("GET "+contact, a.authed(cRead, a.showContact))
	mux.Handle("PUT "+contact, a.authed(cWrite, a.updateContact))
	mux.Handle("PATCH "+contact, a.authed(cWrite, a.updateContact))
	mux.Handle("DELETE "+contact, a.authed(cWrite, a.deleteContact))
	mux.Handle("GET "+contact+"/conversations", a.authed(read, a.contactConversations))
	mux.Handle("POST "+contact+"/contact_inboxes", a.authed(cWrite, a.createContactInbox))

	mux.Handle("GET "+account+"/inboxes", a.authed(read, a.listInboxes))
	mux.Handle("POST "+account+"/inboxes", a.authed(write, a.createInbox))
	mux.Handle("GET "+account+"/inboxes/{id}", a.authed(read, a.showInbox))
	mux.Handle("PATCH "+account+"/inboxes/{id}", a.authed(write, a.updateInbox))
	mux.Handle("PUT "+account+"/inboxes/{id}", a.authed(write, a.updateInbox))
	mux.Handle("GET "+account+"/inbox_members/{inbox_id}", a.authed(read, a.listInboxMembers))
	mux.Handle("POST "+account+"/inbox_members", a.authed(write, a.changeInboxMembers(app.MembersAdd)))
	mux.Handle("PATCH "+account+"/inbox_members", a.authed(write, a.changeInboxMembers(app.MembersSet)))
	mux.Handle("PUT "+account+"/inbox_members", a.authed(write, a.changeInboxMembers(app.MembersSet)))
	mux.Handle("DELETE "+account+"/inbox_members", a.authed(write, a.changeInboxMembers(app.MembersRemove)))

	mux.Handle("GET "+account+"/agents", a.authed(read, a.listAgents))
	mux.Handle("POST "+account+"/agents", a.authed(write, a.createAgent))
	mux.Handle("PATCH "+account+"/agents/{id}", a.authed(write, a.updateAgent))
	mux.Handle("PUT "+account+"/agents/{id}", a.authed(write, a.updateAgent))
	mux.Handle("DELETE "+account+"/agents/{id}", a.authed(write, a.deleteAgent))

	mux.Handle("GET "+account+"/labels", a.authed(read, a.listAccountLabels))
	mux.Handle("POST "+account+"/labels", a.authed(write, a.createAccountLabel))
	mux.Handle("GET "+account+"/labels/{id}", a.authed(read, a.showAccountLabel))
	mux.Handle("PATCH "+account+"/labels/{id}", a.authed(write, a.updateAccountLabel))
	mux.Handle("PUT "+account+"/labels/{id}", a.authed(write, a.updateAccountLabel))
	mux.Handle("DELETE "+account+"/labels/{id}", a.authed(write, a.deleteAccountLabel))

	mux.Handle("GET "+account+"/canned_responses", a.authed(read, a.listCannedResponses))
	mux.Handle("POST "+account+"/canned_responses", a.authed(write, a.createCannedResponse))
	mux.Handle("PATCH "+account+"/canned_responses/{id}", a.authed(write, a.updateCannedResponse))
	mux.Handle("PUT "+account+"/canned_responses/{id}", a.authed(write, a.updateCannedResponse))
	mux.Handle("DELETE "+account+"/canned_responses/{id}", a.authed(write, a.deleteCannedResponse))

	mux.Handle("GET "+account+"/search", a.authed(read, a.search(app.SearchAll)))
	mux.Handle("GET "+account+"/search/conversations", a.authed(read, a.search(app.SearchKinds{Conversations: true})))
	mux.Handle("GET "+account+"/search/contacts", a.authed(read, a.search(app.SearchKinds{Contacts: true})))
	mux.Handle("GET "+account+"/search/messages", a.authed(read, a.search(app.SearchKinds{Messages: true})))

	mux.Handle("GET /api/v1/profile", a.authedUser(inbox.ScopePublic, a.showProfile))

	a.registerWebhooks(mux)
	// Anything else under the API answers Chatwoot's JSON 404, not the
	// mux's plain-text one.
	router.HandleFunc("/api/v1/", a.notFound)
}

// both registers a route on the server's router and on the dialect's own.
type both struct {
	router httpx.Router
	own    *http.ServeMux
}

func (b both) Handle(pattern string, h http.Handler) {
	b.router.Handle(pattern, h)
	b.own.Handle(pattern, h)
}

func (a *API) notFound(w http.ResponseWriter, r *http.Request) {
	if a.canonical(w, r) {
		return
	}
	a.writeError(w, r, apiError(inbox.ENOTFOUND, "path", msgNotFound))
}
