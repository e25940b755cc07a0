package chatwoot

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// Contacts: a Chatwoot contact is a client (BookingSync's /clients). Listings
// show only "resolved" contacts (with an e-mail, a phone number or an
// identifier), 15 per page, as Chatwoot does.

const contactsPerPage = 15

// contactErrors name the record a 404 is about.
var contactErrors = errorOptions{notFoundField: "id"}

// contactSort maps Chatwoot's sort parameter (name, -name …) to a
// ClientFilter sort; Chatwoot's "country" is the country_code attribute.
func contactSort(p *params) (string, error) {
	s, err := p.str("sort")
	if err != nil || s == "" {
		return "", err
	}
	desc, key := "", s
	if strings.HasPrefix(s, "-") {
		desc, key = "-", s[1:]
	}
	if key == "country" {
		key = "country_code"
	}
	for _, k := range inbox.ClientSorts {
		if k == key {
			return desc + key, nil
		}
	}
	return "", inbox.FieldError("sort", inbox.MsgInclusion)
}

// contactPage reads page (1-based, 15 per page) and renders it as Chatwoot
// echoes it in meta.current_page.
func contactPage(p *params) (inbox.Page, string, error) {
	pg, n, err := pageOf(p, contactsPerPage)
	return pg, strconv.Itoa(n), err
}

// contactListing reads the sort and page of a contact listing.
func contactListing(p *params) (inbox.ClientFilter, string, error) {
	f := inbox.ClientFilter{Resolved: true}
	var err error
	if f.Sort, err = contactSort(p); err != nil {
		return f, "", err
	}
	var page string
	f.Page, page, err = contactPage(p)
	return f, page, err
}

func contactListFrom(cp *app.ContactPage, page string) contactList {
	return contactList{Meta: contactMetaPage{Count: cp.Total, CurrentPage: page}, Payload: contactsFrom(cp.Contacts)}
}

// GET /contacts
func (a *API) listContacts(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	f, page, err := contactListing(p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	a.readContacts(w, r, page, func(l *app.Loader) (*app.ContactPage, error) { return l.Contacts(f) })
}

// readContacts answers a contact listing.
func (a *API) readContacts(w http.ResponseWriter, r *http.Request, page string, load func(*app.Loader) (*app.ContactPage, error)) {
	a.readAs(inbox.ScopeClientsRead, w, r, func(l *app.Loader) (any, error) {
		cp, err := load(l)
		if err != nil {
			return nil, err
		}
		return contactListFrom(cp, page), nil
	})
}

// GET /contacts/search?q=: a case-insensitive part of the name, e-mail,
// phone number or identifier.
func (a *API) searchContacts(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	f, page, err := contactListing(p)
	if err == nil {
		f.Query, err = p.str("q")
	}
	if err == nil && strings.TrimSpace(f.Query) == "" {
		err = apiError(inbox.EINVALID, "q", "Specify search string with parameter q")
	}
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	f.Query = strings.TrimSpace(f.Query)
	a.readContacts(w, r, page, func(l *app.Loader) (*app.ContactPage, error) { return l.Contacts(f) })
}

// POST /contacts/filter?page=N with Chatwoot's filter payload.
func (a *API) filterContacts(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	conds, err := filterConditions(p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	f, page, err := contactListing(p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	f.Resolved = false // a filter says which contacts it wants
	a.readContacts(w, r, page, func(l *app.Loader) (*app.ContactPage, error) { return l.FilterContacts(conds, f) })
}

// GET /contacts/{id}
func (a *API) showContact(w http.ResponseWriter, r *http.Request) {
	id, good := a.recordID(w, r, "id")
	if !good {
		return
	}
	a.readAs(inbox.ScopeClientsRead, w, r, func(l *app.Loader) (any, error) {
		v, err := l.Contact(id)
		if err != nil {
			return nil, err
		}
		return payload{contactFrom(v)}, nil
	}, contactErrors)
}

// payload wraps a body as {"payload": …}.
type payload struct {
	Payload any `json:"payload"`
}

// contactFields reads the contact attributes a create or an update may set.
// A name fills the full name and, split, the first and last names; the
// company_name additional attribute is the client's company.
func contactFields(p *params) (app.ClientChange, error) {
	var ch app.ClientChange
	u := &ch.ClientUpdate
	if err := p.setStrings(strField{"email", &u.Email}, strField{"phone_number", &u.Phone},
		strField{"identifier", &u.Identifier}, strField{"name", &u.Fullname}); err != nil {
		return ch, err
	}
	if u.Email != nil {
		*u.Email = strings.ToLower(*u.Email)
	}
	if u.Fullname != nil {
		first, last := inbox.SplitName(*u.Fullname)
		u.Firstname, u.Lastname = &first, &last
	}
	if b, err := p.boolean("blocked"); err != nil {
		return ch, err
	} else if b != nil {
		u.Blocked = b
	}
	add, ok, err := p.object("additional_attributes")
	if err != nil {
		return ch, err
	} else if ok {
		if company, has := add[companyKey]; has {
			s, _ := company.(string)
			u.Company = &s
			delete(add, companyKey)
		}
		ch.MergeAdditional = add
	}
	if custom, ok, err := p.object("custom_attributes"); err != nil {
		return ch, err
	} else if ok {
		ch.MergeCustom = custom
	}
	return ch, nil
}

// POST /contacts (with inbox_id and source_id: also its identity there)
func (a *API) createContact(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	in, err := contactCreate(p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.ContactCreated, error) {
		return a.app.CreateContact(ctx, in)
	}, func(v *app.ContactCreated) httpx.Response { return ok(contactCreatedFrom(v.Contact, v.ContactInbox)) }, contactErrors)
}

func contactCreate(p *params) (app.ContactCreate, error) {
	var in app.ContactCreate
	ch, err := contactFields(p)
	if err != nil {
		return in, err
	}
	c := &in.Client
	for _, f := range []struct{ dst, src *string }{{&c.Fullname, ch.Fullname}, {&c.Firstname, ch.Firstname},
		{&c.Lastname, ch.Lastname}, {&c.Email, ch.Email}, {&c.Phone, ch.Phone}, {&c.Identifier, ch.Identifier},
		{&c.Company, ch.Company}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if ch.Blocked != nil {
		c.Blocked = *ch.Blocked
	}
	c.AdditionalAttributes, c.CustomAttributes = ch.MergeAdditional, ch.MergeCustom
	inboxID, err := p.id("inbox_id")
	if err != nil {
		return in, err
	}
	if inboxID != nil {
		in.Inbox = &app.ContactInboxCreate{InboxID: *inboxID}
		if in.Inbox.SourceID, err = p.str("source_id"); err != nil {
			return in, err
		}
	}
	return in, nil
}

// PUT|PATCH /contacts/{id}: attribute objects are merged into the stored
// ones, as Chatwoot does.
func (a *API) updateContact(w http.ResponseWriter, r *http.Request) {
	id, p, good := a.recordParams(w, r, "id")
	if !good {
		return
	}
	ch, err := contactFields(p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.ContactView, error) {
		return a.app.UpdateContact(ctx, id, ch)
	}, func(v *app.ContactView) httpx.Response { return ok(payload{contactFrom(v)}) }, contactErrors)
}

// DELETE /contacts/{id} (administrators)
func (a *API) deleteContact(w http.ResponseWriter, r *http.Request) {
	a.deleteRecord(w, r, a.app.DeleteContact, contactErrors)
}

// GET /contacts/{id}/conversations: its conversations in the caller's
// inboxes, newest first.
func (a *API) contactConversations(w http.ResponseWriter, r *http.Request) {
	id, good := a.recordID(w, r, "id")
	if !good {
		return
	}
	base := a.base(r)
	a.read(w, r, func(l *app.Loader) (any, error) {
		views, err := l.ContactConversations(id, details)
		if err != nil {
			return nil, err
		}
		return payload{conversationsFrom(views, base)}, nil
	}, contactErrors)
}

// POST /contacts/{id}/contact_inboxes with inbox_id and, optionally,
// source_id and hmac_verified.
func (a *API) createContactInbox(w http.ResponseWriter, r *http.Request) {
	id, p, good := a.recordParams(w, r, "id")
	if !good {
		return
	}
	in, err := contactInboxCreate(p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.ContactInboxView, error) {
		return a.app.CreateContactInbox(ctx, id, in)
	}, func(v *app.ContactInboxView) httpx.Response { return ok(contactInboxFrom(v)) }, contactErrors)
}

func contactInboxCreate(p *params) (app.ContactInboxCreate, error) {
	var in app.ContactInboxCreate
	inboxID, err := p.id("inbox_id")
	if err != nil {
		return in, err
	} else if inboxID == nil {
		return in, missingParam("inbox_id")
	}
	in.InboxID = *inboxID
	if in.SourceID, err = p.str("source_id"); err != nil {
		return in, err
	}
	if hv, err := p.boolean("hmac_verified"); err != nil {
		return in, err
	} else if hv != nil {
		in.HMACVerified = *hv
	}
	return in, nil
}
