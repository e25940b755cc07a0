package auth_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/inboxd/inbox/internal/auth"
)

func TestNewSecret(t *testing.T) {
	s1, h1 := auth.NewSecret()
	s2, _ := auth.NewSecret()
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(s1) {
		t.Fatalf("secret=%q, want 64 hex characters", s1)
	}
	if s1 == s2 {
		t.Fatal("two secrets are equal")
	}
	if !auth.Equal(s1, h1) {
		t.Fatal("Equal(secret, its hash)=false, want true")
	}
	if auth.Equal(s2, h1) {
		t.Fatal("Equal(other secret, hash)=true, want false")
	}
}

func TestNewUUID(t *testing.T) {
	u := auth.NewUUID()
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(u) {
		t.Fatalf("uuid=%q, want a version 4 UUID", u)
	}
}

// TestPasswordHash: passwords are stored as argon2id hashes (OWASP's
// parameters) in PHC format, salted, and verify only with the right
// password.
func TestPasswordHash(t *testing.T) {
	const pw = "correct horse battery staple"
	h := auth.HashPassword(pw)
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q, want argon2id with m=19456,t=2,p=1", h)
	}
	if again := auth.HashPassword(pw); again == h {
		t.Fatal("two hashes of one password are equal: no salt")
	}
	if ok, err := auth.VerifyPassword(pw, h); !ok || err != nil {
		t.Fatalf("right password: %v, %v", ok, err)
	}
	if ok, err := auth.VerifyPassword(pw+" ", h); ok || err != nil {
		t.Fatalf("wrong password: %v, %v", ok, err)
	}
	for _, bad := range []string{"", "plain", strings.Replace(h, "argon2id", "argon2i", 1), strings.Replace(h, "m=19456", "m=0", 1)} {
		if _, err := auth.VerifyPassword(pw, bad); err == nil {
			t.Errorf("malformed hash %q verified without an error", bad)
		}
	}
}
