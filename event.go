package inbox

import "time"

// Event types. They are domain events; each dialect renders its own payload.
const (
	EventConversationCreated       = "conversation.created"
	EventConversationUpdated       = "conversation.updated"
	EventConversationStatusChanged = "conversation.status_changed"
	EventConversationDeleted       = "conversation.deleted"
	EventConversationRead          = "conversation.read"
	EventMessageCreated            = "message.created"
	EventMessageUpdated            = "message.updated"
	EventParticipantCreated        = "participant.created"
	EventParticipantUpdated        = "participant.updated"
	EventParticipantDeleted        = "participant.deleted"
	EventClientCreated             = "client.created"
	EventClientUpdated             = "client.updated"
	EventClientDeleted             = "client.deleted"
	EventInboxCreated              = "inbox.created"
	EventInboxUpdated              = "inbox.updated"
	EventAttachmentCreated         = "attachment.created"
	EventAttachmentUpdated         = "attachment.updated"
	EventBookingCreated            = "booking.created"
	EventBookingUpdated            = "booking.updated"
	EventInquiryCreated            = "inquiry.created"
	EventInquiryUpdated            = "inquiry.updated"
	// EventAccessRevoked says that tokens of the account were revoked (or
	// their holder's rights changed): every node drops the principals it
	// cached for the account. SubjectID is the token's id, or 0 for
	// several. No dialect renders it.
	EventAccessRevoked = "access.revoked"
)

// Event is a change, written to the outbox in the same transaction as the
// change itself, so that webhooks and realtime feeds never miss one.
type Event struct {
	// ID is the outbox row's id. It says nothing of order: on PostgreSQL
	// ids are taken before commit, so they become visible out of order.
	ID int64
	// Seq is the event's place in the outbox's commit order, given once it
	// committed (0 before; see internal/events). It increases, without
	// gaps across all accounts and so strictly within each account, in the
	// order events become visible: it is the position readers resume from
	// and the event id webhook receivers and realtime clients see.
	Seq            int64
	AccountID      int64
	Type           string
	ConversationID *int64
	MessageID      *int64
	SubjectID      int64  // id of the record the event is about
	ActorType      string // CreatorUser, CreatorApplication or "" for the system
	ActorID        *int64
	// Changes lists changed attributes: name → [previous, current].
	Changes   map[string][2]any
	CreatedAt time.Time
}
