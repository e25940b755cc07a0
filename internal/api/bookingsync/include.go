package bookingsync

import (
	"net/http"
	"slices"

	"github.com/inboxd/inbox/internal/app"
)

// Kinds of embeddable records.
const (
	kindAccount      = "account"
	kindHost         = "host"
	kindClient       = "client"
	kindSource       = "source"
	kindBooking      = "booking"
	kindInquiry      = "inquiry"
	kindParticipant  = "participant"
	kindMessage      = "message"
	kindAttachment   = "attachment"
	kindConversation = "conversation"
	kindMember       = "member" // polymorphic: {"id", "type": Client|Host}
)

// relKinds maps, per resource, each includable relation to the kind of
// record it points at. Relations to records inboxd does not keep (users,
// rentals) cannot be included and, like unknown names, are ignored.
var relKinds = map[string]map[string]string{
	"conversations": {"account": kindAccount, "assignee": kindHost, "source": kindSource, "bookings": kindBooking,
		"inquiries": kindInquiry, "messages": kindMessage, "participants": kindParticipant},
	"participants": {"conversation": kindConversation, "member": kindMember},
	"messages":     {"attachments": kindAttachment, "conversation": kindConversation, "sender": kindParticipant},
	"attachments":  {"account": kindAccount, "messages": kindMessage},
	"hosts":        {"account": kindAccount, "participants": kindParticipant, "source": kindSource},
	"clients":      {"account": kindAccount},
	"sources":      {"account": kindAccount},
	"bookings":     {"account": kindAccount, "client": kindClient, "source": kindSource, "conversations": kindConversation},
	"inquiries": {"account": kindAccount, "booking": kindBooking, "conversation": kindConversation,
		"source": kindSource},
}

// linkIDs extracts the ids of a links value: an id, null, an id array, or a
// polymorphic {"id", "type"} (whose kind is returned).
func linkIDs(v any) (ids []int64, memberKind string) {
	switch v := v.(type) {
	case int64:
		return []int64{v}, ""
	case []int64:
		return v, ""
	case object:
		id, _ := v.get("id")
		typ, _ := v.get("type")
		n, _ := id.(int64)
		switch typ {
		case "Client":
			return []int64{n}, kindClient
		case "Host":
			return []int64{n}, kindHost
		}
	}
	return nil, ""
}

// embed adds the included relations to each record, under the relation's
// name: an object (or null) for a to-one relation, an array for a to-many.
// Each embedded record is rendered as its own endpoint renders it.
func (a *API) embed(r *http.Request, l *app.Loader, plural string, recs []object, include map[string]bool) ([]object, error) {
	kinds := relKinds[plural]
	var want app.EmbedIDs
	var rels []string
	for name := range kinds {
		if include[name] {
			rels = append(rels, name)
		}
	}
	if len(rels) == 0 {
		return recs, nil
	}
	slices.Sort(rels)
	add := func(kind string, ids []int64) {
		switch kind {
		case kindAccount:
			want.Account = true
		case kindHost:
			want.Hosts = append(want.Hosts, ids...)
		case kindClient:
			want.Clients = append(want.Clients, ids...)
		case kindSource:
			want.Sources = append(want.Sources, ids...)
		case kindBooking:
			want.Bookings = append(want.Bookings, ids...)
		case kindInquiry:
			want.Inquiries = append(want.Inquiries, ids...)
		case kindParticipant:
			want.Participants = append(want.Participants, ids...)
		case kindMessage:
			want.Messages = append(want.Messages, ids...)
		case kindAttachment:
			want.Attachments = append(want.Attachments, ids...)
		case kindConversation:
			want.Conversations = append(want.Conversations, ids...)
		}
	}
	for _, rec := range recs {
		links, _ := rec.get("links")
		lo, _ := links.(object)
		for _, name := range rels {
			v, _ := lo.get(name)
			ids, member := linkIDs(v)
			kind := kinds[name]
			if kind == kindMember {
				kind = member
			}
			add(kind, ids)
		}
	}
	e, err := l.Embeds(want)
	if err != nil {
		return nil, err
	}
	base := a.base(r)
	render := func(kind string, id int64) (object, bool) {
		switch kind {
		case kindAccount:
			if e.Account != nil && e.Account.ID == id {
				return accountRecord(e.Account, true), true
			}
		case kindHost:
			if h := e.Hosts[id]; h != nil {
				return hostRecord(h, e.HostParticipants[id]), true
			}
		case kindClient:
			if c := e.Clients[id]; c != nil {
				return clientRecord(c), true
			}
		case kindSource:
			if s := e.Sources[id]; s != nil {
				return sourceRecord(s), true
			}
		case kindBooking:
			if b := e.Bookings[id]; b != nil {
				return bookingRecord(b, e.BookingConversations[id], false), true
			}
		case kindInquiry:
			if q := e.Inquiries[id]; q != nil {
				return inquiryRecord(q), true
			}
		case kindParticipant:
			if p := e.Participants[id]; p != nil {
				return participantRecord(p), true
			}
		case kindMessage:
			if m := e.Messages[id]; m != nil {
				return messageRecord(m), true
			}
		case kindAttachment:
			if att := e.Attachments[id]; att != nil {
				return attachmentRecord(base, att), true
			}
		case kindConversation:
			if v := e.Conversations[id]; v != nil {
				return conversationRecord(v), true
			}
		}
		return nil, false
	}
	for i, rec := range recs {
		links, _ := rec.get("links")
		lo, _ := links.(object)
		for _, name := range rels {
			v, _ := lo.get(name)
			ids, member := linkIDs(v)
			kind := kinds[name]
			if kind == kindMember {
				kind = member
			}
			if _, many := v.([]int64); many {
				list := make([]object, 0, len(ids))
				for _, id := range ids {
					if o, ok := render(kind, id); ok {
						list = append(list, o)
					}
				}
				recs[i] = append(recs[i], field{name, list})
				continue
			}
			var one any
			if len(ids) == 1 {
				if o, ok := render(kind, ids[0]); ok {
					one = o
				}
			}
			recs[i] = append(recs[i], field{name, one})
		}
	}
	return recs, nil
}
