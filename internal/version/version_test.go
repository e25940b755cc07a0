package version_test

import (
	"runtime"
	"strings"
	"testing"

	"github.com/inboxd/inbox/internal/version"
)

func TestGet(t *testing.T) {
	i := version.Get()
	if i.GoVersion != runtime.Version() {
		t.Fatalf("go=%q, want %q", i.GoVersion, runtime.Version())
	}
	for name, v := range map[string]string{"version": i.Version, "commit": i.Commit, "date": i.Date} {
		if v == "" {
			t.Fatalf("%s is empty, want a value or unknown", name)
		}
	}
	if s := i.String(); !strings.HasPrefix(s, "inboxd "+i.Version+" (commit ") || !strings.Contains(s, i.GoVersion) {
		t.Fatalf("String()=%q", s)
	}
}
