package sqlstore

import (
	"context"
	"fmt"

	inbox "github.com/inboxd/inbox"
)

const attachmentColumns = `
	a.id,
	a.account_id,
	a.name,
	a.file_key,
	a.file_size,
	a.content_type,
	a.image_width,
	a.image_height,
	a.created_at,
	a.updated_at`

func scanAttachment(s scanner) (*inbox.Attachment, error) {
	var a inbox.Attachment
	var created, updated int64
	dest := []any{&a.ID, &a.AccountID, &a.Name, &a.FileKey, &a.FileSize, &a.ContentType, &a.ImageWidth, &a.ImageHeight,
		&created, &updated}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = fromTS(created), fromTS(updated)
	a.MessageIDs = []int64{}
	return &a, nil
}

// CreateAttachment stores attachment metadata.
func (tx *Tx) CreateAttachment(ctx context.Context, a *inbox.Attachment) error {
	a.CreatedAt, a.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO attachments (
			account_id,
			name,
			file_key,
			file_size,
			content_type,
			image_width,
			image_height,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.AccountID, a.Name, a.FileKey, a.FileSize, a.ContentType, a.ImageWidth, a.ImageHeight, ts(tx.now), ts(tx.now))
	a.ID = id
	if a.MessageIDs == nil {
		a.MessageIDs = []int64{}
	}
	return err
}

// FindAttachmentByID returns one attachment of the account.
func (tx *Tx) FindAttachmentByID(ctx context.Context, accountID, id int64) (*inbox.Attachment, error) {
	a, err := scanAttachment(tx.queryRow(ctx, `
		SELECT `+attachmentColumns+` FROM attachments a
		WHERE a.account_id = ? AND a.id = ? AND a.deleted_at IS NULL`, accountID, id))
	if err != nil {
		return nil, notFound(err, "Attachment")
	}
	return a, tx.loadAttachmentMessages(ctx, accountID, []*inbox.Attachment{a})
}

// FindAttachments lists attachments by ascending id.
func (tx *Tx) FindAttachments(ctx context.Context, accountID int64, f inbox.AttachmentFilter) ([]*inbox.Attachment, int, error) {
	w := &where{}
	w.add("a.account_id = ?", accountID)
	w.add("a.deleted_at IS NULL")
	if f.IDs != nil {
		w.in("a.id", f.IDs)
	}
	if f.MessageID != nil {
		w.add(`EXISTS (SELECT 1 FROM message_attachments ma WHERE ma.account_id = a.account_id
			AND ma.attachment_id = a.id AND ma.message_id = ?)`, *f.MessageID)
	}
	if f.UpdatedSince != nil {
		w.add("a.updated_at >= ?", ts(*f.UpdatedSince))
	}
	q, args, c := pageQuery(w, attachmentColumns, "attachments a", "a.id", "", f.Page)
	out, total, err := list(ctx, tx, q, args, c, scanAttachment)
	if err != nil {
		return nil, 0, err
	}
	return out, total, tx.loadAttachmentMessages(ctx, accountID, out)
}

func (tx *Tx) loadAttachmentMessages(ctx context.Context, accountID int64, as []*inbox.Attachment) error {
	if len(as) == 0 {
		return nil
	}
	byID := make(map[int64]*inbox.Attachment, len(as))
	ids := make([]int64, len(as))
	for i, a := range as {
		byID[a.ID], ids[i] = a, a.ID
	}
	return tx.pairs(ctx, `
		SELECT attachment_id, message_id
		FROM message_attachments
		WHERE account_id = ? AND attachment_id IN (`+placeholders(len(ids))+`)
		ORDER BY attachment_id, message_id`, append([]any{accountID}, int64Args(ids)...), func(a, m int64) {
		byID[a].MessageIDs = append(byID[a].MessageIDs, m)
	})
}

// UpdateAttachment changes attachment metadata.
func (tx *Tx) UpdateAttachment(ctx context.Context, accountID, id int64, u inbox.AttachmentUpdate) (*inbox.Attachment, error) {
	s := &setList{}
	if u.Name != nil {
		s.set("name", *u.Name)
	}
	if u.FileKey != nil {
		s.set("file_key", *u.FileKey)
	}
	if u.FileSize != nil {
		s.set("file_size", *u.FileSize)
	}
	if u.ContentType != nil {
		s.set("content_type", *u.ContentType)
	}
	if u.ImageWidth != nil {
		s.set("image_width", *u.ImageWidth)
	}
	if u.ImageHeight != nil {
		s.set("image_height", *u.ImageHeight)
	}
	s.set("updated_at", ts(tx.now))
	res, err := tx.exec(ctx, `UPDATE attachments SET `+s.sql()+` WHERE account_id = ? AND id = ?`, append(s.args, accountID, id)...)
	if err := affected(res, err, "Attachment"); err != nil {
		return nil, err
	}
	return tx.FindAttachmentByID(ctx, accountID, id)
}

// retireAttachmentsSQL marks deleted the attachments of the messages the
// subquery selects that no message outside it still links.
const retireAttachmentsSQL = `
	UPDATE attachments SET deleted_at = ?, updated_at = ?
	WHERE account_id = ? AND deleted_at IS NULL AND id IN (
		SELECT ma.attachment_id FROM message_attachments ma
		WHERE ma.account_id = ? AND ma.message_id IN (%[1]s)
	) AND NOT EXISTS (
		SELECT 1 FROM message_attachments other
		WHERE other.account_id = attachments.account_id AND other.attachment_id = attachments.id
		AND other.message_id NOT IN (%[1]s)
	)`

// DeleteMessageAttachments unlinks a message's attachments, deleting those
// no other message links.
func (tx *Tx) DeleteMessageAttachments(ctx context.Context, accountID, messageID int64) error {
	now := ts(tx.now)
	if _, err := tx.exec(ctx, fmt.Sprintf(retireAttachmentsSQL, "?"), now, now, accountID, accountID, messageID, messageID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `DELETE FROM message_attachments WHERE account_id = ? AND message_id = ?`, accountID, messageID)
	return err
}
