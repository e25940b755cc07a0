package inbox

import (
	"slices"
	"time"
)

// Message kinds (Chatwoot message_type).
const (
	KindIncoming = "incoming" // sent by a Client participant
	KindOutgoing = "outgoing" // sent by a Host participant
	KindActivity = "activity" // system line: status change, assignment, labels
	KindTemplate = "template"
)

// MessageKindNumber maps a kind to Chatwoot's integer message_type.
var MessageKindNumber = map[string]int{KindIncoming: 0, KindOutgoing: 1, KindActivity: 2, KindTemplate: 3}

// Visibilities.
const (
	VisibilityInternal = "internal" // staff only (Chatwoot private note)
	VisibilityExternal = "external" // guest-visible
	VisibilityAll      = "all"      // legacy spelling of external, echoed as given
)

// Delivery statuses.
const (
	DeliverySent      = "sent"
	DeliveryDelivered = "delivered"
	DeliveryRead      = "read"
	DeliveryFailed    = "failed"
)

// DeliveryStatuses lists the valid delivery statuses.
var DeliveryStatuses = []string{DeliverySent, DeliveryDelivered, DeliveryRead, DeliveryFailed}

// ContentTypes lists the valid message content types.
var ContentTypes = []string{"text", "input_text", "input_textarea", "input_email", "input_select", "cards",
	"form", "article", "incoming_email", "input_csat", "integrations", "sticker", "voice_call"}

// MaxContentLength is the longest message content accepted.
const MaxContentLength = 150000

// Message is one entry of a conversation.
type Message struct {
	ID             int64
	AccountID      int64
	ConversationID int64
	// SenderID is the sender participant; nil only for activity messages.
	SenderID             *int64
	Kind                 string
	Content              string
	HasContent           bool // false when content is null (attachment-only or interactive)
	ContentType          string
	ContentAttributes    Attributes
	AdditionalAttributes Attributes
	Origin               string
	Channel              string
	Visibility           string
	Status               string
	SourceID             string
	EchoID               string
	SentAt               *time.Time
	AttachmentIDs        []int64
	CreatedByID          *int64
	CreatedByType        string
	CreatedAt            time.Time
	UpdatedAt            time.Time
}

// Private reports whether the message is staff-only.
func (m *Message) Private() bool { return m.Visibility == VisibilityInternal }

// Validate checks a message before it is stored.
func (m *Message) Validate() error {
	if m.ConversationID == 0 {
		return FieldError("conversation_id", MsgBlank)
	}
	if !slices.Contains([]string{KindIncoming, KindOutgoing, KindActivity, KindTemplate}, m.Kind) {
		return FieldError("message_type", MsgInclusion)
	}
	if m.Kind != KindActivity && m.SenderID == nil {
		return FieldError("sender_id", MsgBlank)
	}
	if tooLong(m.Content, MaxContentLength) {
		return FieldError("content", "is too long (maximum is 150000 characters)")
	}
	switch m.Visibility {
	case VisibilityInternal, VisibilityExternal, VisibilityAll:
	case "":
		return FieldError("visibility", MsgBlank)
	default:
		return FieldError("visibility", MsgInclusion)
	}
	if m.Origin != "" && !ValidOrigin(m.Origin) {
		return FieldError("origin", MsgInclusion)
	}
	if m.Channel != "" && !ValidMessageChannel(m.Channel) {
		return FieldError("channel", MsgInclusion)
	}
	if !slices.Contains(DeliveryStatuses, m.Status) {
		return FieldError("status", MsgInclusion)
	}
	if !slices.Contains(ContentTypes, m.ContentType) {
		return FieldError("content_type", MsgInclusion)
	}
	if err := m.ContentAttributes.Validate("content_attributes"); err != nil {
		return err
	}
	return m.AdditionalAttributes.Validate("additional_attributes")
}

// MessageFilter selects messages of one account.
type MessageFilter struct {
	IDs            []int64
	ConversationID *int64
	UpdatedSince   *time.Time
	// ExcludeActivity drops activity messages (BookingSync never lists them).
	ExcludeActivity bool
	// ExcludePrivate drops internal messages.
	ExcludePrivate bool
	// BeforeID and AfterID bound ids (exclusive before, exclusive after).
	BeforeID int64
	AfterID  int64
	// Newest returns the Limit newest matches (still ordered ascending).
	Newest bool
	Page   Page
}

// MessageUpdate holds message fields to change.
type MessageUpdate struct {
	Content           *string
	HasContent        *bool
	ContentType       *string
	ContentAttributes *Attributes
	Origin            *string
	Channel           *string
	Visibility        *string
	Status            *string
	SentAt            **time.Time
	AttachmentIDs     *[]int64
}
