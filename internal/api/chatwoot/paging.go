package chatwoot

import (
	"strconv"
	"strings"

	inbox "github.com/inboxd/inbox"
)

// Page sizes of Chatwoot's listings.
const (
	conversationsPerPage = 25
	messagesNewest       = 20   // no cursor, or before=
	messagesAfter        = 100  // after=
	messagesBetween      = 1000 // after= and before=
	// updatedWithinLimit bounds the "unpaginated" updated_within listing.
	updatedWithinLimit = 1000
)

// conversationPage reads the 1-based page parameter (25 per page).
func conversationPage(p *params) (inbox.Page, error) {
	pg, _, err := pageOf(p, conversationsPerPage)
	return pg, err
}

// pageOf reads the 1-based page parameter of a listing of perPage records
// and returns the page and its number. A page below 1 is the first page, as
// Kaminari treats it.
func pageOf(p *params, perPage int) (inbox.Page, int, error) {
	s, err := p.str("page")
	if err != nil {
		return inbox.Page{}, 0, err
	}
	n := 1
	if s = strings.TrimSpace(s); s != "" {
		if n, err = strconv.Atoi(s); err != nil {
			return inbox.Page{}, 0, inbox.FieldError("page", inbox.MsgInvalid)
		}
	}
	if n < 1 {
		n = 1
	}
	// A page so deep that its offset would overflow holds nothing; stop
	// where BookingSync's paging stops too.
	n = min(n, (1<<31-1)/perPage)
	return inbox.Page{Offset: (n - 1) * perPage, Limit: perPage}, n, nil
}

// messageWindow maps before/after to a message filter (Chatwoot's
// MessageFinder): the newest 20; the 20 before an id; the 100 after an id;
// or, with both, after (inclusive) to before (exclusive), up to 1000.
// Results are always oldest first.
func messageWindow(p *params, f *inbox.MessageFilter) error {
	before, err := p.id("before")
	if err != nil {
		return err
	}
	after, err := p.id("after")
	if err != nil {
		return err
	}
	switch {
	case before != nil && after != nil:
		f.AfterID, f.BeforeID = *after-1, *before
		f.Page.Limit = messagesBetween
	case after != nil:
		f.AfterID = *after
		f.Page.Limit = messagesAfter
	case before != nil:
		f.BeforeID, f.Newest = *before, true
		f.Page.Limit = messagesNewest
	default:
		f.Newest = true
		f.Page.Limit = messagesNewest
	}
	return nil
}
