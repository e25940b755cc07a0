package app

import (
	"context"
	"strings"
	"unicode/utf8"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/auth"
)

// A contact is a client seen the way Chatwoot shows it: with its identities
// in the account's inboxes (contact inboxes). It is the same record as a
// BookingSync client. Every member of an account sees every contact;
// removing one takes an administrator.

// ContactView is a client with its contact inboxes.
type ContactView struct {
	*inbox.Client
	ContactInboxes []*ContactInboxView
}

// ContactInboxView is a contact inbox with its inbox.
type ContactInboxView struct {
	*inbox.ContactInbox
	Inbox *inbox.Inbox
}

// ContactPage is a page of contacts and the number of matches.
type ContactPage struct {
	Contacts []*ContactView
	Total    int
}

// contactViews loads the contact inboxes of clients in one query.
func (l *Loader) contactViews(clients []*inbox.Client) ([]*ContactView, error) {
	out := make([]*ContactView, len(clients))
	if len(clients) == 0 {
		return out, nil
	}
	ids := make([]int64, len(clients))
	byID := make(map[int64]*ContactView, len(clients))
	for i, c := range clients {
		ids[i] = c.ID
		out[i] = &ContactView{Client: c, ContactInboxes: []*ContactInboxView{}}
		byID[c.ID] = out[i]
	}
	cis, err := l.tx.FindContactInboxes(l.ctx, l.accountID(), inbox.ContactInboxFilter{ClientIDs: ids})
	if err != nil {
		return nil, err
	}
	boxes := make([]int64, len(cis))
	for i, ci := range cis {
		boxes[i] = ci.InboxID
	}
	if err := l.prefetchInboxes(boxes); err != nil {
		return nil, err
	}
	for _, ci := range cis {
		box, err := l.inbox(ci.InboxID)
		if err != nil {
			return nil, err
		}
		v := byID[ci.ClientID]
		v.ContactInboxes = append(v.ContactInboxes, &ContactInboxView{ContactInbox: ci, Inbox: box})
	}
	return out, nil
}

// Contacts lists the account's contacts matching f, with the number of
// matches.
func (l *Loader) Contacts(f inbox.ClientFilter) (*ContactPage, error) {
	if err := l.need(inbox.ScopeClientsRead); err != nil {
		return nil, err
	}
	if err := inbox.ValidateConditions(f.Conditions); err != nil {
		return nil, err
	}
	if utf8.RuneCountInString(f.Query) > inbox.MaxFilterValueLength {
		return nil, errQueryTooLong()
	}
	clients, total, err := l.tx.FindClients(l.ctx, l.accountID(), f)
	if err != nil {
		return nil, err
	}
	views, err := l.contactViews(clients)
	if err != nil {
		return nil, err
	}
	return &ContactPage{Contacts: views, Total: total}, nil
}

// FilterContacts lists the contacts matching an advanced filter (Chatwoot's
// contact filter payload), sorted and paged by f. Bad conditions are
// EINVALID with Chatwoot's texts.
func (l *Loader) FilterContacts(in []FilterCondition, f inbox.ClientFilter) (*ContactPage, error) {
	conds, err := contactConditions(in, l.tx.Now())
	if err != nil {
		return nil, err
	}
	f.Conditions = conds
	return l.Contacts(f)
}

// Contact returns one contact of the account.
func (l *Loader) Contact(id int64) (*ContactView, error) {
	if err := l.need(inbox.ScopeClientsRead); err != nil {
		return nil, err
	}
	c, err := l.tx.FindClientByID(l.ctx, l.accountID(), id)
	if err != nil {
		return nil, err
	}
	views, err := l.contactViews([]*inbox.Client{c})
	if err != nil {
		return nil, err
	}
	return views[0], nil
}

// ContactConversations lists a contact's conversations in the reader's
// inboxes, newest first (at most 20, as Chatwoot).
func (l *Loader) ContactConversations(clientID int64, opt ViewOptions) ([]*ConversationView, error) {
	if _, err := l.Contact(clientID); err != nil {
		return nil, err
	}
	list, err := l.Conversations(ConversationQuery{Filter: inbox.ConversationFilter{ClientID: &clientID,
		Sort: inbox.SortCreatedAtDesc, Page: inbox.Page{Limit: 20, SkipTotal: true}}, View: opt})
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}

// ContactInboxCreate names an inbox and, optionally, the contact's id there.
type ContactInboxCreate struct {
	InboxID      int64
	SourceID     string // "" derives one from the channel (see ensureContactInbox)
	HMACVerified bool
}

// ContactCreate is a request to create a contact, optionally with its
// identity in one inbox.
type ContactCreate struct {
	Client inbox.Client
	Inbox  *ContactInboxCreate
}

// ContactCreated is a created contact with the contact inbox the request
// asked for (nil when it named no inbox).
type ContactCreated struct {
	Contact      *ContactView
	ContactInbox *ContactInboxView
}

// CreateContact creates a client and, when asked, its contact inbox. The
// identifier, when given, must be unique in the account.
func (a *App) CreateContact(ctx context.Context, in ContactCreate) (*ContactCreated, error) {
	c := in.Client
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return updateAs(ctx, a, inbox.ScopeClientsWrite, func(l *Loader, p *inbox.Principal) (*ContactCreated, error) {
		tx, c := l.tx, c // the store may run this function again: start afresh
		c.AccountID = p.AccountID
		if err := checkIdentifier(ctx, tx, p.AccountID, 0, c.Identifier); err != nil {
			return nil, err
		}
		if err := tx.CreateClient(ctx, &c); err != nil {
			return nil, err
		}
		r := &ContactCreated{}
		if in.Inbox != nil {
			box, err := inboxOfCaller(l, in.Inbox.InboxID)
			if err != nil {
				return nil, err
			}
			ci, err := ensureContactInbox(ctx, tx, &c, box, in.Inbox.SourceID, in.Inbox.HMACVerified)
			if err != nil {
				return nil, err
			}
			r.ContactInbox = &ContactInboxView{ContactInbox: ci, Inbox: box}
		}
		if err := emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventClientCreated, SubjectID: c.ID}); err != nil {
			return nil, err
		}
		var err error
		r.Contact, err = l.Contact(c.ID)
		return r, err
	})
}

// checkIdentifier refuses an identifier another client of the account has.
func checkIdentifier(ctx context.Context, tx inbox.Tx, accountID, clientID int64, identifier string) error {
	if identifier == "" {
		return nil
	}
	others, _, err := tx.FindClients(ctx, accountID, inbox.ClientFilter{Identifier: identifier, Page: inbox.Page{Limit: 2, SkipTotal: true}})
	if err != nil {
		return err
	}
	for _, o := range others {
		if o.ID != clientID {
			return inbox.FieldError("identifier", inbox.MsgTaken)
		}
	}
	return nil
}

// ClientChange holds client fields to change: the fields of ClientUpdate
// (attribute objects replaced whole), and attribute keys to set while
// keeping the others (Chatwoot's contact update merges them; BookingSync's
// city and country_code are kept there).
type ClientChange struct {
	inbox.ClientUpdate
	MergeAdditional inbox.Attributes
	MergeCustom     inbox.Attributes
}

// UpdateContact changes a contact and returns it with its contact inboxes.
func (a *App) UpdateContact(ctx context.Context, id int64, ch ClientChange) (*ContactView, error) {
	return updateAs(ctx, a, inbox.ScopeClientsWrite, func(l *Loader, p *inbox.Principal) (*ContactView, error) {
		if _, err := changeClient(ctx, l.tx, p, id, ch); err != nil {
			return nil, err
		}
		return l.Contact(id)
	})
}

// changeClient validates and applies a change to a client inside tx.
func changeClient(ctx context.Context, tx inbox.Tx, p *inbox.Principal, id int64, ch ClientChange) (*inbox.Client, error) {
	c, err := tx.FindClientByID(ctx, p.AccountID, id)
	if err != nil {
		return nil, err
	}
	u := ch.ClientUpdate
	next := *c
	for _, f := range []struct{ dst, src *string }{{&next.Fullname, u.Fullname}, {&next.Firstname, u.Firstname},
		{&next.Lastname, u.Lastname}, {&next.Email, u.Email}, {&next.Phone, u.Phone}, {&next.Identifier, u.Identifier}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	for _, m := range []struct {
		dst   **inbox.Attributes
		base  inbox.Attributes
		merge inbox.Attributes
	}{{&u.AdditionalAttributes, c.AdditionalAttributes, ch.MergeAdditional}, {&u.CustomAttributes, c.CustomAttributes, ch.MergeCustom}} {
		if len(m.merge) == 0 {
			continue
		}
		base := m.base
		if *m.dst != nil {
			base = **m.dst
		}
		merged := base.Clone()
		for k, v := range m.merge {
			merged[k] = v
		}
		*m.dst = &merged
	}
	if u.AdditionalAttributes != nil {
		next.AdditionalAttributes = *u.AdditionalAttributes
	}
	if u.CustomAttributes != nil {
		next.CustomAttributes = *u.CustomAttributes
	}
	if err := next.Validate(); err != nil {
		return nil, err
	}
	if u.Identifier != nil {
		if err := checkIdentifier(ctx, tx, p.AccountID, id, *u.Identifier); err != nil {
			return nil, err
		}
	}
	c, err = tx.UpdateClient(ctx, p.AccountID, id, u)
	if err != nil {
		return nil, err
	}
	return c, emit(ctx, tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventClientUpdated, SubjectID: c.ID})
}

// DeleteContact removes a contact with the conversations it is the contact
// of (administrators only). A contact that takes part in another contact's
// conversation stays: its messages there need their sender.
func (a *App) DeleteContact(ctx context.Context, id int64) error {
	_, err := updateAs(ctx, a, inbox.ScopeClientsWrite, func(l *Loader, p *inbox.Principal) (struct{}, error) {
		if !p.IsAdmin() {
			return struct{}{}, errNotPermitted()
		}
		return struct{}{}, deleteContact(ctx, l.tx, p.AccountID, id, p)
	})
	return err
}

// deleteContact is DeleteContact inside tx; p is the actor (nil for the
// command line).
func deleteContact(ctx context.Context, tx inbox.Tx, accountID, id int64, p *inbox.Principal) error {
	if _, err := tx.FindClientByID(ctx, accountID, id); err != nil {
		return err
	}
	parts, _, err := tx.FindParticipants(ctx, accountID, inbox.ParticipantFilter{MemberType: inbox.MemberClient, MemberID: &id,
		Page: inbox.Page{Limit: 10000, SkipTotal: true}})
	if err != nil {
		return err
	}
	var owned []int64
	for _, pt := range parts {
		c, err := tx.FindConversationByID(ctx, accountID, pt.ConversationID)
		if err != nil {
			return err
		}
		if c.ClientID == nil || *c.ClientID != id {
			return &inbox.Error{Code: inbox.ECONFLICT, Field: "id",
				Message: "The contact takes part in another contact's conversation and cannot be deleted"}
		}
		owned = append(owned, c.ID)
	}
	convs, _, err := tx.FindConversations(ctx, accountID, inbox.ConversationFilter{ClientID: &id,
		Page: inbox.Page{Limit: 100000, SkipTotal: true}})
	if err != nil {
		return err
	}
	for _, c := range convs {
		owned = append(owned, c.ID)
	}
	if err := tx.DeleteClient(ctx, accountID, id); err != nil {
		return err
	}
	seen := map[int64]bool{}
	for _, cid := range owned {
		if seen[cid] {
			continue
		}
		seen[cid] = true
		if err := emit(ctx, tx, p, inbox.Event{AccountID: accountID, Type: inbox.EventConversationDeleted, SubjectID: cid}); err != nil {
			return err
		}
	}
	return emit(ctx, tx, p, inbox.Event{AccountID: accountID, Type: inbox.EventClientDeleted, SubjectID: id})
}

// CreateContactInbox gives a contact an identity in an inbox the caller may
// work in, or returns the one it has with that source id.
func (a *App) CreateContactInbox(ctx context.Context, clientID int64, in ContactInboxCreate) (*ContactInboxView, error) {
	return updateAs(ctx, a, inbox.ScopeClientsWrite, func(l *Loader, p *inbox.Principal) (*ContactInboxView, error) {
		tx := l.tx
		c, err := tx.FindClientByID(ctx, p.AccountID, clientID)
		if err != nil {
			return nil, err
		}
		box, err := inboxOfCaller(l, in.InboxID)
		if err != nil {
			return nil, err
		}
		ci, err := ensureContactInbox(ctx, tx, c, box, in.SourceID, in.HMACVerified)
		if err != nil {
			return nil, err
		}
		return &ContactInboxView{ContactInbox: ci, Inbox: box}, nil
	})
}

// inboxOfCaller finds an inbox the reader may work in: unknown → 422 on
// inbox_id, an agent outside it → not permitted.
func inboxOfCaller(l *Loader, id int64) (*inbox.Inbox, error) {
	box, err := l.inbox(id)
	if err != nil {
		return nil, asInvalid(err, "inbox_id")
	}
	if !l.vis.CanSeeInbox(box.ID) {
		return nil, errNotPermitted()
	}
	return box, nil
}

// errSourceTaken is the answer when another contact has the source id in
// the inbox (Chatwoot's wording).
func errSourceTaken() error {
	return &inbox.Error{Code: inbox.ECONFLICT, Field: "source_id", Message: "source_id should be unique"}
}

// ensureContactInbox returns the client's identity in box, creating it when
// needed. With a source id, it is the identity with that id (another
// client's is a conflict). Without, it is the client's oldest identity in
// the inbox, or a new one whose id the channel implies: the e-mail address
// for an e-mail inbox, the phone number for SMS and WhatsApp, else (or when
// the client has none, or another client has it there) a random UUID.
func ensureContactInbox(ctx context.Context, tx inbox.Tx, c *inbox.Client, box *inbox.Inbox, sourceID string, hmac bool) (*inbox.ContactInbox, error) {
	sourceID = strings.TrimSpace(sourceID)
	derived := sourceID == ""
	if derived {
		mine, err := tx.FindContactInboxes(ctx, c.AccountID, inbox.ContactInboxFilter{ClientIDs: []int64{c.ID}, InboxID: &box.ID})
		if err != nil {
			return nil, err
		} else if len(mine) > 0 {
			return mine[0], nil
		}
		switch box.Channel {
		case inbox.ChannelEmail:
			sourceID = c.Email
		case inbox.ChannelSMS, inbox.ChannelWhatsApp:
			sourceID = c.Phone
		}
		if sourceID == "" {
			sourceID = auth.NewUUID()
		}
	} else if len(sourceID) > 255 || strings.ContainsRune(sourceID, 0) {
		return nil, inbox.FieldError("source_id", inbox.MsgInvalid)
	}
	found, err := tx.FindContactInboxes(ctx, c.AccountID, inbox.ContactInboxFilter{InboxID: &box.ID, SourceID: sourceID})
	if err != nil {
		return nil, err
	}
	if len(found) > 0 && found[0].ClientID == c.ID {
		return found[0], nil
	} else if len(found) > 0 && !derived {
		return nil, errSourceTaken()
	} else if len(found) > 0 {
		// Another client shares the e-mail or phone: this one gets an id
		// of its own.
		sourceID = auth.NewUUID()
	}
	ci := &inbox.ContactInbox{AccountID: c.AccountID, ClientID: c.ID, InboxID: box.ID, SourceID: sourceID, HMACVerified: hmac}
	return ci, tx.CreateContactInbox(ctx, ci)
}
