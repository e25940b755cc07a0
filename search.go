package inbox

import (
	"sort"
	"strings"
	"unicode"
)

// SearchFilter is a full-text search of one account: every word of Query
// must occur, the last one as the start of a word (as it is being typed),
// and the best matches come first.
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

// SearchCandidates is how many of the newest matches a search ranks: a
// match older than that many newer ones is not found (Chatwoot searches the
// last three months only). It bounds the work of a search whatever the
// account's size and however common its words.
const SearchCandidates = 1000

// SearchDoc is a matching record to rank: its id and the text of each of
// its fields, in the order of the weights SearchRank is given.
type SearchDoc struct {
	ID     int64
	Fields []string
}

// SearchRank orders docs by how well they match the query's groups, best
// first, newer (higher id) first among equals, and returns their ids. A
// field scores as BM25 does without the inverse document frequency (every
// doc holds every group): each group's occurrences (its words in a row, the
// last one as a word prefix when the group is the query's last), saturated
// (k1 = 1.2) and divided by the field's length relative to its average over
// docs (b = 0.75), times the field's weight. The ranking is the same on both
// engines, since only the matching is theirs.
func SearchRank(groups [][]string, docs []SearchDoc, weights []float64) []int64 {
	const k1, b = 1.2, 0.75
	lower := make([][]string, len(groups))
	for i, g := range groups {
		lower[i] = make([]string, len(g))
		for j, t := range g {
			lower[i][j] = strings.ToLower(t)
		}
	}
	words := make([][][]string, len(docs))
	avg := make([]float64, len(weights))
	for i, d := range docs {
		words[i] = make([][]string, len(weights))
		for f := range weights {
			if f < len(d.Fields) {
				words[i][f] = searchWords(d.Fields[f])
			}
			avg[f] += float64(len(words[i][f]))
		}
	}
	for f := range avg {
		avg[f] = max(avg[f]/float64(max(len(docs), 1)), 1)
	}
	type scored struct {
		id    int64
		score float64
	}
	out := make([]scored, len(docs))
	for i, d := range docs {
		out[i].id = d.ID
		for f, w := range weights {
			norm := k1 * (1 - b + b*float64(len(words[i][f]))/avg[f])
			for gi, g := range lower {
				if tf := float64(occurrences(words[i][f], g, gi == len(lower)-1)); tf > 0 {
					out[i].score += w * tf * (k1 + 1) / (tf + norm)
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].score != out[j].score {
			return out[i].score > out[j].score
		}
		return out[i].id > out[j].id
	})
	ids := make([]int64, len(out))
	for i, o := range out {
		ids[i] = o.id
	}
	return ids
}

// searchWords splits a text into lower-cased runs of letters and digits, as
// the indexes do.
func searchWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
}

// occurrences counts where the group's words follow one another in words;
// with prefix, the group's last word may start a longer word.
func occurrences(words, group []string, prefix bool) int {
	n, last := 0, len(group)-1
	for i := 0; i+last < len(words); i++ {
		match := true
		for k, t := range group {
			w := words[i+k]
			if k == last && prefix {
				match = strings.HasPrefix(w, t)
			} else {
				match = w == t
			}
			if !match {
				break
			}
		}
		if match {
			n++
		}
	}
	return n
}
