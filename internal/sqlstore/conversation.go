package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	inbox "github.com/inboxd/inbox"
)

const conversationColumns = `
	c.id,
	c.account_id,
	c.display_id,
	c.uuid,
	c.inbox_id,
	c.client_id,
	c.contact_source_id,
	c.hmac_verified,
	c.subject,
	c.default_channel,
	c.status,
	c.snoozed_until,
	c.assignee_id,
	c.source_id,
	c.priority,
	c.custom_attributes,
	c.additional_attributes,
	c.closed_at,
	c.marked_as_spam_at,
	c.deadline_response_at,
	c.last_message_at,
	c.last_activity_at,
	c.waiting_since,
	c.first_reply_created_at,
	c.created_by_id,
	c.created_by_type,
	c.created_at,
	c.updated_at`

func scanConversation(s scanner) (*inbox.Conversation, error) {
	var c inbox.Conversation
	var custom, add string
	var snoozed, closed, spam, deadline, lastMsg, waiting, firstReply sql.NullInt64
	var lastAct, created, updated int64
	dest := []any{&c.ID, &c.AccountID, &c.DisplayID, &c.UUID, &c.InboxID, &c.ClientID, &c.ContactSourceID,
		&c.HMACVerified, &c.Subject, &c.DefaultChannel, &c.Status, &snoozed, &c.AssigneeID, &c.SourceID,
		&c.Priority, &custom, &add, &closed, &spam, &deadline, &lastMsg, &lastAct, &waiting, &firstReply,
		&c.CreatedByID, &c.CreatedByType, &created, &updated}
	if err := s.Scan(dest...); err != nil {
		return nil, err
	}
	c.CustomAttributes, c.AdditionalAttributes = parseAttrs(custom), parseAttrs(add)
	c.SnoozedUntil, c.ClosedAt, c.MarkedAsSpamAt = fromNullTS(snoozed), fromNullTS(closed), fromNullTS(spam)
	c.DeadlineResponseAt, c.LastMessageAt = fromNullTS(deadline), fromNullTS(lastMsg)
	c.WaitingSince, c.FirstReplyCreatedAt = fromNullTS(waiting), fromNullTS(firstReply)
	c.LastActivityAt, c.CreatedAt, c.UpdatedAt = fromTS(lastAct), fromTS(created), fromTS(updated)
	return &c, nil
}

// CreateConversation stores a new conversation with the account's next display id.
func (tx *Tx) CreateConversation(ctx context.Context, c *inbox.Conversation) error {
	display, err := tx.nextDisplayID(ctx, c.AccountID)
	if err != nil {
		return err
	}
	c.DisplayID = display
	c.CreatedAt, c.UpdatedAt = tx.now, tx.now
	if c.LastActivityAt.IsZero() {
		c.LastActivityAt = tx.now
	}
	id, err := tx.insert(ctx, `
		INSERT INTO conversations (
			account_id,
			display_id,
			uuid,
			inbox_id,
			client_id,
			contact_source_id,
			hmac_verified,
			subject,
			default_channel,
			status,
			snoozed_until,
			assignee_id,
			source_id,
			priority,
			custom_attributes,
			additional_attributes,
			closed_at,
			marked_as_spam_at,
			deadline_response_at,
			last_message_at,
			last_activity_at,
			waiting_since,
			first_reply_created_at,
			created_by_id,
			created_by_type,
			created_at,
			updated_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.AccountID, c.DisplayID, c.UUID, c.InboxID, c.ClientID, c.ContactSourceID, c.HMACVerified, c.Subject,
		c.DefaultChannel, c.Status, tsp(c.SnoozedUntil), c.AssigneeID, c.SourceID, c.Priority,
		jsonText(c.CustomAttributes), jsonText(c.AdditionalAttributes), tsp(c.ClosedAt), tsp(c.MarkedAsSpamAt),
		tsp(c.DeadlineResponseAt), tsp(c.LastMessageAt), ts(c.LastActivityAt), tsp(c.WaitingSince),
		tsp(c.FirstReplyCreatedAt), c.CreatedByID, c.CreatedByType, ts(tx.now), ts(tx.now))
	if err != nil {
		return err
	}
	c.ID = id
	return tx.setLabels(ctx, c.AccountID, c.ID, c.Labels)
}

// FindConversationByID returns one conversation. In a read-write transaction
// on PostgreSQL the row is locked, so read-modify-write sequences on the same
// conversation (counters, last message times) never lose an update.
func (tx *Tx) FindConversationByID(ctx context.Context, accountID, id int64) (*inbox.Conversation, error) {
	return tx.findConversation(ctx, `c.account_id = ? AND c.id = ?`, accountID, id)
}

// FindConversationByDisplayID returns one conversation by its per-account number.
func (tx *Tx) FindConversationByDisplayID(ctx context.Context, accountID, displayID int64) (*inbox.Conversation, error) {
	return tx.findConversation(ctx, `c.account_id = ? AND c.display_id = ?`, accountID, displayID)
}

func (tx *Tx) findConversation(ctx context.Context, cond string, accountID, id int64) (*inbox.Conversation, error) {
	c, err := scanConversation(tx.queryRow(ctx, `SELECT `+conversationColumns+` FROM conversations c WHERE `+cond+
		dialectForUpdate(tx.engine, tx.writable), accountID, id))
	if err != nil {
		return nil, notFound(err, "Conversation")
	}
	labels, err := tx.findLabels(ctx, accountID, []int64{c.ID})
	if err != nil {
		return nil, err
	}
	c.Labels = labels[c.ID]
	return c, nil
}

// conversationWhere builds the WHERE clause of a conversation filter.
func (tx *Tx) conversationWhere(accountID int64, f inbox.ConversationFilter, withAssignee bool) *where {
	w := &where{}
	w.add("c.account_id = ?", accountID)
	if f.IDs != nil {
		w.in("c.id", f.IDs)
	}
	if f.DisplayIDs != nil {
		w.in("c.display_id", f.DisplayIDs)
	}
	if f.UpdatedSince != nil {
		w.add("c.updated_at >= ?", ts(*f.UpdatedSince))
	}
	if len(f.Statuses) > 0 {
		w.add("c.status IN ("+placeholders(len(f.Statuses))+")", stringArgs(f.Statuses)...)
	}
	if f.InboxIDs != nil {
		w.in("c.inbox_id", f.InboxIDs)
	}
	if f.InboxID != nil {
		w.add("c.inbox_id = ?", *f.InboxID)
	}
	if withAssignee && f.AssigneeID != nil {
		w.add("c.assignee_id = ?", *f.AssigneeID)
	}
	if withAssignee && f.Assigned != nil {
		if *f.Assigned {
			w.add("c.assignee_id IS NOT NULL")
		} else {
			w.add("c.assignee_id IS NULL")
		}
	}
	if len(f.Labels) > 0 {
		w.add(`EXISTS (SELECT 1 FROM conversation_labels l WHERE l.account_id = c.account_id
			AND l.conversation_id = c.id AND l.label IN (`+placeholders(len(f.Labels))+`))`, stringArgs(f.Labels)...)
	}
	if f.ClientID != nil {
		w.add("c.client_id = ?", *f.ClientID)
	}
	if f.ContactSourceID != "" {
		w.add("c.contact_source_id = ?", f.ContactSourceID)
	}
	if f.Query != "" {
		// Full text: conversations holding an incoming or outgoing message
		// with every word of the query.
		if groups := inbox.SearchTerms(f.Query); len(groups) == 0 {
			w.add("1 = 0")
		} else {
			s := dialectSearch(tx.engine, "messages", "m", accountID, groups)
			w.add(`c.id IN (SELECT m.conversation_id FROM `+s.from+` WHERE `+s.where+`
				AND m.kind IN (`+sqlKindIncoming+`, `+sqlKindOutgoing+`))`, s.args...)
		}
	}
	if f.ParticipantHostID != nil {
		w.add(`EXISTS (SELECT 1 FROM participants p WHERE p.account_id = c.account_id AND p.conversation_id = c.id
			AND p.member_type = `+sqlMemberHost+` AND p.member_id = ?)`, *f.ParticipantHostID)
	}
	if f.Unattended {
		w.add("(c.first_reply_created_at IS NULL OR c.waiting_since IS NOT NULL)")
	}
	if len(f.Conditions) > 0 {
		q, args := conditionsSQL(tx.engine, f.Conditions)
		w.add(q, args...)
	}
	if f.Before != nil {
		at := ts(f.Before.LastActivityAt)
		w.add("(c.last_activity_at < ? OR (c.last_activity_at = ? AND c.id < ?))", at, at, f.Before.ID)
	}
	return w
}

// conversationOrder maps a sort name to an ORDER BY clause; ties break by id.
func conversationOrder(sort string) string {
	switch sort {
	case inbox.SortLastActivityDesc:
		return "c.last_activity_at DESC, c.id DESC"
	case inbox.SortLastActivityAsc:
		return "c.last_activity_at ASC, c.id ASC"
	case inbox.SortCreatedAtAsc:
		return "c.created_at ASC, c.id ASC"
	case inbox.SortCreatedAtDesc:
		return "c.created_at DESC, c.id DESC"
	case inbox.SortPriorityDesc:
		return `CASE c.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 0 END DESC,
			c.last_activity_at DESC, c.id DESC`
	case inbox.SortPriorityAsc:
		return `CASE c.priority WHEN 'urgent' THEN 4 WHEN 'high' THEN 3 WHEN 'medium' THEN 2 WHEN 'low' THEN 1 ELSE 5 END ASC,
			c.last_activity_at DESC, c.id DESC`
	case inbox.SortWaitingSinceAsc:
		return "CASE WHEN c.waiting_since IS NULL THEN 1 ELSE 0 END, c.waiting_since ASC, c.id ASC"
	case inbox.SortWaitingSinceDesc:
		return "CASE WHEN c.waiting_since IS NULL THEN 1 ELSE 0 END, c.waiting_since DESC, c.id DESC"
	}
	return "c.id ASC"
}

// FindConversations lists conversations matching the filter.
func (tx *Tx) FindConversations(ctx context.Context, accountID int64, f inbox.ConversationFilter) ([]*inbox.Conversation, int, error) {
	w := tx.conversationWhere(accountID, f, true)
	order := ""
	if f.Sort != "" {
		order = conversationOrder(f.Sort)
	}
	q, args, c := pageQuery(w, conversationColumns, "conversations c", "c.id", order, f.Page)
	convs, total, err := list(ctx, tx, q, args, c, scanConversation)
	if err != nil || len(convs) == 0 {
		return convs, total, err
	}
	if err := tx.fillLabels(ctx, accountID, convs); err != nil {
		return nil, 0, err
	}
	return convs, total, nil
}

// fillLabels loads the labels of conversations.
func (tx *Tx) fillLabels(ctx context.Context, accountID int64, convs []*inbox.Conversation) error {
	ids := make([]int64, len(convs))
	for i, c := range convs {
		ids[i] = c.ID
	}
	labels, err := tx.findLabels(ctx, accountID, ids)
	if err != nil {
		return err
	}
	for _, c := range convs {
		c.Labels = labels[c.ID]
	}
	return nil
}

// CountConversations returns the Chatwoot list counters.
func (tx *Tx) CountConversations(ctx context.Context, accountID int64, f inbox.ConversationFilter, mineHostID int64) (inbox.ConversationCounts, error) {
	w := tx.conversationWhere(accountID, f, false)
	var n inbox.ConversationCounts
	err := tx.queryRow(ctx, `
		SELECT
			COUNT(*),
			COALESCE(SUM(CASE WHEN c.assignee_id = ? THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN c.assignee_id IS NULL THEN 1 ELSE 0 END), 0)
		FROM conversations c
		WHERE `+w.sql(), append([]any{mineHostID}, w.args...)...).Scan(&n.All, &n.Mine, &n.Unassigned)
	return n, err
}

// UpdateConversation changes a conversation and returns it.
func (tx *Tx) UpdateConversation(ctx context.Context, accountID, id int64, u inbox.ConversationUpdate) (*inbox.Conversation, error) {
	if err := tx.PatchConversation(ctx, accountID, id, u); err != nil {
		return nil, err
	}
	return tx.FindConversationByID(ctx, accountID, id)
}

// PatchConversation changes a conversation.
func (tx *Tx) PatchConversation(ctx context.Context, accountID, id int64, u inbox.ConversationUpdate) error {
	s := &setList{}
	if u.Status != nil {
		s.set("status", *u.Status)
	}
	if u.SnoozedUntil != nil {
		s.set("snoozed_until", tsp(*u.SnoozedUntil))
	}
	if u.ClosedAt != nil {
		s.set("closed_at", tsp(*u.ClosedAt))
	}
	if u.AssigneeID != nil {
		s.set("assignee_id", *u.AssigneeID)
	}
	if u.ClientID != nil {
		s.set("client_id", *u.ClientID)
	}
	if u.DefaultChannel != nil {
		s.set("default_channel", *u.DefaultChannel)
	}
	if u.Priority != nil {
		s.set("priority", *u.Priority)
	}
	if u.MarkedAsSpamAt != nil {
		s.set("marked_as_spam_at", tsp(*u.MarkedAsSpamAt))
	}
	if u.CustomAttributes != nil {
		s.set("custom_attributes", jsonText(*u.CustomAttributes))
	}
	if u.AdditionalAttributes != nil {
		s.set("additional_attributes", jsonText(*u.AdditionalAttributes))
	}
	if u.LastMessageAt != nil {
		s.set("last_message_at", tsp(*u.LastMessageAt))
	}
	if u.LastActivityAt != nil {
		s.set("last_activity_at", ts(*u.LastActivityAt))
	}
	if u.WaitingSince != nil {
		s.set("waiting_since", tsp(*u.WaitingSince))
	}
	if u.FirstReplyCreatedAt != nil {
		s.set("first_reply_created_at", tsp(*u.FirstReplyCreatedAt))
	}
	if len(s.cols) == 0 && !u.Touch {
		_, err := tx.FindConversationByID(ctx, accountID, id) // still ENOTFOUND for a foreign id
		return err
	}
	s.set("updated_at", ts(tx.now))
	res, err := tx.exec(ctx, `UPDATE conversations SET `+s.sql()+` WHERE account_id = ? AND id = ?`,
		append(s.args, accountID, id)...)
	return affected(res, err, "Conversation")
}

// SetConversationLabels replaces the labels of a conversation.
func (tx *Tx) SetConversationLabels(ctx context.Context, accountID, id int64, labels []string) error {
	if err := tx.exists(ctx, "conversations", "Conversation", accountID, id); err != nil {
		return err
	}
	return tx.setLabels(ctx, accountID, id, labels)
}

func (tx *Tx) setLabels(ctx context.Context, accountID, id int64, labels []string) error {
	if _, err := tx.exec(ctx, `DELETE FROM conversation_labels WHERE account_id = ? AND conversation_id = ?`, accountID, id); err != nil {
		return err
	}
	seen := map[string]bool{}
	pos := 0
	for _, l := range labels {
		if seen[l] {
			continue
		}
		seen[l] = true
		pos++
		if _, err := tx.exec(ctx, `
			INSERT INTO conversation_labels (account_id, conversation_id, position, label)
			VALUES (?, ?, ?, ?)`, accountID, id, pos, l); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) findLabels(ctx context.Context, accountID int64, ids []int64) (map[int64][]string, error) {
	rows, err := tx.query(ctx, `
		SELECT conversation_id, label
		FROM conversation_labels
		WHERE account_id = ? AND conversation_id IN (`+placeholders(len(ids))+`)
		ORDER BY conversation_id, position`, append([]any{accountID}, int64Args(ids)...)...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64][]string, len(ids))
	for rows.Next() {
		var id int64
		var l string
		if err := rows.Scan(&id, &l); err != nil {
			return nil, err
		}
		out[id] = append(out[id], l)
	}
	return out, rows.Err()
}

// DeleteConversation removes a conversation and what hangs off it, leaving
// tombstones so BookingSync's updated_since can report the deletions.
func (tx *Tx) DeleteConversation(ctx context.Context, accountID, id int64) error {
	now := ts(tx.now)
	steps := []struct{ q string }{
		{`INSERT INTO tombstones (account_id, resource, record_id, deleted_at)
			SELECT account_id, 'messages', id, ? FROM messages WHERE account_id = ? AND conversation_id = ?
			ON CONFLICT (account_id, resource, record_id) DO NOTHING`},
		{`INSERT INTO tombstones (account_id, resource, record_id, deleted_at)
			SELECT account_id, 'participants', id, ? FROM participants WHERE account_id = ? AND conversation_id = ?
			ON CONFLICT (account_id, resource, record_id) DO NOTHING`},
		{`INSERT INTO tombstones (account_id, resource, record_id, deleted_at)
			SELECT account_id, 'conversations', id, ? FROM conversations WHERE account_id = ? AND id = ?
			ON CONFLICT (account_id, resource, record_id) DO NOTHING`},
	}
	for _, st := range steps {
		if _, err := tx.exec(ctx, st.q, now, accountID, id); err != nil {
			return err
		}
	}
	// The attachments only these messages use go with them.
	ofConversation := `SELECT id FROM messages WHERE account_id = ? AND conversation_id = ?`
	if _, err := tx.exec(ctx, fmt.Sprintf(retireAttachmentsSQL, ofConversation), now, now, accountID, accountID, accountID, id,
		accountID, id); err != nil {
		return err
	}
	if _, err := tx.exec(ctx, `DELETE FROM message_attachments WHERE account_id = ? AND message_id IN (`+ofConversation+`)`,
		accountID, accountID, id); err != nil {
		return err
	}
	for _, q := range []string{
		`DELETE FROM messages WHERE account_id = ? AND conversation_id = ?`,
		`DELETE FROM participants WHERE account_id = ? AND conversation_id = ?`,
		`DELETE FROM conversation_labels WHERE account_id = ? AND conversation_id = ?`,
		`DELETE FROM conversation_bookings WHERE account_id = ? AND conversation_id = ?`,
		`UPDATE inquiries SET conversation_id = NULL WHERE account_id = ? AND conversation_id = ?`,
	} {
		if _, err := tx.exec(ctx, q, accountID, id); err != nil {
			return err
		}
	}
	res, err := tx.exec(ctx, `DELETE FROM conversations WHERE account_id = ? AND id = ?`, accountID, id)
	return affected(res, err, "Conversation")
}

// ConnectBooking links a booking to a conversation (idempotent).
func (tx *Tx) ConnectBooking(ctx context.Context, accountID, conversationID, bookingID int64) error {
	if err := tx.exists(ctx, "conversations", "Conversation", accountID, conversationID); err != nil {
		return err
	}
	if err := tx.exists(ctx, "bookings", "Booking", accountID, bookingID); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `
		INSERT INTO conversation_bookings (account_id, conversation_id, booking_id) VALUES (?, ?, ?)
		ON CONFLICT (account_id, conversation_id, booking_id) DO NOTHING`, accountID, conversationID, bookingID)
	return err
}

// DisconnectBooking unlinks a booking from a conversation (idempotent).
func (tx *Tx) DisconnectBooking(ctx context.Context, accountID, conversationID, bookingID int64) error {
	_, err := tx.exec(ctx, `DELETE FROM conversation_bookings WHERE account_id = ? AND conversation_id = ? AND booking_id = ?`,
		accountID, conversationID, bookingID)
	return err
}

// FindConversationLinks returns the ids linked to each conversation.
func (tx *Tx) FindConversationLinks(ctx context.Context, accountID int64, ids []int64) (map[int64]*inbox.ConversationLinks, error) {
	out := make(map[int64]*inbox.ConversationLinks, len(ids))
	for _, id := range ids {
		out[id] = &inbox.ConversationLinks{BookingIDs: []int64{}, InquiryIDs: []int64{}, MessageIDs: []int64{}, ParticipantIDs: []int64{}}
	}
	if len(ids) == 0 {
		return out, nil
	}
	// One statement for the four kinds of links: a round trip each was most
	// of the cost of rendering a conversation.
	in := placeholders(len(ids))
	var args []any
	for i := 0; i < 4; i++ {
		args = append(append(args, accountID), int64Args(ids)...)
	}
	rows, err := tx.query(ctx, `
		SELECT 0, conversation_id, booking_id FROM conversation_bookings
		WHERE account_id = ? AND conversation_id IN (`+in+`)
		UNION ALL
		SELECT 1, conversation_id, id FROM inquiries
		WHERE account_id = ? AND conversation_id IN (`+in+`)
		UNION ALL
		SELECT 2, conversation_id, id FROM messages
		WHERE account_id = ? AND conversation_id IN (`+in+`) AND kind <> `+sqlKindActivity+`
		UNION ALL
		SELECT 3, conversation_id, id FROM participants
		WHERE account_id = ? AND conversation_id IN (`+in+`)
		ORDER BY 1, 3`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var kind int
		var c, v int64
		if err := rows.Scan(&kind, &c, &v); err != nil {
			return nil, err
		}
		l := out[c]
		if l == nil {
			continue
		}
		switch kind {
		case 0:
			l.BookingIDs = append(l.BookingIDs, v)
		case 1:
			l.InquiryIDs = append(l.InquiryIDs, v)
		case 2:
			l.MessageIDs = append(l.MessageIDs, v)
		case 3:
			l.ParticipantIDs = append(l.ParticipantIDs, v)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// exists returns ENOTFOUND unless the account has a row with that id in
// table. Methods that write link rows check first: the foreign keys alone
// would accept another account's record, and the stray row would then block
// that account from deleting it.
func (tx *Tx) exists(ctx context.Context, table, kind string, accountID, id int64) error {
	var n int
	if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM `+table+` WHERE account_id = ? AND id = ?`, accountID, id).Scan(&n); err != nil {
		return err
	} else if n == 0 {
		return inbox.NotFound(kind)
	}
	return nil
}

// pairs runs a query selecting two integer columns and calls fn for each row.
func (tx *Tx) pairs(ctx context.Context, q string, args []any, fn func(a, b int64)) error {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a, b int64
		if err := rows.Scan(&a, &b); err != nil {
			return err
		}
		fn(a, b)
	}
	return rows.Err()
}

// FindConversationStats computes read state and unread counters.
func (tx *Tx) FindConversationStats(ctx context.Context, accountID int64, ids []int64) (map[int64]*inbox.ConversationStats, error) {
	out := make(map[int64]*inbox.ConversationStats, len(ids))
	for _, id := range ids {
		out[id] = &inbox.ConversationStats{}
	}
	if len(ids) == 0 {
		return out, nil
	}
	in := placeholders(len(ids))
	args := append(append(append([]any{accountID}, int64Args(ids)...), accountID), int64Args(ids)...)
	// One statement: read state from the participants, and the unread count
	// (incoming messages after the newest host read).
	rows, err := tx.query(ctx, `
		SELECT
			c.id,
			(SELECT MAX(p.read_at) FROM participants p WHERE p.account_id = c.account_id AND p.conversation_id = c.id AND p.member_type = `+sqlMemberClient+`),
			h.read_at,
			(SELECT MAX(p.read_at) FROM participants p WHERE p.account_id = c.account_id AND p.conversation_id = c.id AND p.member_type = `+sqlMemberHost+` AND p.member_id = c.assignee_id),
			(SELECT MAX(m.created_at) FROM messages m WHERE m.account_id = c.account_id AND m.conversation_id = c.id AND m.kind = `+sqlKindIncoming+`),
			(SELECT COUNT(*) FROM messages m WHERE m.account_id = c.account_id AND m.conversation_id = c.id AND m.kind = `+sqlKindIncoming+`
				AND m.created_at > COALESCE(h.read_at, -1))
		FROM conversations c
		LEFT JOIN (
			SELECT p.conversation_id, MAX(p.read_at) AS read_at
			FROM participants p
			WHERE p.account_id = ? AND p.conversation_id IN (`+in+`) AND p.member_type = `+sqlMemberHost+`
			GROUP BY p.conversation_id
		) h ON h.conversation_id = c.id
		WHERE c.account_id = ? AND c.id IN (`+in+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var client, host, assignee, incoming sql.NullInt64
		var unread int
		if err := rows.Scan(&id, &client, &host, &assignee, &incoming, &unread); err != nil {
			return nil, err
		}
		st := out[id]
		st.ClientReadAt, st.HostReadAt, st.AssigneeReadAt = fromNullTS(client), fromNullTS(host), fromNullTS(assignee)
		st.LastIncomingAt = fromNullTS(incoming)
		st.UnreadCount = unread
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

func stringArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}
