package chatwoot

import (
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// conversationEvent is the conversation event shape (§7.3): realtime
// conversation events and conversation webhooks.
type conversationEvent struct {
	AdditionalAttributes inbox.Attributes      `json:"additional_attributes"`
	CanReply             bool                  `json:"can_reply"`
	Channel              string                `json:"channel"`
	ContactInbox         *contactInboxRecord   `json:"contact_inbox"`
	ID                   int64                 `json:"id"`
	InboxID              int64                 `json:"inbox_id"`
	Messages             []*pushMessage        `json:"messages"`
	Labels               []string              `json:"labels"`
	Meta                 conversationEventMeta `json:"meta"`
	Status               string                `json:"status"`
	CustomAttributes     inbox.Attributes      `json:"custom_attributes"`
	SnoozedUntil         *string               `json:"snoozed_until"`
	UnreadCount          int                   `json:"unread_count"`
	FirstReplyCreatedAt  *string               `json:"first_reply_created_at"`
	Priority             *string               `json:"priority"`
	WaitingSince         int64                 `json:"waiting_since"`
	AgentLastSeenAt      int64                 `json:"agent_last_seen_at"`
	ContactLastSeenAt    int64                 `json:"contact_last_seen_at"`
	LastActivityAt       int64                 `json:"last_activity_at"`
	Timestamp            int64                 `json:"timestamp"`
	CreatedAt            int64                 `json:"created_at"`
	UpdatedAt            floatTime             `json:"updated_at"`
}

// conversationEventMeta is the meta object of the conversation event shape:
// the contact and the assignee in their push shapes. Teams are not
// modelled, so team is always null.
type conversationEventMeta struct {
	Sender       *contactSender `json:"sender"`
	Assignee     *agentSender   `json:"assignee"`
	AssigneeType *string        `json:"assignee_type"`
	Team         *struct{}      `json:"team"`
	HMACVerified bool           `json:"hmac_verified"`
}

// contactInboxRecord is the full contact inbox record. Its pubsub_token (the
// contact's widget subscription) is always null: contacts do not subscribe.
type contactInboxRecord struct {
	ID           int64   `json:"id"`
	ContactID    int64   `json:"contact_id"`
	InboxID      int64   `json:"inbox_id"`
	SourceID     string  `json:"source_id"`
	CreatedAt    string  `json:"created_at"`
	UpdatedAt    string  `json:"updated_at"`
	HMACVerified bool    `json:"hmac_verified"`
	PubSubToken  *string `json:"pubsub_token"`
}

// conversationEventFrom renders a conversation view loaded with Details, its
// contact inbox (nil when it has none) and its newest public message other
// than an activity line (nil when none).
func conversationEventFrom(v *app.ConversationView, ci *inbox.ContactInbox, latest *app.MessageView, base string, now time.Time) *conversationEvent {
	c := &conversationEvent{
		AdditionalAttributes: attrs(v.AdditionalAttributes),
		CanReply:             v.CanReply(now),
		ID:                   v.DisplayID,
		InboxID:              v.InboxID,
		Messages:             []*pushMessage{},
		Labels:               v.Labels,
		Status:               v.Status,
		CustomAttributes:     attrs(v.CustomAttributes),
		UnreadCount:          v.Stats.UnreadCount,
		FirstReplyCreatedAt:  isoPtr(v.FirstReplyCreatedAt),
		Priority:             nullString(v.Priority),
		WaitingSince:         unix(v.WaitingSince),
		AgentLastSeenAt:      unix(v.Stats.HostReadAt),
		ContactLastSeenAt:    unix(v.Stats.ClientReadAt),
		LastActivityAt:       v.LastActivityAt.Unix(),
		Timestamp:            v.LastActivityAt.Unix(),
		CreatedAt:            v.CreatedAt.Unix(),
		UpdatedAt:            floatTime(v.UpdatedAt),
	}
	if c.Labels == nil {
		c.Labels = []string{}
	}
	if v.Status == inbox.StatusSnoozed {
		c.SnoozedUntil = isoPtr(v.SnoozedUntil)
	}
	if v.Inbox != nil {
		c.Channel = channelClass(v.Inbox.Channel)
	}
	if ci != nil {
		c.ContactInbox = &contactInboxRecord{ID: ci.ID, ContactID: ci.ClientID, InboxID: ci.InboxID, SourceID: ci.SourceID,
			CreatedAt: iso(ci.CreatedAt), UpdatedAt: iso(ci.UpdatedAt), HMACVerified: ci.HMACVerified}
	}
	if latest != nil {
		c.Messages = append(c.Messages, pushMessageFrom(latest, v, base))
	}
	c.Meta.HMACVerified = v.HMACVerified
	if v.Client != nil {
		c.Meta.Sender = contactSenderFrom(v.Client)
	}
	if v.Assignee != nil {
		c.Meta.Assignee, c.Meta.AssigneeType = agentSenderFrom(v.Assignee), ptr("User")
	}
	return c
}
