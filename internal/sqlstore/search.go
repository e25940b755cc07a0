package sqlstore

import (
	"cmp"
	"context"
	"slices"
	"strconv"

	inbox "github.com/inboxd/inbox"
)

// Searches take the newest inbox.SearchCandidates matches the index finds,
// rank them with inbox.SearchRank and read the page's rows.

// candidateLimit bounds a candidate query.
var candidateLimit = " LIMIT " + strconv.Itoa(inbox.SearchCandidates)

// inboxRestriction narrows conversations (alias c) to f's inboxes.
func inboxRestriction(f inbox.SearchFilter) (string, []any) {
	if f.InboxIDs == nil {
		return "", nil
	}
	return " AND c.inbox_id IN (" + placeholders(len(f.InboxIDs)) + ")", int64Args(f.InboxIDs)
}

// pageOf returns the ids of a page of ranked ids.
func pageOf(ranked []int64, p inbox.Page) []int64 {
	limit := p.Limit
	if limit <= 0 {
		limit = 15
	}
	start := min(max(p.Offset, 0), len(ranked))
	return ranked[start:min(start+limit, len(ranked))]
}

// inOrder returns the records of ids found in byID, in the order of ids.
func inOrder[T any](ids []int64, byID map[int64]T) []T {
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			out = append(out, r)
		}
	}
	return out
}

// messageCandidates returns the newest matching messages that meet kinds (a
// condition on m.kind), in conversations of f's inboxes, as docs of their
// content, with the conversation of each.
func (tx *Tx) messageCandidates(ctx context.Context, accountID int64, groups [][]string, f inbox.SearchFilter,
	kinds string) ([]inbox.SearchDoc, map[int64]int64, error) {
	s := dialectSearch(tx.engine, "messages", "m", accountID, groups)
	inboxes, inboxArgs := inboxRestriction(f)
	rows, err := tx.query(ctx, `SELECT m.id, m.conversation_id, m.content
		FROM `+s.from+` JOIN conversations c ON c.id = m.conversation_id
		WHERE `+s.where+` AND c.account_id = ? AND `+kinds+inboxes+`
		ORDER BY `+s.newest+candidateLimit, append(append(s.args, accountID), inboxArgs...)...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var docs []inbox.SearchDoc
	conv := map[int64]int64{}
	for rows.Next() {
		var id, convID int64
		var content string
		if err := rows.Scan(&id, &convID, &content); err != nil {
			return nil, nil, err
		}
		docs = append(docs, inbox.SearchDoc{ID: id, Fields: []string{content}})
		conv[id] = convID
	}
	return docs, conv, rows.Err()
}

// messageWeights: a message has one field, its content.
var messageWeights = []float64{1}

// SearchMessages returns a page of the account's non-activity messages
// matching the query, best match first (newest first among equals).
func (tx *Tx) SearchMessages(ctx context.Context, accountID int64, f inbox.SearchFilter) ([]*inbox.Message, error) {
	groups := inbox.SearchTerms(f.Query)
	if len(groups) == 0 {
		return nil, nil
	}
	docs, _, err := tx.messageCandidates(ctx, accountID, groups, f, "m.kind <> "+sqlKindActivity)
	if err != nil || len(docs) == 0 {
		return nil, err
	}
	page := pageOf(inbox.SearchRank(groups, docs, messageWeights), f.Page)
	if len(page) == 0 {
		return nil, nil
	}
	msgs, _, err := list(ctx, tx, `SELECT `+messageColumns+` FROM messages m WHERE m.account_id = ? AND m.id IN (`+
		placeholders(len(page))+`)`, append([]any{accountID}, int64Args(page)...), count{}, scanMessage)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*inbox.Message, len(msgs))
	for _, m := range msgs {
		byID[m.ID] = m
	}
	msgs = inOrder(page, byID)
	return msgs, tx.loadMessageAttachments(ctx, accountID, msgs)
}

// clientWeights rank a name match above one in the e-mail, phone number or
// identifier.
var clientWeights = []float64{2, 1, 1, 1}

// clientCandidates returns the account's newest clients matching groups,
// and their docs: the fields the index holds (the phone number also as its
// digits).
func (tx *Tx) clientCandidates(ctx context.Context, accountID int64, groups [][]string) (map[int64]*inbox.Client, []inbox.SearchDoc, error) {
	s := dialectSearch(tx.engine, "clients", "clients", accountID, groups)
	cs, _, err := list(ctx, tx, `SELECT `+clientColumns+` FROM clients WHERE id IN (
		SELECT clients.id FROM `+s.from+` WHERE `+s.where+` ORDER BY `+s.newest+candidateLimit+`)`, s.args, count{}, scanClient)
	if err != nil {
		return nil, nil, err
	}
	byID := make(map[int64]*inbox.Client, len(cs))
	docs := make([]inbox.SearchDoc, len(cs))
	for i, c := range cs {
		byID[c.ID] = c
		docs[i] = inbox.SearchDoc{ID: c.ID, Fields: []string{c.Fullname + " " + c.Firstname + " " + c.Lastname, c.Email,
			c.Phone + " " + digits(c.Phone), c.Identifier}}
	}
	return byID, docs, nil
}

// digits keeps the digits of s.
func digits(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// SearchClients returns a page of the account's clients matching the query,
// best match first.
func (tx *Tx) SearchClients(ctx context.Context, accountID int64, f inbox.SearchFilter) ([]*inbox.Client, error) {
	groups := inbox.SearchTerms(f.Query)
	if len(groups) == 0 {
		return nil, nil
	}
	byID, docs, err := tx.clientCandidates(ctx, accountID, groups)
	if err != nil {
		return nil, err
	}
	return inOrder(pageOf(inbox.SearchRank(groups, docs, clientWeights), f.Page), byID), nil
}

// SearchConversations returns a page of the account's conversations (in f's
// inboxes) whose display id is the query, that hold an incoming or outgoing
// message matching it, or whose contact matches it: the display id first,
// then by their best-ranked message or contact, then by newest activity.
func (tx *Tx) SearchConversations(ctx context.Context, accountID int64, f inbox.SearchFilter) ([]*inbox.Conversation, error) {
	groups := inbox.SearchTerms(f.Query)
	inboxes, inboxArgs := inboxRestriction(f)
	// rank is a conversation's best position: its display id first, then
	// its messages' and its contact's places in their rankings (a message
	// and a contact at the same place tie).
	rank := map[int64]int64{}
	better := func(conv int64, r int64) {
		if old, ok := rank[conv]; !ok || r < old {
			rank[conv] = r
		}
	}
	if n, err := strconv.ParseInt(f.Query, 10, 64); err == nil && n > 0 {
		var id int64
		err := tx.queryRow(ctx, `SELECT c.id FROM conversations c WHERE c.account_id = ? AND c.display_id = ?`+inboxes,
			append([]any{accountID, n}, inboxArgs...)...).Scan(&id)
		if err == nil {
			better(id, -1)
		} else if err = notFound(err, "Conversation"); inbox.ErrorCode(err) != inbox.ENOTFOUND {
			return nil, err
		}
	}
	if len(groups) > 0 {
		docs, conv, err := tx.messageCandidates(ctx, accountID, groups, f, "m.kind IN ("+sqlKindIncoming+", "+sqlKindOutgoing+")")
		if err != nil {
			return nil, err
		}
		for i, id := range inbox.SearchRank(groups, docs, messageWeights) {
			better(conv[id], int64(i))
		}
		_, cdocs, err := tx.clientCandidates(ctx, accountID, groups)
		if err != nil {
			return nil, err
		}
		clientRank := inbox.SearchRank(groups, cdocs, clientWeights)
		if len(clientRank) > 0 {
			place := make(map[int64]int64, len(clientRank))
			for i, id := range clientRank {
				place[id] = int64(i)
			}
			rows, err := tx.query(ctx, `SELECT c.id, c.client_id FROM conversations c WHERE c.account_id = ? AND c.client_id IN (`+
				placeholders(len(clientRank))+`)`+inboxes+` ORDER BY c.id DESC`+candidateLimit,
				append(append([]any{accountID}, int64Args(clientRank)...), inboxArgs...)...)
			if err != nil {
				return nil, err
			}
			for rows.Next() {
				var id, client int64
				if err := rows.Scan(&id, &client); err != nil {
					rows.Close()
					return nil, err
				}
				better(id, place[client])
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
	}
	if len(rank) == 0 {
		return nil, nil
	}
	// Equal places go newest activity first: read each candidate's.
	ids := make([]int64, 0, len(rank))
	for id := range rank {
		ids = append(ids, id)
	}
	activity := make(map[int64]int64, len(ids))
	rows, err := tx.query(ctx, `SELECT id, last_activity_at FROM conversations WHERE account_id = ? AND id IN (`+
		placeholders(len(ids))+`)`, append([]any{accountID}, int64Args(ids)...)...)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var id, at int64
		if err := rows.Scan(&id, &at); err != nil {
			rows.Close()
			return nil, err
		}
		activity[id] = at
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sortConversationHits(ids, rank, activity)
	page := pageOf(ids, f.Page)
	if len(page) == 0 {
		return nil, nil
	}
	convs, _, err := list(ctx, tx, `SELECT `+conversationColumns+` FROM conversations c WHERE c.account_id = ? AND c.id IN (`+
		placeholders(len(page))+`)`, append([]any{accountID}, int64Args(page)...), count{}, scanConversation)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]*inbox.Conversation, len(convs))
	for _, c := range convs {
		byID[c.ID] = c
	}
	convs = inOrder(page, byID)
	return convs, tx.fillLabels(ctx, accountID, convs)
}

// sortConversationHits orders ids by rank, then newest activity, then
// highest id.
func sortConversationHits(ids []int64, rank, activity map[int64]int64) {
	slices.SortFunc(ids, func(a, b int64) int {
		return cmp.Or(cmp.Compare(rank[a], rank[b]), cmp.Compare(activity[b], activity[a]), cmp.Compare(b, a))
	})
}
