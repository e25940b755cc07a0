package chatwoot

import (
	"path"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// pushMessage is the message push shape (§5.1): conversation messages[],
// last_non_activity_message.
type pushMessage struct {
	ID                      int64            `json:"id"`
	Content                 *string          `json:"content"`
	AccountID               int64            `json:"account_id"`
	InboxID                 int64            `json:"inbox_id"`
	ConversationID          int64            `json:"conversation_id"`
	MessageType             int              `json:"message_type"`
	CreatedAt               int64            `json:"created_at"`
	UpdatedAt               string           `json:"updated_at"`
	Private                 bool             `json:"private"`
	Status                  string           `json:"status"`
	SourceID                *string          `json:"source_id"`
	ContentType             string           `json:"content_type"`
	ContentAttributes       inbox.Attributes `json:"content_attributes"`
	SenderType              *string          `json:"sender_type"`
	SenderID                *int64           `json:"sender_id"`
	ExternalSourceIDs       inbox.Attributes `json:"external_source_ids"`
	AdditionalAttributes    inbox.Attributes `json:"additional_attributes"`
	ProcessedMessageContent *string          `json:"processed_message_content"`
	Sentiment               inbox.Attributes `json:"sentiment"`
	Conversation            pushConversation `json:"conversation"`
	EchoID                  string           `json:"echo_id,omitempty"`
	Attachments             []*attachment    `json:"attachments,omitempty"`
	Sender                  any              `json:"sender,omitempty"`
}

// pushConversation is the conversation summary inside a push-shape message.
type pushConversation struct {
	AssigneeID     *int64 `json:"assignee_id"`
	UnreadCount    int    `json:"unread_count"`
	LastActivityAt int64  `json:"last_activity_at"`
	ContactInbox   struct {
		SourceID string `json:"source_id"`
	} `json:"contact_inbox"`
}

// apiMessage is the message API shape (§5.2): messages list, create, update
// and delete.
type apiMessage struct {
	ID                int64            `json:"id"`
	Content           *string          `json:"content"`
	InboxID           int64            `json:"inbox_id"`
	EchoID            string           `json:"echo_id,omitempty"`
	ConversationID    int64            `json:"conversation_id"`
	MessageType       int              `json:"message_type"`
	ContentType       string           `json:"content_type"`
	Status            string           `json:"status"`
	ContentAttributes inbox.Attributes `json:"content_attributes"`
	CreatedAt         int64            `json:"created_at"`
	Private           bool             `json:"private"`
	SourceID          *string          `json:"source_id"`
	Sender            any              `json:"sender,omitempty"`
	Attachments       []*attachment    `json:"attachments,omitempty"`
}

// attachment is a file attachment of a message.
type attachment struct {
	ID        int64  `json:"id"`
	MessageID int64  `json:"message_id"`
	FileType  string `json:"file_type"`
	AccountID int64  `json:"account_id"`
	Extension string `json:"extension"`
	DataURL   string `json:"data_url"`
	ThumbURL  string `json:"thumb_url"`
	FileSize  int64  `json:"file_size"`
	Width     *int   `json:"width"`
	Height    *int   `json:"height"`
}

func content(m *inbox.Message) *string {
	if !m.HasContent {
		return nil
	}
	s := m.Content
	return &s
}

// sender renders a message's sender in the push/API shape, nil for system
// messages.
func sender(v *app.MessageView) any {
	switch {
	case v.SenderClient != nil:
		return contactSenderFrom(v.SenderClient)
	case v.SenderHost != nil:
		return agentSenderFrom(v.SenderHost)
	}
	return nil
}

func attachmentsFrom(v *app.MessageView, base string) []*attachment {
	if len(v.Attachments) == 0 {
		return nil
	}
	out := make([]*attachment, len(v.Attachments))
	for i, att := range v.Attachments {
		url := httpx.FileURL(base, att.AccountID, att.ID, att.URLToken, att.Name)
		a := &attachment{ID: att.ID, MessageID: v.ID, FileType: att.FileType(), AccountID: att.AccountID,
			Extension: path.Ext(att.Name), DataURL: url, FileSize: att.FileSize, Width: att.ImageWidth,
			Height: att.ImageHeight}
		if a.FileType == "image" {
			// No resized copies are made: the thumbnail is the image.
			a.ThumbURL = url
		}
		out[i] = a
	}
	return out
}

// pushMessageFrom renders a message of the conversation view cv.
func pushMessageFrom(v *app.MessageView, cv *app.ConversationView, base string) *pushMessage {
	m := &pushMessage{
		ID:                      v.ID,
		Content:                 content(v.Message),
		AccountID:               v.AccountID,
		InboxID:                 cv.InboxID,
		ConversationID:          cv.DisplayID,
		MessageType:             inbox.MessageKindNumber[v.Kind],
		CreatedAt:               v.CreatedAt.Unix(),
		UpdatedAt:               iso(v.UpdatedAt),
		Private:                 v.Private(),
		Status:                  v.Status,
		SourceID:                nullString(v.SourceID),
		ContentType:             v.ContentType,
		ContentAttributes:       attrs(v.ContentAttributes),
		ExternalSourceIDs:       inbox.Attributes{},
		AdditionalAttributes:    attrs(v.AdditionalAttributes),
		ProcessedMessageContent: content(v.Message),
		Sentiment:               inbox.Attributes{},
		EchoID:                  v.EchoID,
		Attachments:             attachmentsFrom(v, base),
		Sender:                  sender(v),
	}
	switch {
	case v.SenderClient != nil:
		m.SenderType, m.SenderID = ptr("Contact"), &v.SenderClient.ID
	case v.SenderHost != nil:
		m.SenderType, m.SenderID = ptr("User"), &v.SenderHost.ID
	}
	m.Conversation.AssigneeID = cv.AssigneeID
	m.Conversation.UnreadCount = cv.Stats.UnreadCount
	m.Conversation.LastActivityAt = cv.LastActivityAt.Unix()
	m.Conversation.ContactInbox.SourceID = cv.ContactSourceID
	return m
}

// apiMessageFrom renders a message in the API shape.
func apiMessageFrom(v *app.MessageView, base string) *apiMessage {
	m := &apiMessage{
		ID:                v.ID,
		Content:           content(v.Message),
		EchoID:            v.EchoID,
		MessageType:       inbox.MessageKindNumber[v.Kind],
		ContentType:       v.ContentType,
		Status:            v.Status,
		ContentAttributes: attrs(v.ContentAttributes),
		CreatedAt:         v.CreatedAt.Unix(),
		Private:           v.Private(),
		SourceID:          nullString(v.SourceID),
		Sender:            sender(v),
		Attachments:       attachmentsFrom(v, base),
	}
	if v.Conversation != nil {
		m.InboxID, m.ConversationID = v.Conversation.InboxID, v.Conversation.DisplayID
	}
	return m
}

func apiMessagesFrom(vs []*app.MessageView, base string) []*apiMessage {
	out := make([]*apiMessage, len(vs))
	for i, v := range vs {
		out[i] = apiMessageFrom(v, base)
	}
	return out
}

// messagesMeta is the meta object of the messages list.
type messagesMeta struct {
	Labels               []string         `json:"labels"`
	AdditionalAttributes inbox.Attributes `json:"additional_attributes"`
	Contact              *contactSender   `json:"contact"`
	Assignee             *agentSender     `json:"assignee,omitempty"`
	AgentLastSeenAt      *string          `json:"agent_last_seen_at"`
	AssigneeLastSeenAt   *string          `json:"assignee_last_seen_at"`
}

// messagesPayload is the messages list body.
type messagesPayload struct {
	Meta    messagesMeta  `json:"meta"`
	Payload []*apiMessage `json:"payload"`
}

func messagesFrom(cv *app.ConversationView, msgs []*app.MessageView, base string) *messagesPayload {
	out := &messagesPayload{Payload: apiMessagesFrom(msgs, base)}
	out.Meta.Labels = cv.Labels
	if out.Meta.Labels == nil {
		out.Meta.Labels = []string{}
	}
	out.Meta.AdditionalAttributes = attrs(cv.AdditionalAttributes)
	if cv.Client != nil {
		out.Meta.Contact = contactSenderFrom(cv.Client)
	}
	if cv.Assignee != nil {
		out.Meta.Assignee = agentSenderFrom(cv.Assignee)
	}
	out.Meta.AgentLastSeenAt = isoPtr(cv.Stats.HostReadAt)
	out.Meta.AssigneeLastSeenAt = isoPtr(cv.Stats.AssigneeReadAt)
	return out
}

func ptr[T any](v T) *T { return &v }
