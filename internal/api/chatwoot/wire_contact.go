package chatwoot

import (
	"encoding/json"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// companyKey is where Chatwoot keeps a contact's company: an additional
// attribute. inboxd keeps it as the client's company (BookingSync's
// company), so the two dialects show one value.
const companyKey = "company_name"

// contactAttributes are a client's additional attributes as Chatwoot shows
// them: with its company under company_name.
func contactAttributes(cl *inbox.Client) inbox.Attributes {
	a := attrs(cl.AdditionalAttributes)
	if cl.Company == "" {
		return a
	}
	a = a.Clone()
	a[companyKey] = cl.Company
	return a
}

// contact is a contact as Chatwoot's contact partial renders it on the
// contacts endpoints: the conversation's meta.sender, then contact_inboxes.
type contact struct {
	*contactMeta
	ContactInboxes []*contactInbox `json:"contact_inboxes"`
}

func contactFrom(v *app.ContactView) *contact {
	c := &contact{contactMeta: contactMetaFrom(v.Client), ContactInboxes: make([]*contactInbox, len(v.ContactInboxes))}
	for i, ci := range v.ContactInboxes {
		c.ContactInboxes[i] = contactInboxFrom(ci)
	}
	return c
}

func contactsFrom(vs []*app.ContactView) []*contact {
	out := make([]*contact, len(vs))
	for i, v := range vs {
		out[i] = contactFrom(v)
	}
	return out
}

// contactInbox is a contact's identity in an inbox, with the inbox in its
// slim shape.
type contactInbox struct {
	SourceID string     `json:"source_id"`
	Inbox    *inboxSlim `json:"inbox"`
}

func contactInboxFrom(v *app.ContactInboxView) *contactInbox {
	return &contactInbox{SourceID: v.SourceID, Inbox: inboxSlimFrom(v.Inbox)}
}

// inboxSlim is Chatwoot's slim inbox (contact inboxes). inboxd has no
// channel record apart from the inbox: channel_id is the inbox's id.
type inboxSlim struct {
	ID          int64   `json:"id"`
	AvatarURL   string  `json:"avatar_url"`
	ChannelID   int64   `json:"channel_id"`
	Name        string  `json:"name"`
	ChannelType string  `json:"channel_type"`
	Provider    *string `json:"provider"`
}

func inboxSlimFrom(b *inbox.Inbox) *inboxSlim {
	return &inboxSlim{ID: b.ID, ChannelID: b.ID, Name: b.Name, ChannelType: channelClass(b.Channel)}
}

// contactMetaPage is the meta of the contact listings.
type contactMetaPage struct {
	Count       int    `json:"count"`
	CurrentPage string `json:"current_page"`
}

// contactList is the body of the contact listings (index, search, filter).
type contactList struct {
	Meta    contactMetaPage `json:"meta"`
	Payload []*contact      `json:"payload"`
}

// inboxRecord is an inbox as Rails renders the model itself (contact
// create's contact_inbox.inbox): its columns.
type inboxRecord struct {
	ID          int64  `json:"id"`
	ChannelID   int64  `json:"channel_id"`
	AccountID   int64  `json:"account_id"`
	Name        string `json:"name"`
	CreatedAt   string `json:"created_at"`
	UpdatedAt   string `json:"updated_at"`
	ChannelType string `json:"channel_type"`
}

// contactCreated is contact create's body.
type contactCreated struct {
	Payload struct {
		Contact      *contact `json:"contact"`
		ContactInbox struct {
			Inbox    *inboxRecord `json:"inbox"`
			SourceID *string      `json:"source_id"`
		} `json:"contact_inbox"`
	} `json:"payload"`
}

func contactCreatedFrom(v *app.ContactView, ci *app.ContactInboxView) *contactCreated {
	var out contactCreated
	out.Payload.Contact = contactFrom(v)
	if ci != nil {
		b := ci.Inbox
		out.Payload.ContactInbox.Inbox = &inboxRecord{ID: b.ID, ChannelID: b.ID, AccountID: b.AccountID, Name: b.Name,
			CreatedAt: iso(b.CreatedAt), UpdatedAt: iso(b.UpdatedAt), ChannelType: channelClass(b.Channel)}
		out.Payload.ContactInbox.SourceID = &ci.SourceID
	}
	return &out
}

// inboxObject is Chatwoot's inbox partial for the channels inboxd has. The
// settings inboxd does not implement show what it does: no greeting, no
// working hours, no CSAT, no automatic assignment, messages accepted after
// a conversation is resolved, no lock to a single conversation.
type inboxObject struct {
	ID                         int64            `json:"id"`
	AvatarURL                  string           `json:"avatar_url"`
	ChannelID                  int64            `json:"channel_id"`
	Name                       string           `json:"name"`
	ChannelType                string           `json:"channel_type"`
	GreetingEnabled            bool             `json:"greeting_enabled"`
	GreetingMessage            *string          `json:"greeting_message"`
	WorkingHoursEnabled        bool             `json:"working_hours_enabled"`
	EnableEmailCollect         bool             `json:"enable_email_collect"`
	CSATSurveyEnabled          bool             `json:"csat_survey_enabled"`
	EnableAutoAssignment       bool             `json:"enable_auto_assignment"`
	AutoAssignmentConfig       inbox.Attributes `json:"auto_assignment_config"`
	OutOfOfficeMessage         *string          `json:"out_of_office_message"`
	WorkingHours               []any            `json:"working_hours"`
	Timezone                   string           `json:"timezone"`
	CallbackWebhookURL         *string          `json:"callback_webhook_url"`
	AllowMessagesAfterResolved bool             `json:"allow_messages_after_resolved"`
	LockToSingleConversation   bool             `json:"lock_to_single_conversation"`
	SenderNameType             string           `json:"sender_name_type"`
	BusinessName               *string          `json:"business_name"`
	WidgetColor                *string          `json:"widget_color"`
	WebsiteURL                 *string          `json:"website_url"`
	HMACMandatory              bool             `json:"hmac_mandatory"`
	WelcomeTitle               *string          `json:"welcome_title"`
	WelcomeTagline             *string          `json:"welcome_tagline"`
	WebWidgetScript            *string          `json:"web_widget_script"`
	WebsiteToken               *string          `json:"website_token"`
	SelectedFeatureFlags       *string          `json:"selected_feature_flags"`
	ReplyTime                  *string          `json:"reply_time"`
	MessagingServiceSID        *string          `json:"messaging_service_sid"`
	PhoneNumber                *string          `json:"phone_number"`
	// API channels only (webhook_url null when none is set).
	WebhookURL           json.RawMessage   `json:"webhook_url,omitempty"`
	AdditionalAttributes *inbox.Attributes `json:"additional_attributes,omitempty"`
	Provider             *string           `json:"provider"`
}

func inboxFrom(b *inbox.Inbox) *inboxObject {
	o := &inboxObject{ID: b.ID, ChannelID: b.ID, Name: b.Name, ChannelType: channelClass(b.Channel),
		EnableEmailCollect: true, AutoAssignmentConfig: inbox.Attributes{}, WorkingHours: []any{}, Timezone: "UTC",
		AllowMessagesAfterResolved: true, SenderNameType: "friendly"}
	if o.ChannelType == "Channel::Api" {
		o.WebhookURL, _ = json.Marshal(nullString(b.WebhookURL))
		o.AdditionalAttributes = &inbox.Attributes{}
	}
	return o
}

func inboxesFrom(bs []*inbox.Inbox) []*inboxObject {
	out := make([]*inboxObject, len(bs))
	for i, b := range bs {
		out[i] = inboxFrom(b)
	}
	return out
}

// agentsPayload is {"payload":[agents]} (inbox members).
type agentsPayload struct {
	Payload []*agent `json:"payload"`
}
