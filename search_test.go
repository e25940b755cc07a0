package inbox_test

import (
	"fmt"
	"testing"

	inbox "github.com/inboxd/inbox"
)

func TestSearchTerms(t *testing.T) {
	for q, want := range map[string]string{
		"Keys  box":             "[[Keys] [box]]",
		"jane@example.com":      "[[jane example com]]",
		`"*:()^- `:              "[]",
		"+1 (555) 123-4567":     "[[1] [555] [123 4567]]",
		"Émile":                 "[[Émile]]",
		"a b c d e f g h i j k": "[[a] [b] [c] [d] [e] [f] [g] [h] [i] [j] [k]]",
	} {
		if got := fmt.Sprint(inbox.SearchTerms(q)); got != want {
			t.Errorf("SearchTerms(%q)=%s, want %s", q, got, want)
		}
	}
}

func TestSearchRank(t *testing.T) {
	doc := func(id int64, fields ...string) inbox.SearchDoc { return inbox.SearchDoc{ID: id, Fields: fields} }
	for _, tc := range []struct {
		name    string
		query   string
		docs    []inbox.SearchDoc
		weights []float64
		want    string
	}{
		// More occurrences in fewer words rank first.
		{"Frequency", "keys", []inbox.SearchDoc{doc(1, "Where do I leave the keys after checkout?"),
			doc(2, "Keys: the keys box is left of the door.")}, []float64{1}, "[2 1]"},
		// Equal scores: the newer (higher id) first.
		{"TiesNewestFirst", "towels", []inbox.SearchDoc{doc(3, "towels please"), doc(9, "towels please"),
			doc(5, "towels please")}, []float64{1}, "[9 5 3]"},
		// Only the last word is a prefix: "key" is not "keys".
		{"LastWordPrefix", "key do", []inbox.SearchDoc{doc(1, "the key to the door"), doc(2, "keys keys keys do")},
			[]float64{1}, "[1 2]"},
		// Case folded; a group is a phrase.
		{"Phrase", "JANE@example", []inbox.SearchDoc{doc(1, "example jane"), doc(2, "mail jane@example.com")},
			[]float64{1}, "[2 1]"},
		// Field weights: a name match beats an e-mail match.
		{"Weights", "booker", []inbox.SearchDoc{doc(1, "Joe Smith", "joe@booker.example"), doc(2, "Jane Booker", "jane@mail.example")},
			[]float64{2, 1}, "[2 1]"},
		{"None", "x", nil, []float64{1}, "[]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := fmt.Sprint(inbox.SearchRank(inbox.SearchTerms(tc.query), tc.docs, tc.weights)); got != tc.want {
				t.Fatalf("ranked %s, want %s", got, tc.want)
			}
		})
	}
}
