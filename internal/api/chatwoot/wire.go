package chatwoot

import (
	"strconv"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// Wire structs list their fields in Chatwoot's key order: golden tests
// compare it. Converters are pure functions of app views.

// conversation is the conversation object of §4 (show, list, filter, create,
// update, update_last_seen, unread).
type conversation struct {
	Meta                   conversationMeta `json:"meta"`
	ID                     int64            `json:"id"`
	Messages               []*pushMessage   `json:"messages"`
	AccountID              int64            `json:"account_id"`
	UUID                   string           `json:"uuid"`
	AdditionalAttributes   inbox.Attributes `json:"additional_attributes"`
	AgentLastSeenAt        int64            `json:"agent_last_seen_at"`
	AssigneeLastSeenAt     int64            `json:"assignee_last_seen_at"`
	CanReply               bool             `json:"can_reply"`
	ContactLastSeenAt      int64            `json:"contact_last_seen_at"`
	CustomAttributes       inbox.Attributes `json:"custom_attributes"`
	InboxID                int64            `json:"inbox_id"`
	Labels                 []string         `json:"labels"`
	Muted                  bool             `json:"muted"`
	SnoozedUntil           *string          `json:"snoozed_until"`
	Status                 string           `json:"status"`
	CreatedAt              int64            `json:"created_at"`
	UpdatedAt              floatTime        `json:"updated_at"`
	Timestamp              int64            `json:"timestamp"`
	FirstReplyCreatedAt    int64            `json:"first_reply_created_at"`
	UnreadCount            int              `json:"unread_count"`
	LastNonActivityMessage *pushMessage     `json:"last_non_activity_message"`
	LastActivityAt         int64            `json:"last_activity_at"`
	Priority               *string          `json:"priority"`
	WaitingSince           int64            `json:"waiting_since"`
	SLAPolicyID            *int64           `json:"sla_policy_id"`
}

// conversationMeta is the conversation's meta object. Teams are not
// modelled, so team is never sent.
type conversationMeta struct {
	Sender       *contactMeta `json:"sender,omitempty"`
	Channel      string       `json:"channel"`
	Assignee     *agent       `json:"assignee,omitempty"`
	AssigneeType string       `json:"assignee_type,omitempty"`
	HMACVerified bool         `json:"hmac_verified"`
}

// contactMeta is the contact in a conversation's meta.sender.
type contactMeta struct {
	AdditionalAttributes inbox.Attributes `json:"additional_attributes"`
	AvailabilityStatus   string           `json:"availability_status"`
	Email                *string          `json:"email"`
	ID                   int64            `json:"id"`
	Name                 string           `json:"name"`
	PhoneNumber          *string          `json:"phone_number"`
	Blocked              bool             `json:"blocked"`
	Identifier           *string          `json:"identifier"`
	Thumbnail            string           `json:"thumbnail"`
	CustomAttributes     inbox.Attributes `json:"custom_attributes"`
	LastActivityAt       *int64           `json:"last_activity_at,omitempty"`
	CreatedAt            int64            `json:"created_at"`
}

// agent is a host as Chatwoot's agent partial renders a user (meta.assignee,
// assignments, participants).
type agent struct {
	ID                 int64            `json:"id"`
	AccountID          int64            `json:"account_id"`
	AvailabilityStatus string           `json:"availability_status"`
	AutoOffline        bool             `json:"auto_offline"`
	Confirmed          bool             `json:"confirmed"`
	Email              string           `json:"email"`
	Provider           string           `json:"provider"`
	AvailableName      string           `json:"available_name"`
	CustomAttributes   inbox.Attributes `json:"custom_attributes,omitempty"`
	Name               string           `json:"name"`
	Role               string           `json:"role"`
	Thumbnail          string           `json:"thumbnail"`
	CustomRoleID       *int64           `json:"custom_role_id"`
}

// contactSender is a contact as message senders and the messages list meta
// show it.
type contactSender struct {
	AdditionalAttributes inbox.Attributes `json:"additional_attributes"`
	CustomAttributes     inbox.Attributes `json:"custom_attributes"`
	Email                *string          `json:"email"`
	ID                   int64            `json:"id"`
	Identifier           *string          `json:"identifier"`
	Name                 string           `json:"name"`
	PhoneNumber          *string          `json:"phone_number"`
	Thumbnail            string           `json:"thumbnail"`
	Blocked              bool             `json:"blocked"`
	Type                 string           `json:"type"`
}

// agentSender is a host as message senders and the messages list meta show it.
type agentSender struct {
	ID                 int64  `json:"id"`
	Name               string `json:"name"`
	AvailableName      string `json:"available_name"`
	AvatarURL          string `json:"avatar_url"`
	Type               string `json:"type"`
	AvailabilityStatus string `json:"availability_status"`
	Thumbnail          string `json:"thumbnail"`
}

// floatTime is Unix seconds with microseconds, always written with a
// decimal point (Chatwoot's conversation updated_at is a float).
type floatTime time.Time

// MarshalJSON implements json.Marshaler.
func (t floatTime) MarshalJSON() ([]byte, error) {
	us := time.Time(t).UnixMicro()
	s := strconv.FormatInt(us/1e6, 10) + "." + pad6(us%1e6)
	return []byte(s), nil
}

func pad6(n int64) string {
	s := strconv.FormatInt(n, 10)
	for len(s) < 6 {
		s = "0" + s
	}
	// Trailing zeros carry nothing, but one digit must stay.
	for len(s) > 1 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	return s
}

// unix renders an optional time as Unix seconds, 0 for none.
func unix(t *time.Time) int64 {
	if t == nil {
		return 0
	}
	return t.Unix()
}

// iso renders a time as Chatwoot's ISO 8601 (UTC, milliseconds).
func iso(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// isoPtr renders an optional time as ISO 8601 or null.
func isoPtr(t *time.Time) *string {
	if t == nil {
		return nil
	}
	s := iso(*t)
	return &s
}

// nullString is null for "".
func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// attrs is never null on the wire.
func attrs(a inbox.Attributes) inbox.Attributes {
	if a == nil {
		return inbox.Attributes{}
	}
	return a
}

// channelClass names an inbox's channel as a Chatwoot channel class. The
// booking portals (Airbnb, Booking.com, HomeAway, Vrbo, Expedia) have no
// Chatwoot channel: they reach an inbox through an integration, which in
// Chatwoot terms is an API channel, so they are Channel::Api.
func channelClass(channel string) string {
	switch channel {
	case inbox.ChannelWebWidget:
		return "Channel::WebWidget"
	case inbox.ChannelEmail:
		return "Channel::Email"
	case inbox.ChannelWhatsApp:
		return "Channel::Whatsapp"
	case inbox.ChannelSMS:
		return "Channel::Sms"
	}
	return "Channel::Api"
}

// conversationFrom renders a conversation view loaded with Details.
func conversationFrom(v *app.ConversationView, base string, now time.Time) *conversation {
	c := &conversation{
		ID:                   v.DisplayID,
		Messages:             []*pushMessage{},
		AccountID:            v.AccountID,
		UUID:                 v.UUID,
		AdditionalAttributes: attrs(v.AdditionalAttributes),
		AgentLastSeenAt:      unix(v.Stats.HostReadAt),
		AssigneeLastSeenAt:   unix(v.Stats.AssigneeReadAt),
		CanReply:             v.CanReply(now),
		ContactLastSeenAt:    unix(v.Stats.ClientReadAt),
		CustomAttributes:     attrs(v.CustomAttributes),
		InboxID:              v.InboxID,
		Labels:               v.Labels,
		Status:               v.Status,
		CreatedAt:            v.CreatedAt.Unix(),
		UpdatedAt:            floatTime(v.UpdatedAt),
		Timestamp:            v.LastActivityAt.Unix(),
		FirstReplyCreatedAt:  unix(v.FirstReplyCreatedAt),
		UnreadCount:          v.Stats.UnreadCount,
		LastActivityAt:       v.LastActivityAt.Unix(),
		Priority:             nullString(v.Priority),
		WaitingSince:         unix(v.WaitingSince),
	}
	if c.Labels == nil {
		c.Labels = []string{}
	}
	if v.Status == inbox.StatusSnoozed {
		c.SnoozedUntil = isoPtr(v.SnoozedUntil)
	}
	c.Meta.HMACVerified = v.HMACVerified
	if v.Inbox != nil {
		c.Meta.Channel = channelClass(v.Inbox.Channel)
	}
	if v.Client != nil {
		c.Muted = v.Client.Blocked
		c.Meta.Sender = contactMetaFrom(v.Client)
	}
	if v.Assignee != nil {
		c.Meta.Assignee, c.Meta.AssigneeType = agentFrom(v.Assignee), "User"
	}
	if v.Latest != nil {
		c.Messages = append(c.Messages, pushMessageFrom(v.Latest, v, base))
	}
	if v.LatestNonActivity != nil {
		c.LastNonActivityMessage = pushMessageFrom(v.LatestNonActivity, v, base)
	}
	return c
}

func contactMetaFrom(cl *inbox.Client) *contactMeta {
	m := &contactMeta{
		AdditionalAttributes: contactAttributes(cl),
		AvailabilityStatus:   "offline",
		Email:                nullString(cl.Email),
		ID:                   cl.ID,
		Name:                 cl.Name(),
		PhoneNumber:          nullString(cl.Phone),
		Blocked:              cl.Blocked,
		Identifier:           nullString(cl.Identifier),
		CustomAttributes:     attrs(cl.CustomAttributes),
		CreatedAt:            cl.CreatedAt.Unix(),
	}
	if cl.LastActivityAt != nil {
		at := cl.LastActivityAt.Unix()
		m.LastActivityAt = &at
	}
	return m
}

func agentFrom(h *inbox.Host) *agent {
	return &agent{
		ID:                 h.ID,
		AccountID:          h.AccountID,
		AvailabilityStatus: h.Availability,
		AutoOffline:        h.AutoOffline,
		Confirmed:          true,
		Email:              h.Email,
		Provider:           "email",
		AvailableName:      h.Name(),
		Name:               h.Name(),
		Role:               h.Role,
	}
}

// agentsFrom renders a list of hosts, never null.
func agentsFrom(hs []*inbox.Host) []*agent {
	out := make([]*agent, len(hs))
	for i, h := range hs {
		out[i] = agentFrom(h)
	}
	return out
}

func contactSenderFrom(cl *inbox.Client) *contactSender {
	return &contactSender{
		AdditionalAttributes: contactAttributes(cl),
		CustomAttributes:     attrs(cl.CustomAttributes),
		Email:                nullString(cl.Email),
		ID:                   cl.ID,
		Identifier:           nullString(cl.Identifier),
		Name:                 cl.Name(),
		PhoneNumber:          nullString(cl.Phone),
		Blocked:              cl.Blocked,
		Type:                 "contact",
	}
}

func agentSenderFrom(h *inbox.Host) *agentSender {
	return &agentSender{ID: h.ID, Name: h.Name(), AvailableName: h.Name(), Type: "user",
		AvailabilityStatus: h.Availability}
}

// toggleStatusPayload is toggle_status' answer (no meta key, as Chatwoot's
// renderer drops the empty one).
type toggleStatusPayload struct {
	Payload struct {
		Success        bool    `json:"success"`
		ConversationID int64   `json:"conversation_id"`
		CurrentStatus  string  `json:"current_status"`
		SnoozedUntil   *string `json:"snoozed_until"`
	} `json:"payload"`
}

func toggleStatusFrom(c *inbox.Conversation) *toggleStatusPayload {
	var p toggleStatusPayload
	p.Payload.Success = true
	p.Payload.ConversationID, p.Payload.CurrentStatus = c.DisplayID, c.Status
	if c.Status == inbox.StatusSnoozed {
		p.Payload.SnoozedUntil = isoPtr(c.SnoozedUntil)
	}
	return &p
}

// labelsPayload is the labels endpoints' answer.
type labelsPayload struct {
	Payload []string `json:"payload"`
}

func labelsFrom(ls []string) labelsPayload {
	if ls == nil {
		ls = []string{}
	}
	return labelsPayload{Payload: ls}
}

// customAttributesPayload is the custom_attributes endpoint's answer.
type customAttributesPayload struct {
	CustomAttributes inbox.Attributes `json:"custom_attributes"`
}
