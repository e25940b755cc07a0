package inbox

import (
	"strings"
	"unicode"
)

// SearchFilter is a full-text search of one account: every word of Query
// must occur (each word matches a word that starts with it), and the best
// matches come first.
type SearchFilter struct {
	Query string
	// InboxIDs restricts results to conversations of these inboxes (an
	// agent's); nil means every inbox.
	InboxIDs []int64
	Page     Page
}

// SearchTerms splits a search query into the words a full-text index holds:
// runs of letters and digits (the engines fold case themselves). Each query
// word yields a group of terms that must follow one another
// ("jane@example.com" → jane, example, com). Empty groups are dropped; at
// most 16 groups of 8 terms are kept, each term cut to 64 bytes.
func SearchTerms(q string) [][]string {
	var out [][]string
	for _, word := range strings.Fields(q) {
		var group []string
		for _, t := range strings.FieldsFunc(word, func(r rune) bool {
			return !unicode.IsLetter(r) && !unicode.IsNumber(r)
		}) {
			if len(group) < 8 {
				group = append(group, cutRunes(t, 64))
			}
		}
		if len(group) > 0 && len(out) < 16 {
			out = append(out, group)
		}
	}
	return out
}

// cutRunes shortens s to at most n bytes without splitting a rune.
func cutRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := 0
	for i := range s {
		if i > n {
			break
		}
		cut = i
	}
	return s[:cut]
}
