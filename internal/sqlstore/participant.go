package sqlstore

import (
	"context"
	"database/sql"
	"time"

	inbox "github.com/inboxd/inbox"
)

const participantColumns = `
	id,
	account_id,
	conversation_id,
	member_type,
	member_id,
	read_at,
	last_message_sent_at,
	created_at,
	updated_at`

func scanParticipant(s scanner) (*inbox.Participant, error) {
	var p inbox.Participant
	var read, last sql.NullInt64
	var created, updated int64
	dest := []any{&p.ID, &p.AccountID, &p.ConversationID, &p.MemberType, &p.MemberID, &read, &last, &created, &updated}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	p.ReadAt, p.LastMessageSentAt = fromNullTS(read), fromNullTS(last)
	p.CreatedAt, p.UpdatedAt = fromTS(created), fromTS(updated)
	return &p, nil
}

// CreateParticipant stores a new participant.
func (tx *Tx) CreateParticipant(ctx context.Context, p *inbox.Participant) error {
	p.CreatedAt, p.UpdatedAt = tx.now, tx.now
	id, err := tx.insert(ctx, `
		INSERT INTO participants (
			account_id,
			conversation_id,
			member_type,
			member_id,
			read_at,
			last_message_sent_at,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		p.AccountID, p.ConversationID, p.MemberType, p.MemberID, tsp(p.ReadAt), tsp(p.LastMessageSentAt), ts(tx.now), ts(tx.now))
	p.ID = id
	return err
}

// FindParticipantByID returns one participant of the account.
func (tx *Tx) FindParticipantByID(ctx context.Context, accountID, id int64) (*inbox.Participant, error) {
	p, err := scanParticipant(tx.queryRow(ctx, `SELECT `+participantColumns+` FROM participants WHERE account_id = ? AND id = ?`, accountID, id))
	return p, notFound(err, "Participant")
}

// FindParticipants lists participants by ascending id.
func (tx *Tx) FindParticipants(ctx context.Context, accountID int64, f inbox.ParticipantFilter) ([]*inbox.Participant, int, error) {
	w := &where{}
	w.add("account_id = ?", accountID)
	if f.IDs != nil {
		w.in("id", f.IDs)
	}
	if f.ConversationID != nil {
		w.add("conversation_id = ?", *f.ConversationID)
	}
	if f.MemberType != "" {
		w.add("member_type = ?", f.MemberType)
	}
	if f.MemberID != nil {
		w.add("member_id = ?", *f.MemberID)
	}
	if f.UpdatedSince != nil {
		w.add("updated_at >= ?", ts(*f.UpdatedSince))
	}
	q, args, c := pageQuery(w, participantColumns, "participants", "id", "", f.Page)
	return list(ctx, tx, q, args, c, scanParticipant)
}

// FindHostParticipantIDs returns the participant ids of each host.
func (tx *Tx) FindHostParticipantIDs(ctx context.Context, accountID int64, hostIDs []int64) (map[int64][]int64, error) {
	out := make(map[int64][]int64, len(hostIDs))
	for _, id := range hostIDs {
		out[id] = []int64{}
	}
	if len(hostIDs) == 0 {
		return out, nil
	}
	return out, tx.pairs(ctx, `
		SELECT member_id, id
		FROM participants
		WHERE account_id = ? AND member_type = `+sqlMemberHost+` AND member_id IN (`+placeholders(len(hostIDs))+`)
		ORDER BY member_id, id`, append([]any{accountID}, int64Args(hostIDs)...), func(h, p int64) {
		out[h] = append(out[h], p)
	})
}

// UpdateParticipant changes a participant.
func (tx *Tx) UpdateParticipant(ctx context.Context, accountID, id int64, u inbox.ParticipantUpdate) (*inbox.Participant, error) {
	if err := tx.PatchParticipant(ctx, accountID, id, u); err != nil {
		return nil, err
	}
	return tx.FindParticipantByID(ctx, accountID, id)
}

// PatchParticipant changes a participant.
func (tx *Tx) PatchParticipant(ctx context.Context, accountID, id int64, u inbox.ParticipantUpdate) error {
	s := &setList{}
	if u.ReadAt != nil {
		s.set("read_at", tsp(*u.ReadAt))
	}
	if u.LastMessageSentAt != nil {
		s.set("last_message_sent_at", tsp(*u.LastMessageSentAt))
	}
	s.set("updated_at", ts(tx.now))
	res, err := tx.exec(ctx, `UPDATE participants SET `+s.sql()+` WHERE account_id = ? AND id = ?`, append(s.args, accountID, id)...)
	return affected(res, err, "Participant")
}

// SetHostReadAt sets read_at of every host participant of a conversation.
func (tx *Tx) SetHostReadAt(ctx context.Context, accountID, conversationID int64, t *time.Time) error {
	_, err := tx.exec(ctx, `
		UPDATE participants SET read_at = ?, updated_at = ?
		WHERE account_id = ? AND conversation_id = ? AND member_type = `+sqlMemberHost,
		tsp(t), ts(tx.now), accountID, conversationID)
	return err
}

// DeleteParticipant removes a participant that sent no message, leaving a tombstone.
func (tx *Tx) DeleteParticipant(ctx context.Context, accountID, id int64) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM messages WHERE account_id = ? AND sender_id = ?`, accountID, id).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return inbox.Errorf(inbox.ECONFLICT, "The participant has sent messages and cannot be removed.")
	}
	res, err := tx.exec(ctx, `DELETE FROM participants WHERE account_id = ? AND id = ?`, accountID, id)
	if err := affected(res, err, "Participant"); err != nil {
		return err
	}
	_, err = tx.exec(ctx, `
		INSERT INTO tombstones (account_id, resource, record_id, deleted_at) VALUES (?, 'participants', ?, ?)
		ON CONFLICT (account_id, resource, record_id) DO NOTHING`, accountID, id, ts(tx.now))
	return err
}
