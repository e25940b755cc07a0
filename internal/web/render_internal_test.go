package web

import (
	"strings"
	"testing"
)

func TestExcerpt(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"short  text\n\nhere", 20, "short text here"},
		{"ééééé", 3, "ééé…"},
		{strings.Repeat("é", 100), 10, strings.Repeat("é", 10) + "…"},
		{"a" + strings.Repeat(" ", 100) + "b", 5, "a…"}, // cut inside the spaces: said so
	} {
		if got := excerpt(c.in, c.n); got != c.want {
			t.Errorf("excerpt(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
