package webhook

import (
	"os"
	"strings"
	"testing"
)

// The test vectors of the specs (spec/bookingsync-v3.md §11, the Chatwoot
// examples' README).
func TestSignBookingSync(t *testing.T) {
	secret := []byte("36ed189dd28fd9576d7745c74fac7d4c1bfa03da37d6e5d7a667b67f6e8d16ed")
	if got, want := string(mimeBase64([]byte("foo"))), "Zm9v\n"; got != want {
		t.Fatalf("mimeBase64(foo)=%q, want %q", got, want)
	}
	if got, want := SignBookingSync(secret, []byte("foo")), "9141f44bfaa6a41812e4e9655ffd02d3c927ac5e"; got != want {
		t.Fatalf("signature=%s, want %s", got, want)
	}
	if got := string(mimeBase64(nil)); got != "" {
		t.Fatalf("mimeBase64(empty)=%q, want empty", got)
	}
	// 45 bytes make exactly one 60-character line; 46 start a second.
	for n, lines := range map[int]int{45: 1, 46: 2, 90: 2, 91: 3} {
		enc := string(mimeBase64([]byte(strings.Repeat("x", n))))
		if got := strings.Count(enc, "\n"); got != lines || !strings.HasSuffix(enc, "\n") {
			t.Errorf("%d bytes: %d lines in %q, want %d, each ending in a newline", n, got, enc, lines)
		}
		for _, l := range strings.Split(strings.TrimSuffix(enc, "\n"), "\n") {
			if len(l) > 60 {
				t.Errorf("%d bytes: line of %d characters", n, len(l))
			}
		}
	}
}

func TestSignChatwoot(t *testing.T) {
	body, err := os.ReadFile("../api/chatwoot/testdata/webhook-message-created.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(body) != 3236 {
		t.Fatalf("example body has %d bytes, want 3236", len(body))
	}
	got := SignChatwoot([]byte("whsec_example_5f2c9a"), 1717236101, body)
	if want := "sha256=2fc889e665d23c6960e4d31ce1a570d454c1a1695b5f3fa521ab5c362480fc74"; got != want {
		t.Fatalf("signature=%s, want %s", got, want)
	}
}
