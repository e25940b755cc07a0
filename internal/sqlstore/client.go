package sqlstore

import (
	"context"
	"database/sql"

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

// FindClients lists clients of the account by ascending id.
func (tx *Tx) FindClients(ctx context.Context, accountID int64, f inbox.ClientFilter) ([]*inbox.Client, int, error) {
	w := &where{}
	w.add("account_id = ?", accountID)
	if f.IDs != nil {
		w.in("id", f.IDs)
	}
	if f.UpdatedSince != nil {
		w.add("updated_at >= ?", ts(*f.UpdatedSince))
	}
	q, args, countQ, countArgs := pageQuery(w, clientColumns, "clients", "id", "", f.Page)
	return list(ctx, tx, q, args, countQ, countArgs, scanClient)
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
	if u.Blocked != nil {
		s.set("blocked", *u.Blocked)
	}
	s.set("updated_at", ts(tx.now))
	res, err := tx.exec(ctx, `UPDATE clients SET `+s.sql()+` WHERE account_id = ? AND id = ?`, append(s.args, accountID, id)...)
	if err := affected(res, err, "Client"); err != nil {
		return nil, err
	}
	return tx.FindClientByID(ctx, accountID, id)
}
