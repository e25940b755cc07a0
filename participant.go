package inbox

import "time"

// Participant member types.
const (
	MemberClient = "Client"
	MemberHost   = "Host"
)

// Participant is a member of a conversation: a Client (guest) or a Host. Read
// state lives here and nowhere else.
type Participant struct {
	ID                int64
	AccountID         int64
	ConversationID    int64
	MemberType        string // MemberClient or MemberHost
	MemberID          int64
	ReadAt            *time.Time
	LastMessageSentAt *time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// Validate checks a participant before it is stored.
func (p *Participant) Validate() error {
	if p.ConversationID == 0 {
		return FieldError("conversation_id", MsgBlank)
	} else if p.MemberID == 0 {
		return FieldError("member_id", MsgBlank)
	}
	switch p.MemberType {
	case MemberClient, MemberHost:
	case "":
		return FieldError("member_type", MsgBlank)
	default:
		return FieldError("member_type", MsgInclusion)
	}
	return nil
}

// ParticipantFilter selects participants of one account.
type ParticipantFilter struct {
	IDs            []int64
	ConversationID *int64
	MemberType     string
	MemberID       *int64
	UpdatedSince   *time.Time
	Page           Page
}

// ParticipantUpdate holds participant fields to change.
type ParticipantUpdate struct {
	ReadAt            **time.Time
	LastMessageSentAt **time.Time
}
