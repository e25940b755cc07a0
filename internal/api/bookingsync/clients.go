package bookingsync

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// passport, vat_number and addresses are shown (empty) but inboxd keeps no
// such data: sending them empty is accepted, sending a value is a 422. city
// and country_code, which recorded production requests carry, are kept in
// the client's additional attributes (where Chatwoot shows a contact's city
// and country code); they are not BookingSync client attributes, so client
// records do not show them (docs/bookingsync.md).
var clientSchema = schema{
	create: []string{"fullname", "firstname", "lastname", "company", "notes", "preferred_locale", "emails", "phones",
		"passport", "vat_number", "addresses", "city", "country_code"},
	update: []string{"fullname", "firstname", "lastname", "company", "notes", "preferred_locale", "emails", "phones",
		"passport", "vat_number", "addresses", "city", "country_code"},
}

func (a *API) listClients(w http.ResponseWriter, r *http.Request) { a.clients(w, r, false) }

func (a *API) getClients(w http.ResponseWriter, r *http.Request) { a.clients(w, r, true) }

func (a *API) clients(w http.ResponseWriter, r *http.Request, byIDs bool) {
	list(a, w, r, byIDs, a.clientSpec(r))
}

// clientSpec describes the GET of clients, also the stored record a write compares
// read-only attributes with.
func (a *API) clientSpec(r *http.Request) listSpec[*inbox.Client] {
	return listSpec[*inbox.Client]{
		scope: inbox.ScopeClientsRead, plural: "clients",
		fetch: func(l *app.Loader, q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Client, int, error) {
			return l.Clients(inbox.ClientFilter{IDs: ids, UpdatedSince: q.since, Page: pg})
		},
		idOf: func(c *inbox.Client) int64 { return c.ID },
		render: func(l *app.Loader, items []*inbox.Client) ([]object, object, error) {
			return records(items, clientRecord), templates(a.base(r), "clients", clientRels...), nil
		},
	}
}

// contactValue reads the single entry of emails ([{label, email}]) or
// phones ([{label, number}]); inboxd keeps one of each.
func contactValue(at attrs, errs *fieldErrors, name, key string) (*string, bool) {
	if !at.has(name) {
		return nil, false
	}
	empty := ""
	if at.isNull(name) {
		return &empty, true
	}
	var list []map[string]json.RawMessage
	if err := json.Unmarshal(at[name], &list); err != nil {
		errs.add(invalid(name, inbox.MsgInvalid))
		return nil, false
	}
	switch len(list) {
	case 0:
		return &empty, true
	case 1:
	default:
		errs.add(invalid(name, "has more than one entry (inboxd keeps one)"))
		return nil, false
	}
	var v string
	if err := json.Unmarshal(list[0][key], &v); err != nil || strings.ContainsRune(v, 0) {
		errs.add(invalid(name, inbox.MsgInvalid))
		return nil, false
	}
	v = strings.TrimSpace(v)
	return &v, true
}

// clientAttrs decodes the writable client attributes.
func clientAttrs(at attrs, errs *fieldErrors) app.ClientChange {
	var ch app.ClientChange
	u := &ch.ClientUpdate
	for _, f := range []struct {
		name string
		dst  **string
	}{{"fullname", &u.Fullname}, {"firstname", &u.Firstname}, {"lastname", &u.Lastname}, {"company", &u.Company},
		{"notes", &u.Notes}, {"preferred_locale", &u.PreferredLocale}} {
		if at.has(f.name) {
			s, _ := at.String(errs, f.name)
			*f.dst = &s
		}
	}
	u.Email, _ = contactValue(at, errs, "emails", "email")
	u.Phone, _ = contactValue(at, errs, "phones", "number")
	for _, name := range []string{"passport", "vat_number"} {
		if s, ok := at.String(errs, name); ok && s != "" {
			errs.add(invalid(name, "is not supported"))
		}
	}
	if at.has("addresses") && !at.isNull("addresses") {
		var list []json.RawMessage
		if json.Unmarshal(at["addresses"], &list) != nil || len(list) > 0 {
			errs.add(invalid("addresses", "is not supported"))
		}
	}
	for _, name := range []string{"city", "country_code"} {
		if !at.has(name) {
			continue
		}
		if ch.MergeAdditional == nil {
			ch.MergeAdditional = inbox.Attributes{}
		}
		if s, ok := at.String(errs, name); ok && s != "" {
			ch.MergeAdditional[name] = s
		} else {
			ch.MergeAdditional[name] = nil
		}
	}
	return ch
}

func (a *API) createClient(w http.ResponseWriter, r *http.Request) {
	at, err := readRecord(r, "clients")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := clientSchema.check(at, true); err != nil {
		a.writeError(w, r, err)
		return
	}
	var errs fieldErrors
	// BookingSync's client needs a full name, or a first and a last name.
	if at.missing("fullname") && (at.missing("firstname") || at.missing("lastname")) {
		errs = append(errs, inbox.FieldError("fullname", inbox.MsgBlank))
	}
	ch := clientAttrs(at, &errs)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	u := ch.ClientUpdate
	c := &inbox.Client{AdditionalAttributes: ch.MergeAdditional}
	for _, f := range []struct {
		dst *string
		src *string
	}{{&c.Fullname, u.Fullname}, {&c.Firstname, u.Firstname}, {&c.Lastname, u.Lastname}, {&c.Company, u.Company},
		{&c.Notes, u.Notes}, {&c.PreferredLocale, u.PreferredLocale}, {&c.Email, u.Email}, {&c.Phone, u.Phone}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.Client, error) {
		return a.app.CreateClient(ctx, c)
	}, recordResponse(a, r, true, "/clients", "clients", templates(a.base(r), "clients", clientRels...),
		func(c *inbox.Client) int64 { return c.ID }, clientRecord))
}

func (a *API) updateClient(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	at, err := readRecord(r, "clients")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := clientSchema.check(at, false); err != nil {
		a.writeError(w, r, err)
		return
	}
	var errs fieldErrors
	ch := clientAttrs(at, &errs)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.Client, error) {
		return a.app.UpdateClient(ctx, id, ch)
	}, recordResponse(a, r, false, "/clients", "clients", templates(a.base(r), "clients", clientRels...),
		func(c *inbox.Client) int64 { return c.ID }, clientRecord))
}
