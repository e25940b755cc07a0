package sqlstore

import (
	"context"
	"strconv"

	inbox "github.com/inboxd/inbox"
)

// searchPage renders a page of a search as literals (see pageQuery).
func searchPage(p inbox.Page) string {
	limit := p.Limit
	if limit <= 0 {
		limit = 15
	}
	return " LIMIT " + strconv.Itoa(limit) + " OFFSET " + strconv.Itoa(max(0, p.Offset))
}

// inboxRestriction narrows conversations (alias c) to f's inboxes.
func inboxRestriction(f inbox.SearchFilter) (string, []any) {
	if f.InboxIDs == nil {
		return "", nil
	}
	return " AND c.inbox_id IN (" + placeholders(len(f.InboxIDs)) + ")", int64Args(f.InboxIDs)
}

// SearchMessages returns the account's non-activity messages matching the
// query, best match first (newest first among equals).
func (tx *Tx) SearchMessages(ctx context.Context, accountID int64, f inbox.SearchFilter) ([]*inbox.Message, error) {
	groups := inbox.SearchTerms(f.Query)
	if len(groups) == 0 {
		return nil, nil
	}
	hits, args := dialectSearch(tx.engine, "messages", accountID, groups)
	inboxes, inboxArgs := inboxRestriction(f)
	q := `SELECT ` + messageColumns + `
		FROM (` + hits + `) s
		JOIN messages m ON m.id = s.hit_id
		JOIN conversations c ON c.id = m.conversation_id
		WHERE m.account_id = ? AND c.account_id = ? AND m.kind <> 'activity'` + inboxes + `
		ORDER BY s.score, m.id DESC` + searchPage(f.Page)
	args = append(append(args, accountID, accountID), inboxArgs...)
	msgs, _, err := list(ctx, tx, q, args, "", nil, scanMessage)
	if err != nil {
		return nil, err
	}
	return msgs, tx.loadMessageAttachments(ctx, accountID, msgs)
}

// SearchClients returns the account's clients matching the query, best match
// first.
func (tx *Tx) SearchClients(ctx context.Context, accountID int64, f inbox.SearchFilter) ([]*inbox.Client, error) {
	groups := inbox.SearchTerms(f.Query)
	if len(groups) == 0 {
		return nil, nil
	}
	hits, args := dialectSearch(tx.engine, "clients", accountID, groups)
	q := `SELECT ` + clientColumns + `
		FROM (` + hits + `) s
		JOIN clients ON clients.id = s.hit_id
		WHERE clients.account_id = ?
		ORDER BY s.score, clients.id DESC` + searchPage(f.Page)
	out, _, err := list(ctx, tx, q, append(args, accountID), "", nil, scanClient)
	return out, err
}

// SearchConversations returns the account's conversations that hold an
// incoming or outgoing message matching the query, whose contact matches it,
// or whose display id is the query, best match first: a display id first,
// then by the best message or contact match, then by newest activity.
func (tx *Tx) SearchConversations(ctx context.Context, accountID int64, f inbox.SearchFilter) ([]*inbox.Conversation, error) {
	groups := inbox.SearchTerms(f.Query)
	var parts []string
	var args []any
	if len(groups) > 0 {
		msgs, a := dialectSearch(tx.engine, "messages", accountID, groups)
		parts = append(parts, `SELECT m.conversation_id AS cid, s.score AS score FROM (`+msgs+`) s
			JOIN messages m ON m.id = s.hit_id WHERE m.account_id = ? AND m.kind IN ('incoming', 'outgoing')`)
		args = append(append(args, a...), accountID)
		clients, a := dialectSearch(tx.engine, "clients", accountID, groups)
		parts = append(parts, `SELECT c.id AS cid, s.score AS score FROM (`+clients+`) s
			JOIN conversations c ON c.client_id = s.hit_id WHERE c.account_id = ?`)
		args = append(append(args, a...), accountID)
	}
	if n, err := strconv.ParseInt(f.Query, 10, 64); err == nil && n > 0 {
		parts = append(parts, `SELECT id AS cid, -1000000000.0 AS score FROM conversations WHERE account_id = ? AND display_id = ?`)
		args = append(args, accountID, n)
	}
	if len(parts) == 0 {
		return nil, nil
	}
	hits := parts[0]
	for _, p := range parts[1:] {
		hits += " UNION ALL " + p
	}
	inboxes, inboxArgs := inboxRestriction(f)
	q := `SELECT ` + conversationColumns + `
		FROM (SELECT h.cid, MIN(h.score) AS score FROM (` + hits + `) h GROUP BY h.cid) b
		JOIN conversations c ON c.id = b.cid
		WHERE c.account_id = ?` + inboxes + `
		ORDER BY b.score, c.last_activity_at DESC, c.id DESC` + searchPage(f.Page)
	args = append(append(args, accountID), inboxArgs...)
	convs, _, err := list(ctx, tx, q, args, "", nil, scanConversation)
	if err != nil || len(convs) == 0 {
		return convs, err
	}
	return convs, tx.fillLabels(ctx, accountID, convs)
}
