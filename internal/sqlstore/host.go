package sqlstore

import (
	"context"
	"database/sql"

	inbox "github.com/inboxd/inbox"
)

const hostColumns = `
	id,
	account_id,
	firstname,
	lastname,
	email,
	role,
	availability,
	auto_offline,
	source_id,
	deleted_at,
	created_at,
	updated_at`

func scanHost(s scanner) (*inbox.Host, error) {
	var h inbox.Host
	var deleted sql.NullInt64
	var created, updated int64
	dest := []any{&h.ID, &h.AccountID, &h.Firstname, &h.Lastname, &h.Email, &h.Role, &h.Availability,
		&h.AutoOffline, &h.SourceID, &deleted, &created, &updated}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	h.DeletedAt = fromNullTS(deleted)
	h.CreatedAt, h.UpdatedAt = fromTS(created), fromTS(updated)
	return &h, nil
}

// CreateHost stores a new host.
func (tx *Tx) CreateHost(ctx context.Context, h *inbox.Host) error {
	h.CreatedAt, h.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO hosts (
			account_id,
			firstname,
			lastname,
			email,
			role,
			availability,
			auto_offline,
			source_id,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		h.AccountID, h.Firstname, h.Lastname, h.Email, h.Role, h.Availability, h.AutoOffline, h.SourceID, ts(tx.now),
		ts(tx.now))
	h.ID = id
	return err
}

// FindHostByID returns one host of the account, also a removed one (the
// messages it sent still name it).
func (tx *Tx) FindHostByID(ctx context.Context, accountID, id int64) (*inbox.Host, error) {
	h, err := scanHost(tx.queryRow(ctx, `SELECT `+hostColumns+` FROM hosts WHERE account_id = ? AND id = ?`, accountID, id))
	return h, notFound(err, "Host")
}

// FindHostByEmail returns the account's host with that e-mail, in any
// letter case (as the unique index hosts_account_email compares them).
// Removed hosts free their e-mail.
func (tx *Tx) FindHostByEmail(ctx context.Context, accountID int64, email string) (*inbox.Host, error) {
	h, err := scanHost(tx.queryRow(ctx, `
		SELECT `+hostColumns+` FROM hosts
		WHERE account_id = ? AND lower(email) = lower(?) AND email <> '' AND deleted_at IS NULL`, accountID, email))
	return h, notFound(err, "Host")
}

// FindHosts lists the account's hosts that were not removed, by ascending id
// or by name.
func (tx *Tx) FindHosts(ctx context.Context, accountID int64, f inbox.HostFilter) ([]*inbox.Host, int, error) {
	w := &where{}
	w.add("account_id = ?", accountID)
	if !f.Removed {
		w.add("deleted_at IS NULL")
	}
	if f.IDs != nil {
		w.in("id", f.IDs)
	}
	if f.UpdatedSince != nil {
		w.add("updated_at >= ?", ts(*f.UpdatedSince))
	}
	order := ""
	if f.Sort == "name" {
		order = "LOWER(firstname), LOWER(lastname), id"
	}
	q, args, c := pageQuery(w, hostColumns, "hosts", "id", order, f.Page)
	return list(ctx, tx, q, args, c, scanHost)
}

// UpdateHost changes a host.
func (tx *Tx) UpdateHost(ctx context.Context, accountID, id int64, u inbox.HostUpdate) (*inbox.Host, error) {
	s := &setList{}
	if u.Firstname != nil {
		s.set("firstname", *u.Firstname)
	}
	if u.Lastname != nil {
		s.set("lastname", *u.Lastname)
	}
	if u.Email != nil {
		s.set("email", *u.Email)
	}
	if u.Role != nil {
		s.set("role", *u.Role)
	}
	if u.Availability != nil {
		s.set("availability", *u.Availability)
	}
	if u.AutoOffline != nil {
		s.set("auto_offline", *u.AutoOffline)
	}
	if u.SourceID != nil {
		s.set("source_id", *u.SourceID)
	}
	s.set("updated_at", ts(tx.now))
	res, err := tx.exec(ctx, `UPDATE hosts SET `+s.sql()+` WHERE account_id = ? AND id = ? AND deleted_at IS NULL`,
		append(s.args, accountID, id)...)
	if err := affected(res, err, "Host"); err != nil {
		return nil, err
	}
	return tx.FindHostByID(ctx, accountID, id)
}

// DeleteHost removes a host from its account.
func (tx *Tx) DeleteHost(ctx context.Context, accountID, id int64) error {
	now := ts(tx.now)
	res, err := tx.exec(ctx, `UPDATE hosts SET deleted_at = ?, updated_at = ? WHERE account_id = ? AND id = ? AND deleted_at IS NULL`,
		now, now, accountID, id)
	if err := affected(res, err, "Host"); err != nil {
		return err
	}
	for _, st := range []struct {
		q    string
		args []any
	}{
		{`UPDATE access_tokens SET revoked_at = ? WHERE account_id = ? AND host_id = ? AND revoked_at IS NULL`, []any{now, accountID, id}},
		{`DELETE FROM inbox_members WHERE account_id = ? AND host_id = ?`, []any{accountID, id}},
		// It can no longer sign in to the web inbox.
		{`DELETE FROM sessions WHERE account_id = ? AND host_id = ?`, []any{accountID, id}},
		{`DELETE FROM host_passwords WHERE account_id = ? AND host_id = ?`, []any{accountID, id}},
		{`UPDATE conversations SET assignee_id = NULL, updated_at = ? WHERE account_id = ? AND assignee_id = ?`, []any{now, accountID, id}},
	} {
		if _, err := tx.exec(ctx, st.q, st.args...); err != nil {
			return err
		}
	}
	return nil
}

// CreateInbox stores a new inbox.
func (tx *Tx) CreateInbox(ctx context.Context, i *inbox.Inbox) error {
	i.CreatedAt, i.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO inboxes (
			account_id,
			name,
			channel,
			reply_window_hours,
			webhook_url,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		i.AccountID, i.Name, i.Channel, i.ReplyWindowHours, i.WebhookURL, ts(tx.now), ts(tx.now))
	i.ID = id
	return err
}

const inboxColumns = `
	id,
	account_id,
	name,
	channel,
	reply_window_hours,
	webhook_url,
	created_at,
	updated_at`

func scanInbox(s scanner) (*inbox.Inbox, error) {
	var i inbox.Inbox
	var created, updated int64
	if err := s.Scan(&i.ID, &i.AccountID, &i.Name, &i.Channel, &i.ReplyWindowHours, &i.WebhookURL, &created, &updated); err != nil {
		return nil, err
	}
	i.CreatedAt, i.UpdatedAt = fromTS(created), fromTS(updated)
	return &i, nil
}

// FindInboxByID returns one inbox of the account.
func (tx *Tx) FindInboxByID(ctx context.Context, accountID, id int64) (*inbox.Inbox, error) {
	i, err := scanInbox(tx.queryRow(ctx, `SELECT `+inboxColumns+` FROM inboxes WHERE account_id = ? AND id = ?`, accountID, id))
	return i, notFound(err, "Inbox")
}

// FindInboxByChannel returns the account's oldest inbox of a channel.
func (tx *Tx) FindInboxByChannel(ctx context.Context, accountID int64, channel string) (*inbox.Inbox, error) {
	i, err := scanInbox(tx.queryRow(ctx, `
		SELECT `+inboxColumns+`
		FROM inboxes
		WHERE account_id = ? AND channel = ?
		ORDER BY id
		LIMIT 1`, accountID, channel))
	return i, notFound(err, "Inbox")
}

// FindInboxes lists the account's inboxes.
func (tx *Tx) FindInboxes(ctx context.Context, accountID int64) ([]*inbox.Inbox, error) {
	rows, err := tx.query(ctx, `SELECT `+inboxColumns+` FROM inboxes WHERE account_id = ? ORDER BY id`, accountID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*inbox.Inbox
	for rows.Next() {
		i, err := scanInbox(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, i)
	}
	return out, rows.Err()
}

// UpdateInbox changes an inbox.
func (tx *Tx) UpdateInbox(ctx context.Context, accountID, id int64, u inbox.InboxUpdate) (*inbox.Inbox, error) {
	s := &setList{}
	if u.Name != nil {
		s.set("name", *u.Name)
	}
	if u.WebhookURL != nil {
		s.set("webhook_url", *u.WebhookURL)
	}
	if u.ReplyWindowHours != nil {
		s.set("reply_window_hours", *u.ReplyWindowHours)
	}
	s.set("updated_at", ts(tx.now))
	res, err := tx.exec(ctx, `UPDATE inboxes SET `+s.sql()+` WHERE account_id = ? AND id = ?`, append(s.args, accountID, id)...)
	if err := affected(res, err, "Inbox"); err != nil {
		return nil, err
	}
	return tx.FindInboxByID(ctx, accountID, id)
}

// AddInboxMember makes a host a member of an inbox (idempotent).
func (tx *Tx) AddInboxMember(ctx context.Context, accountID, inboxID, hostID int64) error {
	_, err := tx.exec(ctx, `
		INSERT INTO inbox_members (account_id, inbox_id, host_id) VALUES (?, ?, ?)
		ON CONFLICT (account_id, host_id, inbox_id) DO NOTHING`, accountID, inboxID, hostID)
	return err
}

// RemoveInboxMember drops a membership (idempotent).
func (tx *Tx) RemoveInboxMember(ctx context.Context, accountID, inboxID, hostID int64) error {
	_, err := tx.exec(ctx, `DELETE FROM inbox_members WHERE account_id = ? AND inbox_id = ? AND host_id = ?`, accountID, inboxID, hostID)
	return err
}

// FindInboxMemberIDs lists the hosts that are members of an inbox.
func (tx *Tx) FindInboxMemberIDs(ctx context.Context, accountID, inboxID int64) ([]int64, error) {
	return tx.ids(ctx, `SELECT host_id FROM inbox_members WHERE account_id = ? AND inbox_id = ? ORDER BY host_id`, accountID, inboxID)
}

// FindMemberInboxIDs lists the inboxes a host belongs to.
func (tx *Tx) FindMemberInboxIDs(ctx context.Context, accountID, hostID int64) ([]int64, error) {
	return tx.ids(ctx, `SELECT inbox_id FROM inbox_members WHERE account_id = ? AND host_id = ? ORDER BY inbox_id`, accountID, hostID)
}

// ids runs a query that selects one integer column.
func (tx *Tx) ids(ctx context.Context, q string, args ...any) ([]int64, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []int64{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
