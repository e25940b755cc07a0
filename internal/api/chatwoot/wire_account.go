package chatwoot

import (
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// label is an account label (Chatwoot's labels partial).
type label struct {
	ID            int64  `json:"id"`
	Title         string `json:"title"`
	Description   string `json:"description"`
	Color         string `json:"color"`
	ShowOnSidebar bool   `json:"show_on_sidebar"`
}

func labelFrom(l *inbox.Label) *label {
	return &label{ID: l.ID, Title: l.Title, Description: l.Description, Color: l.Color, ShowOnSidebar: l.ShowOnSidebar}
}

// cannedResponse is a canned response as Rails renders the model: its
// columns, times as ISO 8601.
type cannedResponse struct {
	ID        int64  `json:"id"`
	AccountID int64  `json:"account_id"`
	ShortCode string `json:"short_code"`
	Content   string `json:"content"`
	CreatedAt string `json:"created_at"`
	UpdatedAt string `json:"updated_at"`
}

func cannedResponseFrom(c *inbox.CannedResponse) *cannedResponse {
	return &cannedResponse{ID: c.ID, AccountID: c.AccountID, ShortCode: c.ShortCode, Content: c.Content,
		CreatedAt: iso(c.CreatedAt), UpdatedAt: iso(c.UpdatedAt)}
}

// Search results (Chatwoot's search partials).

type searchInbox struct {
	ID          int64  `json:"id"`
	ChannelID   int64  `json:"channel_id"`
	Name        string `json:"name"`
	ChannelType string `json:"channel_type"`
}

func searchInboxFrom(b *inbox.Inbox) *searchInbox {
	return &searchInbox{ID: b.ID, ChannelID: b.ID, Name: b.Name, ChannelType: channelClass(b.Channel)}
}

type searchMessage struct {
	ID             int64        `json:"id"`
	Content        *string      `json:"content"`
	MessageType    int          `json:"message_type"`
	ContentType    string       `json:"content_type"`
	SourceID       *string      `json:"source_id"`
	InboxID        int64        `json:"inbox_id"`
	ConversationID int64        `json:"conversation_id"`
	CreatedAt      int64        `json:"created_at"`
	Sender         any          `json:"sender,omitempty"`
	Inbox          *searchInbox `json:"inbox"`
}

func searchMessageFrom(v *app.MessageView, box *inbox.Inbox) *searchMessage {
	return &searchMessage{ID: v.ID, Content: content(v.Message), MessageType: inbox.MessageKindNumber[v.Kind],
		ContentType: v.ContentType, SourceID: nullString(v.SourceID), InboxID: box.ID,
		ConversationID: v.Conversation.DisplayID, CreatedAt: v.CreatedAt.Unix(), Sender: sender(v),
		Inbox: searchInboxFrom(box)}
}

type searchContact struct {
	Email                *string          `json:"email"`
	ID                   int64            `json:"id"`
	Name                 string           `json:"name"`
	PhoneNumber          *string          `json:"phone_number"`
	Identifier           *string          `json:"identifier"`
	AdditionalAttributes inbox.Attributes `json:"additional_attributes"`
	LastActivityAt       *int64           `json:"last_activity_at"`
}

func searchContactFrom(cl *inbox.Client) *searchContact {
	c := &searchContact{Email: nullString(cl.Email), ID: cl.ID, Name: cl.Name(), PhoneNumber: nullString(cl.Phone),
		Identifier: nullString(cl.Identifier), AdditionalAttributes: contactAttributes(cl)}
	if cl.LastActivityAt != nil {
		at := cl.LastActivityAt.Unix()
		c.LastActivityAt = &at
	}
	return c
}

type searchAgent struct {
	ID            int64  `json:"id"`
	AvailableName string `json:"available_name"`
	Email         string `json:"email"`
	Name          string `json:"name"`
	Role          string `json:"role"`
}

// searchConversation is a conversation found by a search. Chatwoot renders
// a missing message, contact, inbox or agent as an empty object.
type searchConversation struct {
	ID                   int64            `json:"id"`
	AccountID            int64            `json:"account_id"`
	CreatedAt            int64            `json:"created_at"`
	Message              any              `json:"message"`
	Contact              any              `json:"contact"`
	Inbox                any              `json:"inbox"`
	Agent                any              `json:"agent"`
	AdditionalAttributes inbox.Attributes `json:"additional_attributes,omitempty"`
}

func searchConversationFrom(h *app.ConversationHit, withAttributes bool) *searchConversation {
	c := &searchConversation{ID: h.DisplayID, AccountID: h.AccountID, CreatedAt: h.CreatedAt.Unix(),
		Message: struct{}{}, Contact: struct{}{}, Inbox: struct{}{}, Agent: struct{}{}}
	if h.FirstMessage != nil {
		c.Message = searchMessageFrom(h.FirstMessage, h.Inbox)
	}
	if h.Contact != nil {
		c.Contact = searchContactFrom(h.Contact)
	}
	c.Inbox = searchInboxFrom(h.Inbox)
	if h.Assignee != nil {
		c.Agent = &searchAgent{ID: h.Assignee.ID, AvailableName: h.Assignee.Name(), Email: h.Assignee.Email,
			Name: h.Assignee.Name(), Role: h.Assignee.Role}
	}
	if withAttributes {
		c.AdditionalAttributes = attrs(h.AdditionalAttributes)
	}
	return c
}

// searchPayload is the body of the search endpoints: the kinds asked for.
type searchPayload struct {
	Payload struct {
		Conversations *[]*searchConversation `json:"conversations,omitempty"`
		Contacts      *[]*searchContact      `json:"contacts,omitempty"`
		Messages      *[]*searchMessage      `json:"messages,omitempty"`
	} `json:"payload"`
}

// profile is the user as Chatwoot's profile shows it. A host belongs to
// one account.
type profile struct {
	AccessToken      string           `json:"access_token"`
	AccountID        int64            `json:"account_id"`
	AvailableName    string           `json:"available_name"`
	AvatarURL        string           `json:"avatar_url"`
	Confirmed        bool             `json:"confirmed"`
	DisplayName      *string          `json:"display_name"`
	MessageSignature *string          `json:"message_signature"`
	Email            string           `json:"email"`
	ID               int64            `json:"id"`
	InviterID        *int64           `json:"inviter_id"`
	Name             string           `json:"name"`
	Provider         string           `json:"provider"`
	PubSubToken      string           `json:"pubsub_token"`
	Role             string           `json:"role"`
	UISettings       inbox.Attributes `json:"ui_settings"`
	UID              string           `json:"uid"`
	Type             *string          `json:"type"`
	Accounts         []profileAccount `json:"accounts"`
}

type profileAccount struct {
	ID                 int64    `json:"id"`
	Name               string   `json:"name"`
	Status             string   `json:"status"`
	ActiveAt           *string  `json:"active_at"`
	Role               string   `json:"role"`
	Permissions        []string `json:"permissions"`
	Availability       string   `json:"availability"`
	AvailabilityStatus string   `json:"availability_status"`
	AutoOffline        bool     `json:"auto_offline"`
	CustomRoleID       *int64   `json:"custom_role_id"`
	CustomRole         any      `json:"custom_role"`
}

// profileFrom renders the caller's profile; token is the access token the
// request presented (Chatwoot shows the user's token; inboxd keeps only
// hashes, and this is the caller's own).
func profileFrom(pr *app.Profile, token string) *profile {
	h := pr.Host
	status := "active"
	if pr.Account.Status == inbox.AccountSuspended {
		status = "suspended"
	}
	perms := []string{h.Role}
	return &profile{AccessToken: token, AccountID: h.AccountID, AvailableName: h.Name(), Confirmed: true,
		Email: h.Email, ID: h.ID, Name: h.Name(), Provider: "email", PubSubToken: pr.PubSubToken, Role: h.Role,
		UISettings: inbox.Attributes{}, UID: h.Email,
		Accounts: []profileAccount{{ID: pr.Account.ID, Name: pr.Account.Name, Status: status, Role: h.Role,
			Permissions: perms, Availability: h.Availability, AvailabilityStatus: h.Availability,
			AutoOffline: h.AutoOffline}}}
}
