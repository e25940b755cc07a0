package auth_test

import (
	"regexp"
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
