package bookingsync

import (
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// field is one member of a JSON object.
type field struct {
	k string
	v any
}

// object is a JSON object that keeps its members in order, so records can
// show their links first, as production does, and fields= can drop members.
type object []field

// MarshalJSON writes the members in order.
func (o object) MarshalJSON() ([]byte, error) { return o.appendJSON(nil) }

// marshal encodes v as encoding/json does without escaping <, > and &
// (URLs in links and meta stay readable; the body is never embedded in
// HTML). The values records are built of are written directly (encode.go);
// any other goes through encoding/json.
func marshal(v any) ([]byte, error) { return appendJSON(nil, v) }

// get returns the value of member k.
func (o object) get(k string) (any, bool) {
	for _, f := range o {
		if f.k == k {
			return f.v, true
		}
	}
	return nil, false
}

// only keeps the record's links and id and the named attributes (fields=).
func (o object) only(names map[string]bool) object {
	if names == nil {
		return o
	}
	out := make(object, 0, len(o))
	for _, f := range o {
		if f.k == "links" || f.k == "id" || names[f.k] {
			out = append(out, f)
		}
	}
	return out
}

// timeLayout is BookingSync's time format: UTC, seconds, literal Z.
const timeLayout = "2006-01-02T15:04:05Z"

func tm(t time.Time) string { return t.UTC().Format(timeLayout) }

// tmp renders an optional time; nil is JSON null.
func tmp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return tm(*t)
}

// str renders an optional string; "" is JSON null.
func str(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// idp renders an optional id; nil is JSON null.
func idp(id *int64) any {
	if id == nil {
		return nil
	}
	return *id
}

// ids renders a to-many link: an array, never null.
func ids(v []int64) []int64 {
	if v == nil {
		return []int64{}
	}
	return v
}

// rel is one relation of a resource and the path its template points to.
type rel struct{ name, path string }

// templates builds the top-level links of a resource: "<plural>.<rel>" →
// absolute URL template with the variable {<plural>.<rel>}.
func templates(base, plural string, rels ...rel) object {
	o := make(object, 0, len(rels))
	for _, r := range rels {
		key := plural + "." + r.name
		o = append(o, field{key, base + "/api/v3" + r.path + "/{" + key + "}"})
	}
	return o
}

// Templates of each resource, relative to the API root.
var (
	conversationRels = []rel{{"account", "/accounts"}, {"assignee", "/hosts"}, {"source", "/sources"},
		{"bookings", "/bookings"}, {"inquiries", "/inquiries"}, {"messages", "/inbox/messages"},
		{"participants", "/inbox/participants"}}
	messageRels    = []rel{{"attachments", "/inbox/attachments"}, {"conversation", "/inbox/conversations"}, {"sender", "/inbox/participants"}}
	attachmentRels = []rel{{"account", "/accounts"}, {"messages", "/inbox/messages"}}
	hostRels       = []rel{{"user", "/users"}, {"source", "/sources"}, {"account", "/accounts"}, {"participants", "/inbox/participants"}}
	clientRels     = []rel{{"account", "/accounts"}}
	sourceRels     = []rel{{"account", "/accounts"}}
	bookingRels    = []rel{{"account", "/accounts"}, {"rental", "/rentals"}, {"client", "/clients"}, {"source", "/sources"},
		{"conversations", "/inbox/conversations"}}
	inquiryRels = []rel{{"rental", "/rentals"}, {"source", "/sources"}, {"booking", "/bookings"}, {"account", "/accounts"},
		{"conversation", "/inbox/conversations"}}
)

// participantTemplates are polymorphic: one template per member type, both
// with the variable {participants.member.id}.
func participantTemplates(base string) object {
	return object{
		{"participants.account", base + "/api/v3/accounts/{participants.account}"},
		{"participants.conversation", base + "/api/v3/inbox/conversations/{participants.conversation}"},
		{"participants.client", base + "/api/v3/clients/{participants.member.id}"},
		{"participants.host", base + "/api/v3/hosts/{participants.member.id}"},
	}
}

func conversationRecord(v *app.ConversationView) object {
	l := v.Links
	if l == nil {
		l = &inbox.ConversationLinks{}
	}
	var readAt *time.Time
	if v.Stats != nil {
		readAt = v.Stats.HostReadAt
	}
	return object{
		{"links", object{
			{"account", v.AccountID},
			{"assignee", idp(v.AssigneeID)},
			{"bookings", ids(l.BookingIDs)},
			{"inquiries", ids(l.InquiryIDs)},
			{"source", idp(v.SourceID)},
			{"messages", ids(l.MessageIDs)},
			{"participants", ids(l.ParticipantIDs)},
		}},
		{"closed_at", tmp(v.ClosedAt)},
		{"created_at", tm(v.CreatedAt)},
		{"created_by_id", idp(v.CreatedByID)},
		{"created_by_type", str(v.CreatedByType)},
		{"deadline_response_at", tmp(v.DeadlineResponseAt)},
		{"default_channel", str(v.DefaultChannel)},
		{"id", v.ID},
		{"last_message_at", tmp(v.LastMessageAt)},
		{"marked_as_spam_at", tmp(v.MarkedAsSpamAt)},
		{"read_at", tmp(readAt)},
		{"subject", str(v.Subject)},
		{"updated_at", tm(v.UpdatedAt)},
	}
}

func participantRecord(p *inbox.Participant) object {
	return object{
		{"links", object{
			{"account", p.AccountID},
			{"conversation", p.ConversationID},
			{"member", object{{"id", p.MemberID}, {"type", p.MemberType}}},
		}},
		{"created_at", tm(p.CreatedAt)},
		{"id", p.ID},
		{"last_message_sent_at", tmp(p.LastMessageSentAt)},
		{"read_at", tmp(p.ReadAt)},
		{"updated_at", tm(p.UpdatedAt)},
	}
}

func messageRecord(m *inbox.Message) object {
	var content any
	if m.HasContent {
		content = m.Content
	}
	return object{
		{"links", object{
			{"attachments", ids(m.AttachmentIDs)},
			{"conversation", m.ConversationID},
			{"sender", idp(m.SenderID)},
		}},
		{"channel", str(m.Channel)},
		{"content", content},
		{"created_at", tm(m.CreatedAt)},
		{"created_by_id", idp(m.CreatedByID)},
		{"created_by_type", str(m.CreatedByType)},
		{"id", m.ID},
		{"origin", str(m.Origin)},
		{"sent_at", tmp(m.SentAt)},
		{"updated_at", tm(m.UpdatedAt)},
		{"visibility", m.Visibility},
	}
}

func optInt(v *int) any {
	if v == nil {
		return nil
	}
	return *v
}

func attachmentRecord(base string, att *inbox.Attachment) object {
	return object{
		{"links", object{
			{"account", att.AccountID},
			{"messages", ids(att.MessageIDs)},
		}},
		{"created_at", tm(att.CreatedAt)},
		{"file_content_type", att.ContentType},
		{"file_size", att.FileSize},
		{"id", att.ID},
		{"image_height", optInt(att.ImageHeight)},
		{"image_width", optInt(att.ImageWidth)},
		{"name", str(att.Name)},
		{"updated_at", tm(att.UpdatedAt)},
		{"url", httpx.FileURL(base, att.AccountID, att.ID, att.URLToken, att.Name)},
	}
}

// hostRecord renders a host. inboxd has no separate users, so links.user is
// always null.
func hostRecord(h *inbox.Host, participantIDs []int64) object {
	return object{
		{"links", object{
			{"account", h.AccountID},
			{"participants", ids(participantIDs)},
			{"source", idp(h.SourceID)},
			{"user", nil},
		}},
		{"created_at", tm(h.CreatedAt)},
		{"email", str(h.Email)},
		{"firstname", h.Firstname},
		{"forget_me_at", nil},
		{"id", h.ID},
		{"lastname", h.Lastname},
		{"processing_restricted_at", nil},
		{"updated_at", tm(h.UpdatedAt)},
	}
}

func clientRecord(c *inbox.Client) object {
	emails := []object{}
	if c.Email != "" {
		emails = append(emails, object{{"label", "default"}, {"email", c.Email}})
	}
	phones := []object{}
	if c.Phone != "" {
		phones = append(phones, object{{"label", "default"}, {"number", c.Phone}})
	}
	return object{
		{"links", object{{"account", c.AccountID}}},
		{"addresses", []object{}},
		{"company", str(c.Company)},
		{"created_at", tm(c.CreatedAt)},
		{"emails", emails},
		{"firstname", str(c.Firstname)},
		{"fullname", str(c.Name())},
		{"id", c.ID},
		{"lastname", str(c.Lastname)},
		{"notes", str(c.Notes)},
		{"passport", nil},
		{"phones", phones},
		{"preferred_locale", str(c.PreferredLocale)},
		{"updated_at", tm(c.UpdatedAt)},
		{"vat_number", nil},
	}
}

func sourceRecord(s *inbox.Source) object {
	return object{
		{"links", object{{"account", s.AccountID}}},
		{"created_at", tm(s.CreatedAt)},
		{"id", s.ID},
		{"internal", s.Internal},
		{"name", s.Name},
		{"position", s.Position},
		{"updated_at", tm(s.UpdatedAt)},
	}
}

// bookingRecord renders a booking; publicOnly keeps the fields a token with
// only the public scope may read.
func bookingRecord(b *inbox.Booking, conversationIDs []int64, publicOnly bool) object {
	if publicOnly {
		return object{
			{"end_at", tm(b.EndAt)},
			{"id", b.ID},
			{"reference", str(b.Reference)},
			{"start_at", tm(b.StartAt)},
			{"status", b.Status},
			{"updated_at", tm(b.UpdatedAt)},
		}
	}
	return object{
		{"links", object{
			{"account", b.AccountID},
			{"client", idp(b.ClientID)},
			{"conversations", ids(conversationIDs)},
			{"rental", idp(b.RentalID)},
			{"source", idp(b.SourceID)},
		}},
		{"canceled_at", tmp(b.CanceledAt)},
		{"created_at", tm(b.CreatedAt)},
		{"end_at", tm(b.EndAt)},
		{"id", b.ID},
		{"reference", str(b.Reference)},
		{"start_at", tm(b.StartAt)},
		{"status", b.Status},
		{"updated_at", tm(b.UpdatedAt)},
	}
}

func inquiryRecord(q *inbox.Inquiry) object {
	return object{
		{"links", object{
			{"account", q.AccountID},
			{"booking", idp(q.BookingID)},
			{"conversation", idp(q.ConversationID)},
			{"rental", idp(q.RentalID)},
			{"source", idp(q.SourceID)},
		}},
		{"adults", q.Adults},
		{"children", q.Children},
		{"country_code", str(q.CountryCode)},
		{"created_at", tm(q.CreatedAt)},
		{"email", str(q.Email)},
		{"end_at", tmp(q.EndAt)},
		{"firstname", str(q.Firstname)},
		{"id", q.ID},
		{"lastname", str(q.Lastname)},
		{"locked", str(q.Locked)},
		{"message", str(q.Message)},
		{"phone", str(q.Phone)},
		{"start_at", tmp(q.StartAt)},
		{"updated_at", tm(q.UpdatedAt)},
	}
}

// accountRecord renders an account. inboxd keeps no address, phones or
// booking preferences for accounts; those members are null. inbox_email is
// shown to tokens with an inbox scope; inboxd has no account-wide inbound
// address, so it is null.
func accountRecord(acc *inbox.Account, inboxScope bool) object {
	o := object{
		{"address1", nil},
		{"address2", nil},
		{"business_name", acc.Name},
		{"city", nil},
		{"country_code", nil},
		{"created_at", tm(acc.CreatedAt)},
		{"default_locale", str(acc.Locale)},
		{"demo", false},
		{"email", str(acc.Email)},
		{"id", acc.ID},
		{"phones", object{{"phone", nil}, {"mobile", nil}, {"fax", nil}}},
		{"preferences", object{{"bookings", object{{"default_arrival_time", nil}, {"default_departure_time", nil},
			{"default_communication_locale", str(acc.Locale)}}}}},
		{"selected_locales", []string{acc.Locale}},
		{"state", nil},
		{"status", acc.Status},
		{"test", false},
		{"updated_at", tm(acc.UpdatedAt)},
		{"website", nil},
		{"zip", nil},
	}
	if inboxScope {
		o = append(o, field{"inbox_email", nil})
	}
	return o
}
