package sqlstore

import (
	"context"

	inbox "github.com/inboxd/inbox"
)

const labelColumns = `
	id,
	account_id,
	title,
	description,
	color,
	show_on_sidebar,
	created_at,
	updated_at`

func scanLabel(s scanner) (*inbox.Label, error) {
	var l inbox.Label
	var created, updated int64
	if err := s.Scan(&l.ID, &l.AccountID, &l.Title, &l.Description, &l.Color, &l.ShowOnSidebar, &created, &updated); err != nil {
		return nil, err
	}
	l.CreatedAt, l.UpdatedAt = fromTS(created), fromTS(updated)
	return &l, nil
}

// CreateLabel stores a new label.
func (tx *Tx) CreateLabel(ctx context.Context, l *inbox.Label) error {
	l.CreatedAt, l.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO labels (
			account_id,
			title,
			description,
			color,
			show_on_sidebar,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		l.AccountID, l.Title, l.Description, l.Color, l.ShowOnSidebar, ts(tx.now), ts(tx.now))
	l.ID = id
	return normalize(err) // a taken title is ECONFLICT inside the transaction
}

// FindLabelByID returns one label of the account.
func (tx *Tx) FindLabelByID(ctx context.Context, accountID, id int64) (*inbox.Label, error) {
	l, err := scanLabel(tx.queryRow(ctx, `SELECT `+labelColumns+` FROM labels WHERE account_id = ? AND id = ?`, accountID, id))
	return l, notFound(err, "Label")
}

// FindLabels lists the account's labels by title.
func (tx *Tx) FindLabels(ctx context.Context, accountID int64) ([]*inbox.Label, error) {
	out, _, err := list(ctx, tx, `SELECT `+labelColumns+` FROM labels WHERE account_id = ? ORDER BY title, id`,
		[]any{accountID}, count{}, scanLabel)
	return out, err
}

// UpdateLabel changes a label. A new title replaces the old one on the
// conversations that carried it (a conversation that had both keeps one).
func (tx *Tx) UpdateLabel(ctx context.Context, accountID, id int64, u inbox.LabelUpdate) (*inbox.Label, error) {
	old, err := tx.FindLabelByID(ctx, accountID, id)
	if err != nil {
		return nil, err
	}
	s := &setList{}
	if u.Title != nil {
		s.set("title", *u.Title)
	}
	if u.Description != nil {
		s.set("description", *u.Description)
	}
	if u.Color != nil {
		s.set("color", *u.Color)
	}
	if u.ShowOnSidebar != nil {
		s.set("show_on_sidebar", *u.ShowOnSidebar)
	}
	s.set("updated_at", ts(tx.now))
	res, err := tx.exec(ctx, `UPDATE labels SET `+s.sql()+` WHERE account_id = ? AND id = ?`, append(s.args, accountID, id)...)
	if err := affected(res, normalize(err), "Label"); err != nil {
		return nil, err
	}
	if u.Title != nil && *u.Title != old.Title {
		if err := tx.renameConversationLabel(ctx, accountID, old.Title, *u.Title); err != nil {
			return nil, err
		}
	}
	return tx.FindLabelByID(ctx, accountID, id)
}

// renameConversationLabel gives conversations labelled from the label to
// instead, and bumps them so updated_since listings report the change.
func (tx *Tx) renameConversationLabel(ctx context.Context, accountID int64, from, to string) error {
	now := ts(tx.now)
	for _, st := range []struct {
		q    string
		args []any
	}{
		{`UPDATE conversations SET updated_at = ? WHERE account_id = ? AND id IN
			(SELECT conversation_id FROM conversation_labels WHERE account_id = ? AND label = ?)`, []any{now, accountID, accountID, from}},
		{`DELETE FROM conversation_labels WHERE account_id = ? AND label = ? AND conversation_id IN
			(SELECT conversation_id FROM conversation_labels WHERE account_id = ? AND label = ?)`, []any{accountID, from, accountID, to}},
		{`UPDATE conversation_labels SET label = ? WHERE account_id = ? AND label = ?`, []any{to, accountID, from}},
	} {
		if _, err := tx.exec(ctx, st.q, st.args...); err != nil {
			return err
		}
	}
	return nil
}

// DeleteLabel removes a label; conversations keep the name.
func (tx *Tx) DeleteLabel(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM labels WHERE account_id = ? AND id = ?`, accountID, id)
	return affected(res, err, "Label")
}

const cannedResponseColumns = `
	id,
	account_id,
	short_code,
	content,
	created_at,
	updated_at`

func scanCannedResponse(s scanner) (*inbox.CannedResponse, error) {
	var c inbox.CannedResponse
	var created, updated int64
	if err := s.Scan(&c.ID, &c.AccountID, &c.ShortCode, &c.Content, &created, &updated); err != nil {
		return nil, err
	}
	c.CreatedAt, c.UpdatedAt = fromTS(created), fromTS(updated)
	return &c, nil
}

// CreateCannedResponse stores a new canned response.
func (tx *Tx) CreateCannedResponse(ctx context.Context, c *inbox.CannedResponse) error {
	c.CreatedAt, c.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO canned_responses (
			account_id,
			short_code,
			content,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?)`,
		c.AccountID, c.ShortCode, c.Content, ts(tx.now), ts(tx.now))
	c.ID = id
	return normalize(err) // a taken short code is ECONFLICT inside the transaction
}

// FindCannedResponseByID returns one canned response of the account.
func (tx *Tx) FindCannedResponseByID(ctx context.Context, accountID, id int64) (*inbox.CannedResponse, error) {
	c, err := scanCannedResponse(tx.queryRow(ctx, `SELECT `+cannedResponseColumns+` FROM canned_responses
		WHERE account_id = ? AND id = ?`, accountID, id))
	return c, notFound(err, "Canned response")
}

// FindCannedResponses lists the account's canned responses by id, or, with
// a search, those whose short code or content contain it, short codes that
// start with it first.
func (tx *Tx) FindCannedResponses(ctx context.Context, accountID int64, f inbox.CannedResponseFilter) ([]*inbox.CannedResponse, error) {
	q := `SELECT ` + cannedResponseColumns + ` FROM canned_responses WHERE account_id = ?`
	args := []any{accountID}
	order := ` ORDER BY id`
	if f.Search != "" {
		q += ` AND (` + dialectContains(tx.engine, "short_code") + ` OR ` + dialectContains(tx.engine, "content") + `)`
		order = ` ORDER BY CASE WHEN ` + dialectContains(tx.engine, "short_code") + ` THEN 0 ELSE 1 END, short_code, id`
		args = append(args, likePattern(f.Search), likePattern(f.Search), likePrefix(f.Search))
	}
	out, _, err := list(ctx, tx, q+order, args, count{}, scanCannedResponse)
	return out, err
}

// UpdateCannedResponse changes a canned response.
func (tx *Tx) UpdateCannedResponse(ctx context.Context, accountID, id int64, u inbox.CannedResponseUpdate) (*inbox.CannedResponse, error) {
	s := &setList{}
	if u.ShortCode != nil {
		s.set("short_code", *u.ShortCode)
	}
	if u.Content != nil {
		s.set("content", *u.Content)
	}
	s.set("updated_at", ts(tx.now))
	res, err := tx.exec(ctx, `UPDATE canned_responses SET `+s.sql()+` WHERE account_id = ? AND id = ?`, append(s.args, accountID, id)...)
	if err := affected(res, normalize(err), "Canned response"); err != nil {
		return nil, err
	}
	return tx.FindCannedResponseByID(ctx, accountID, id)
}

// DeleteCannedResponse removes a canned response.
func (tx *Tx) DeleteCannedResponse(ctx context.Context, accountID, id int64) error {
	res, err := tx.exec(ctx, `DELETE FROM canned_responses WHERE account_id = ? AND id = ?`, accountID, id)
	return affected(res, err, "Canned response")
}
