package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	inbox "github.com/inboxd/inbox"
)

const clientColumns = `
	id,
	account_id,
	fullname,
	firstname,
	lastname,
	email,
	phone,
	company,
	notes,
	preferred_locale,
	identifier,
	blocked,
	additional_attributes,
	custom_attributes,
	last_activity_at,
	created_at,
	updated_at`

func scanClient(s scanner) (*inbox.Client, error) {
	var c inbox.Client
	var add, custom string
	var last sql.NullInt64
	var created, updated int64
	dest := []any{&c.ID, &c.AccountID, &c.Fullname, &c.Firstname, &c.Lastname, &c.Email, &c.Phone, &c.Company,
		&c.Notes, &c.PreferredLocale, &c.Identifier, &c.Blocked, &add, &custom, &last, &created, &updated}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	c.AdditionalAttributes, c.CustomAttributes = parseAttrs(add), parseAttrs(custom)
	c.LastActivityAt = fromNullTS(last)
	c.CreatedAt, c.UpdatedAt = fromTS(created), fromTS(updated)
	return &c, nil
}

// CreateClient stores a new client.
func (tx *Tx) CreateClient(ctx context.Context, c *inbox.Client) error {
	c.CreatedAt, c.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO clients (
			account_id,
			fullname,
			firstname,
			lastname,
			email,
			phone,
			company,
			notes,
			preferred_locale,
			identifier,
			blocked,
			additional_attributes,
			custom_attributes,
			last_activity_at,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.AccountID, c.Fullname, c.Firstname, c.Lastname, c.Email, c.Phone, c.Company, c.Notes, c.PreferredLocale,
		c.Identifier, c.Blocked, jsonText(c.AdditionalAttributes), jsonText(c.CustomAttributes), tsp(c.LastActivityAt),
		ts(tx.now), ts(tx.now))
	c.ID = id
	return err
}

// FindClientByID returns one client of the account.
func (tx *Tx) FindClientByID(ctx context.Context, accountID, id int64) (*inbox.Client, error) {
	c, err := scanClient(tx.queryRow(ctx, `SELECT `+clientColumns+` FROM clients WHERE account_id = ? AND id = ?`, accountID, id))
	return c, notFound(err, "Client")
}

// FindClients lists clients of the account, by ascending id unless the
// filter sorts them.
func (tx *Tx) FindClients(ctx context.Context, accountID int64, f inbox.ClientFilter) ([]*inbox.Client, int, error) {
	w := &where{}
	w.add("account_id = ?", accountID)
	if f.IDs != nil {
		w.in("id", f.IDs)
	}
	if f.UpdatedSince != nil {
		w.add("updated_at >= ?", ts(*f.UpdatedSince))
	}
	if f.Identifier != "" {
		w.add("identifier = ?", f.Identifier)
	}
	if f.Resolved {
		w.add("(email <> '' OR phone <> '' OR identifier <> '')")
	}
	if f.Query != "" {
		pat := likePattern(f.Query)
		w.add("("+dialectContains(tx.engine, "fullname")+" OR "+dialectContains(tx.engine, "firstname || ' ' || lastname")+
			" OR "+dialectContains(tx.engine, "email")+" OR "+dialectContains(tx.engine, "phone")+
			" OR "+dialectContains(tx.engine, "identifier")+")", pat, pat, pat, pat, pat)
	}
	if len(f.Conditions) > 0 {
		q, args := joinConditions(f.Conditions, func(c inbox.ConversationCondition) (string, []any) {
			return contactConditionSQL(tx.engine, c)
		})
		w.add(q, args...)
	}
	q, args, c := pageQuery(w, clientColumns, "clients", "id", clientOrder(tx.engine, f.Sort), f.Page)
	return list(ctx, tx, q, args, c, scanClient)
}

// clientOrder maps a sort key ("-" first for descending) to an ORDER BY
// clause; "" and unknown keys list by id. Empty values sort last either way,
// as Chatwoot's NULLS LAST does.
func clientOrder(e engine, sort string) string {
	dir := "ASC"
	if strings.HasPrefix(sort, "-") {
		sort, dir = sort[1:], "DESC"
	}
	var col string
	switch sort {
	case "name":
		col = "LOWER(CASE WHEN fullname <> '' THEN fullname ELSE firstname || ' ' || lastname END)"
	case "email":
		col = "LOWER(email)"
	case "phone_number":
		col = "phone"
	case "company_name":
		col = "LOWER(company)"
	case "city", "country_code":
		col = "LOWER(COALESCE(" + dialectJSONText(e, "additional_attributes", sort) + ", ''))"
	case "last_activity_at":
		return "CASE WHEN last_activity_at IS NULL THEN 1 ELSE 0 END, last_activity_at " + dir + ", id " + dir
	case "created_at":
		return "created_at " + dir + ", id " + dir
	default:
		return ""
	}
	return "CASE WHEN " + col + " = '' THEN 1 ELSE 0 END, " + col + " " + dir + ", id " + dir
}

// UpdateClient changes a client.
func (tx *Tx) UpdateClient(ctx context.Context, accountID, id int64, u inbox.ClientUpdate) (*inbox.Client, error) {
	s := &setList{}
	for col, v := range map[string]*string{"fullname": u.Fullname, "firstname": u.Firstname, "lastname": u.Lastname,
		"email": u.Email, "phone": u.Phone, "company": u.Company, "notes": u.Notes, "preferred_locale": u.PreferredLocale} {
		if v != nil {
			s.set(col, *v)
		}
	}
	if u.Identifier != nil {
		s.set("identifier", *u.Identifier)
	}
	if u.Blocked != nil {
		s.set("blocked", *u.Blocked)
	}
	if u.AdditionalAttributes != nil {
		s.set("additional_attributes", jsonText(*u.AdditionalAttributes))
	}
	if u.CustomAttributes != nil {
		s.set("custom_attributes", jsonText(*u.CustomAttributes))
	}
	// Activity alone is not a change of the client: updated_at stays, so
	// BookingSync's updated_since does not return every client that wrote.
	if len(s.cols) > 0 || u.LastActivityAt == nil {
		s.set("updated_at", ts(tx.now))
	}
	if u.LastActivityAt != nil {
		s.set("last_activity_at", ts(*u.LastActivityAt))
	}
	res, err := tx.exec(ctx, `UPDATE clients SET `+s.sql()+` WHERE account_id = ? AND id = ?`, append(s.args, accountID, id)...)
	if err := affected(res, err, "Client"); err != nil {
		return nil, err
	}
	return tx.FindClientByID(ctx, accountID, id)
}

// DeleteClient removes a client, the conversations it is the contact of and
// its contact inboxes, and unlinks its bookings. Tombstones record every
// deleted record for updated_since listings.
func (tx *Tx) DeleteClient(ctx context.Context, accountID, id int64) error {
	if err := tx.exists(ctx, "clients", "Client", accountID, id); err != nil {
		return err
	}
	convs, err := tx.ids(ctx, `SELECT id FROM conversations WHERE account_id = ? AND client_id = ? ORDER BY id`, accountID, id)
	if err != nil {
		return err
	}
	for _, c := range convs {
		if err := tx.DeleteConversation(ctx, accountID, c); err != nil {
			return err
		}
	}
	now := ts(tx.now)
	for _, st := range []struct {
		q    string
		args []any
	}{
		{`DELETE FROM contact_inboxes WHERE account_id = ? AND client_id = ?`, []any{accountID, id}},
		{`UPDATE bookings SET client_id = NULL, updated_at = ? WHERE account_id = ? AND client_id = ?`, []any{now, accountID, id}},
		{`INSERT INTO tombstones (account_id, resource, record_id, deleted_at) VALUES (?, 'clients', ?, ?)
			ON CONFLICT (account_id, resource, record_id) DO NOTHING`, []any{accountID, id, now}},
	} {
		if _, err := tx.exec(ctx, st.q, st.args...); err != nil {
			return err
		}
	}
	res, err := tx.exec(ctx, `DELETE FROM clients WHERE account_id = ? AND id = ?`, accountID, id)
	return affected(res, err, "Client")
}

const contactInboxColumns = `
	id,
	account_id,
	client_id,
	inbox_id,
	source_id,
	hmac_verified,
	created_at,
	updated_at`

func scanContactInbox(s scanner) (*inbox.ContactInbox, error) {
	var ci inbox.ContactInbox
	var created, updated int64
	if err := s.Scan(&ci.ID, &ci.AccountID, &ci.ClientID, &ci.InboxID, &ci.SourceID, &ci.HMACVerified, &created, &updated); err != nil {
		return nil, err
	}
	ci.CreatedAt, ci.UpdatedAt = fromTS(created), fromTS(updated)
	return &ci, nil
}

// CreateContactInbox stores a client's identity in an inbox.
func (tx *Tx) CreateContactInbox(ctx context.Context, ci *inbox.ContactInbox) error {
	ci.CreatedAt, ci.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO contact_inboxes (
			account_id,
			client_id,
			inbox_id,
			source_id,
			hmac_verified,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		ci.AccountID, ci.ClientID, ci.InboxID, ci.SourceID, ci.HMACVerified, ts(tx.now), ts(tx.now))
	ci.ID = id
	return err
}

// FindContactInboxes lists contact inboxes by ascending id.
func (tx *Tx) FindContactInboxes(ctx context.Context, accountID int64, f inbox.ContactInboxFilter) ([]*inbox.ContactInbox, error) {
	w := &where{}
	w.add("account_id = ?", accountID)
	if f.ClientIDs != nil {
		w.in("client_id", f.ClientIDs)
	}
	if f.InboxID != nil {
		w.add("inbox_id = ?", *f.InboxID)
	}
	if f.SourceID != "" {
		w.add("source_id = ?", f.SourceID)
	}
	out, _, err := list(ctx, tx, `SELECT `+contactInboxColumns+` FROM contact_inboxes WHERE `+w.sql()+` ORDER BY id`,
		w.args, count{}, scanContactInbox)
	return out, err
}
