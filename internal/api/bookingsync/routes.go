package bookingsync

import (
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/httpx"
)

// Register mounts the BookingSync API v3 and the OAuth endpoints. Each /api/v3
// route names the scope it needs; a write scope includes its read scope.
// Update routes answer PUT and PATCH alike.
func (a *API) Register(mux httpx.Router) {
	mux.HandleFunc("POST /oauth/token", a.token)
	mux.HandleFunc("POST /oauth/revoke", a.revoke)
	mux.HandleFunc("GET /oauth/token/info", a.tokenInfo)

	const v3 = "/api/v3"
	for _, m := range []string{"PUT", "PATCH"} {
		mux.Handle(m+" "+v3+"/inbox/conversations/{id}", a.scope(inbox.ScopeInboxWrite, a.updateConversation))
		mux.Handle(m+" "+v3+"/inbox/conversations/{id}/connect_booking", a.scope(inbox.ScopeInboxWrite, a.connectBooking))
		mux.Handle(m+" "+v3+"/inbox/conversations/{id}/disconnect_booking", a.scope(inbox.ScopeInboxWrite, a.disconnectBooking))
		mux.Handle(m+" "+v3+"/inbox/participants/{id}", a.scope(inbox.ScopeInboxWrite, a.updateParticipant))
		mux.Handle(m+" "+v3+"/inbox/messages/{id}", a.scope(inbox.ScopeInboxWrite, a.updateMessage))
		mux.Handle(m+" "+v3+"/inbox/messages/{id}/add_attachment", a.scope(inbox.ScopeInboxWrite, a.addAttachment))
		mux.Handle(m+" "+v3+"/inbox/attachments/{id}", a.scope(inbox.ScopeInboxWrite, a.updateAttachment))
		mux.Handle(m+" "+v3+"/hosts/{id}", a.scope(inbox.ScopeInboxWrite, a.updateHost))
		mux.Handle(m+" "+v3+"/clients/{id}", a.scope(inbox.ScopeClientsWrite, a.updateClient))
		mux.Handle(m+" "+v3+"/sources/{id}", a.scope(inbox.ScopeBookingsWriteOwned, a.updateSource))
		mux.Handle(m+" "+v3+"/bookings/{id}", a.scope(inbox.ScopeBookingsWriteOwned, a.updateBooking))
		mux.Handle(m+" "+v3+"/inquiries/{id}", a.scope(inbox.ScopeInquiriesWriteOwned, a.updateInquiry))
	}

	mux.Handle("GET "+v3+"/inbox/conversations", a.scope(inbox.ScopeInboxRead, a.listConversations))
	mux.Handle("GET "+v3+"/inbox/conversations/{ids}", a.scope(inbox.ScopeInboxRead, a.getConversations))
	mux.Handle("POST "+v3+"/inbox/conversations", a.scope(inbox.ScopeInboxWrite, a.createConversation))

	mux.Handle("GET "+v3+"/inbox/participants", a.scope(inbox.ScopeInboxRead, a.listParticipants))
	mux.Handle("GET "+v3+"/inbox/participants/{ids}", a.scope(inbox.ScopeInboxRead, a.getParticipants))
	mux.Handle("POST "+v3+"/inbox/participants", a.scope(inbox.ScopeInboxWrite, a.createParticipant))

	mux.Handle("GET "+v3+"/inbox/messages", a.scope(inbox.ScopeInboxRead, a.listMessages))
	mux.Handle("GET "+v3+"/inbox/messages/{ids}", a.scope(inbox.ScopeInboxRead, a.getMessages))
	mux.Handle("POST "+v3+"/inbox/messages", a.scope(inbox.ScopeInboxWrite, a.createMessage))

	mux.Handle("GET "+v3+"/inbox/attachments", a.scope(inbox.ScopeInboxRead, a.listAttachments))
	mux.Handle("GET "+v3+"/inbox/attachments/{ids}", a.scope(inbox.ScopeInboxRead, a.getAttachments))
	mux.Handle("POST "+v3+"/inbox/attachments", a.scope(inbox.ScopeInboxWrite, a.createAttachment))

	if a.streams != nil {
		// Events as they commit, each in the scope the token holds for it.
		mux.Handle("GET "+v3+"/inbox/stream", a.scope(inbox.ScopePublic, a.stream))
	}

	mux.Handle("GET "+v3+"/accounts", a.scope(inbox.ScopePublic, a.listAccounts))
	mux.Handle("GET "+v3+"/accounts/{ids}", a.scope(inbox.ScopePublic, a.getAccounts))

	mux.Handle("GET "+v3+"/hosts", a.scope(inbox.ScopeInboxRead, a.listHosts))
	mux.Handle("GET "+v3+"/hosts/{ids}", a.scope(inbox.ScopeInboxRead, a.getHosts))
	mux.Handle("POST "+v3+"/hosts", a.scope(inbox.ScopeInboxWrite, a.createHost))

	mux.Handle("GET "+v3+"/clients", a.scope(inbox.ScopeClientsRead, a.listClients))
	mux.Handle("GET "+v3+"/clients/{ids}", a.scope(inbox.ScopeClientsRead, a.getClients))
	mux.Handle("POST "+v3+"/clients", a.scope(inbox.ScopeClientsWrite, a.createClient))

	mux.Handle("GET "+v3+"/sources", a.scope(inbox.ScopeBookingsRead, a.listSources))
	mux.Handle("GET "+v3+"/sources/{ids}", a.scope(inbox.ScopeBookingsRead, a.getSources))
	mux.Handle("POST "+v3+"/sources", a.scope(inbox.ScopeBookingsWriteOwned, a.createSource))

	mux.Handle("GET "+v3+"/bookings", a.scope(inbox.ScopePublic, a.listBookings))
	mux.Handle("GET "+v3+"/bookings/{ids}", a.scope(inbox.ScopePublic, a.getBookings))
	mux.Handle("POST "+v3+"/rentals/{rental_id}/bookings", a.scope(inbox.ScopeBookingsWriteOwned, a.createBooking))
	mux.Handle("DELETE "+v3+"/bookings/{id}", a.scope(inbox.ScopeBookingsWriteOwned, a.cancelBooking))

	mux.Handle("GET "+v3+"/inquiries", a.scope(inbox.ScopeInquiriesRead, a.listInquiries))
	mux.Handle("GET "+v3+"/inquiries/{ids}", a.scope(inbox.ScopeInquiriesRead, a.getInquiries))
	mux.Handle("POST "+v3+"/inquiries", a.scope(inbox.ScopeInquiriesWriteOwned, a.createInquiry))
	mux.Handle("POST "+v3+"/rentals/{rental_id}/inquiries", a.scope(inbox.ScopeInquiriesWriteOwned, a.createInquiry))

	a.registerWebhooks(mux, v3)

	// Anything else under /api/v3 is an unknown route: a BookingSync 404
	// (after authentication, as production answers).
	mux.Handle(v3+"/", a.scope(inbox.ScopePublic, a.notFound))
}
