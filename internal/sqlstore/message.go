package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	inbox "github.com/inboxd/inbox"
)

const messageColumns = `
	m.id,
	m.account_id,
	m.conversation_id,
	m.sender_id,
	m.kind,
	m.content,
	m.content_type,
	m.content_attributes,
	m.additional_attributes,
	m.origin,
	m.channel,
	m.visibility,
	m.status,
	m.source_id,
	m.echo_id,
	m.sent_at,
	m.created_by_id,
	m.created_by_type,
	m.created_at,
	m.updated_at`

func scanMessage(s scanner) (*inbox.Message, error) {
	var m inbox.Message
	var content sql.NullString
	var cattrs, aattrs string
	var sent sql.NullInt64
	var created, updated int64
	dest := []any{&m.ID, &m.AccountID, &m.ConversationID, &m.SenderID, &m.Kind, &content, &m.ContentType, &cattrs,
		&aattrs, &m.Origin, &m.Channel, &m.Visibility, &m.Status, &m.SourceID, &m.EchoID, &sent, &m.CreatedByID,
		&m.CreatedByType, &created, &updated}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	m.Content, m.HasContent = content.String, content.Valid
	m.ContentAttributes, m.AdditionalAttributes = parseAttrs(cattrs), parseAttrs(aattrs)
	m.SentAt = fromNullTS(sent)
	m.CreatedAt, m.UpdatedAt = fromTS(created), fromTS(updated)
	m.AttachmentIDs = []int64{}
	return &m, nil
}

func nullContent(m *inbox.Message) any {
	if !m.HasContent {
		return nil
	}
	return m.Content
}

// CreateMessage stores a new message and its attachment links.
func (tx *Tx) CreateMessage(ctx context.Context, m *inbox.Message) error {
	m.CreatedAt, m.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO messages (
			account_id,
			conversation_id,
			sender_id,
			kind,
			content,
			content_type,
			content_attributes,
			additional_attributes,
			origin,
			channel,
			visibility,
			status,
			source_id,
			echo_id,
			sent_at,
			created_by_id,
			created_by_type,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		m.AccountID, m.ConversationID, m.SenderID, m.Kind, nullContent(m), m.ContentType, jsonText(m.ContentAttributes),
		jsonText(m.AdditionalAttributes), m.Origin, m.Channel, m.Visibility, m.Status, m.SourceID, m.EchoID,
		tsp(m.SentAt), m.CreatedByID, m.CreatedByType, ts(tx.now), ts(tx.now))
	if err != nil {
		return err
	}
	m.ID = id
	if m.AttachmentIDs == nil {
		m.AttachmentIDs = []int64{}
	}
	return tx.insertMessageAttachments(ctx, m.AccountID, m.ID, m.AttachmentIDs)
}

func (tx *Tx) setMessageAttachments(ctx context.Context, accountID, messageID int64, ids []int64) error {
	if _, err := tx.exec(ctx, `DELETE FROM message_attachments WHERE account_id = ? AND message_id = ?`, accountID, messageID); err != nil {
		return err
	}
	return tx.insertMessageAttachments(ctx, accountID, messageID, ids)
}

// insertMessageAttachments links attachments to a message that has none.
func (tx *Tx) insertMessageAttachments(ctx context.Context, accountID, messageID int64, ids []int64) error {
	seen := map[int64]bool{}
	for i, a := range ids {
		if seen[a] {
			continue
		}
		seen[a] = true
		if _, err := tx.exec(ctx, `
			INSERT INTO message_attachments (account_id, message_id, attachment_id, position) VALUES (?, ?, ?, ?)`,
			accountID, messageID, a, i); err != nil {
			return err
		}
	}
	return nil
}

// FindMessageByID returns one message of the account.
func (tx *Tx) FindMessageByID(ctx context.Context, accountID, id int64) (*inbox.Message, error) {
	m, err := scanMessage(tx.queryRow(ctx, `SELECT `+messageColumns+` FROM messages m WHERE m.account_id = ? AND m.id = ?`, accountID, id))
	if err != nil {
		return nil, notFound(err, "Message")
	}
	if err := tx.loadMessageAttachments(ctx, accountID, []*inbox.Message{m}); err != nil {
		return nil, err
	}
	return m, nil
}

// FindMessages lists messages, ascending by id.
func (tx *Tx) FindMessages(ctx context.Context, accountID int64, f inbox.MessageFilter) ([]*inbox.Message, int, error) {
	w := &where{}
	w.add("m.account_id = ?", accountID)
	if f.IDs != nil {
		w.in("m.id", f.IDs)
	}
	if f.ConversationID != nil {
		w.add("m.conversation_id = ?", *f.ConversationID)
	}
	if f.UpdatedSince != nil {
		w.add("m.updated_at >= ?", ts(*f.UpdatedSince))
	}
	if f.ExcludeActivity {
		w.add("m.kind <> " + sqlKindActivity)
	}
	if f.ExcludePrivate {
		w.add("m.visibility <> " + sqlVisibilityInternal)
	}
	if f.BeforeID > 0 {
		w.add("m.id < ?", f.BeforeID)
	}
	if f.AfterID > 0 {
		w.add("m.id > ?", f.AfterID)
	}
	order := ""
	if f.Newest {
		order = "m.id DESC"
	}
	q, args, c := pageQuery(w, messageColumns, "messages m", "m.id", order, f.Page)
	msgs, total, err := list(ctx, tx, q, args, c, scanMessage)
	if err != nil {
		return nil, 0, err
	}
	if f.Newest {
		for i, j := 0, len(msgs)-1; i < j; i, j = i+1, j-1 {
			msgs[i], msgs[j] = msgs[j], msgs[i]
		}
	}
	if err := tx.loadMessageAttachments(ctx, accountID, msgs); err != nil {
		return nil, 0, err
	}
	return msgs, total, nil
}

func (tx *Tx) loadMessageAttachments(ctx context.Context, accountID int64, msgs []*inbox.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	byID := make(map[int64]*inbox.Message, len(msgs))
	ids := make([]int64, len(msgs))
	for i, m := range msgs {
		byID[m.ID], ids[i] = m, m.ID
	}
	return tx.pairs(ctx, `
		SELECT message_id, attachment_id
		FROM message_attachments
		WHERE account_id = ? AND message_id IN (`+placeholders(len(ids))+`)
		ORDER BY message_id, position`, append([]any{accountID}, int64Args(ids)...), func(m, a int64) {
		byID[m].AttachmentIDs = append(byID[m].AttachmentIDs, a)
	})
}

// UpdateMessage changes a message.
func (tx *Tx) UpdateMessage(ctx context.Context, accountID, id int64, u inbox.MessageUpdate) (*inbox.Message, error) {
	s := &setList{}
	if u.HasContent != nil && !*u.HasContent {
		s.set("content", nil)
	} else if u.Content != nil {
		s.set("content", *u.Content)
	}
	for col, v := range map[string]*string{"content_type": u.ContentType, "origin": u.Origin, "channel": u.Channel,
		"visibility": u.Visibility, "status": u.Status} {
		if v != nil {
			s.set(col, *v)
		}
	}
	if u.ContentAttributes != nil {
		s.set("content_attributes", jsonText(*u.ContentAttributes))
	}
	if u.SentAt != nil {
		s.set("sent_at", tsp(*u.SentAt))
	}
	s.set("updated_at", ts(tx.now))
	res, err := tx.exec(ctx, `UPDATE messages SET `+s.sql()+` WHERE account_id = ? AND id = ?`, append(s.args, accountID, id)...)
	if err := affected(res, err, "Message"); err != nil {
		return nil, err
	}
	if u.AttachmentIDs != nil {
		if err := tx.setMessageAttachments(ctx, accountID, id, *u.AttachmentIDs); err != nil {
			return nil, err
		}
	}
	return tx.FindMessageByID(ctx, accountID, id)
}

// FindLatestMessages returns the newest message and the newest non-activity
// message of each conversation, in one statement for all of them.
func (tx *Tx) FindLatestMessages(ctx context.Context, accountID int64, ids []int64) (map[int64][2]*inbox.Message, error) {
	msgs, err := tx.edgeMessages(ctx, accountID, ids, "DESC", "", " AND e.kind <> "+sqlKindActivity)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][2]*inbox.Message, len(ids))
	for _, id := range ids {
		out[id] = [2]*inbox.Message{}
	}
	// msgs ascend by id, so the last seen of each kind is the newest.
	for _, m := range msgs {
		pair := out[m.ConversationID]
		pair[0] = m
		if m.Kind != inbox.KindActivity {
			pair[1] = m
		}
		out[m.ConversationID] = pair
	}
	return out, nil
}

// FindFirstMessages returns the oldest message of each conversation (of any
// kind), in one statement for all of them.
func (tx *Tx) FindFirstMessages(ctx context.Context, accountID int64, ids []int64) (map[int64]*inbox.Message, error) {
	msgs, err := tx.edgeMessages(ctx, accountID, ids, "ASC", "")
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*inbox.Message, len(ids))
	for _, m := range msgs {
		if _, ok := out[m.ConversationID]; !ok {
			out[m.ConversationID] = m
		}
	}
	return out, nil
}

// edgeMessages reads, for each conversation and each condition in conds,
// the first message by id in direction dir that meets it, with their
// attachments, by ascending id. Each pick is a correlated subquery that
// walks the (account_id, conversation_id, id) index from one end and stops
// at the first match, so the cost is per conversation, not per message.
func (tx *Tx) edgeMessages(ctx context.Context, accountID int64, ids []int64, dir string, conds ...string) ([]*inbox.Message, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	in := placeholders(len(ids))
	picks := make([]string, len(conds))
	args := []any{accountID}
	for i, cond := range conds {
		picks[i] = `
			SELECT (SELECT e.id FROM messages e
				WHERE e.account_id = c.account_id AND e.conversation_id = c.id` + cond + `
				ORDER BY e.id ` + dir + ` LIMIT 1)
			FROM conversations c
			WHERE c.account_id = ? AND c.id IN (` + in + `)`
		args = append(append(args, accountID), int64Args(ids)...)
	}
	rows, err := tx.query(ctx, `
		SELECT `+messageColumns+`
		FROM messages m
		WHERE m.account_id = ? AND m.id IN (`+strings.Join(picks, `
			UNION ALL`)+`)
		ORDER BY m.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var msgs []*inbox.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		msgs = append(msgs, m)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	return msgs, tx.loadMessageAttachments(ctx, accountID, msgs)
}
