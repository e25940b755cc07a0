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
	EventAttachmentCreated         = "attachment.created"
	EventAttachmentUpdated         = "attachment.updated"
	EventBookingCreated            = "booking.created"
	EventBookingUpdated            = "booking.updated"
	EventInquiryCreated            = "inquiry.created"
	EventInquiryUpdated            = "inquiry.updated"
)

// Event is a change, written to the outbox in the same transaction as the
// change itself, so that webhooks and realtime feeds never miss one.
type Event struct {
	ID             int64
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
