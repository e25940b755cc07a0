package app

import (
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/secret"
)

func TestLinks(t *testing.T) {
	key, _ := secret.Generate()
	a := New(Deps{Secret: key, FileLinkTTL: 7 * 24 * time.Hour})
	att := &inbox.Attachment{AccountID: 3, ID: 14, FileKey: strings.Repeat("ab", 32)}
	a.signLink(att)
	token := att.URLToken
	exp, _, _ := strings.Cut(token, ".")
	now := time.Now()

	t.Run("ValidForTheTTL", func(t *testing.T) {
		for _, at := range []time.Time{now, now.Add(7*24*time.Hour - time.Minute)} {
			if err := a.checkLink(att, token, at); err != nil {
				t.Fatalf("at %v: %v", at, err)
			}
		}
	})
	t.Run("RoundedToADay", func(t *testing.T) {
		expires := time.Unix(mustInt(t, exp), 0).UTC()
		if expires.Hour() != 0 || expires.Minute() != 0 || expires.Second() != 0 {
			t.Fatalf("expires=%v, want a whole day", expires)
		}
		if d := expires.Sub(now); d < 7*24*time.Hour || d > 8*24*time.Hour {
			t.Fatalf("expires in %v, want 7 to 8 days", d)
		}
		again := *att
		a.signLink(&again)
		if again.URLToken != token {
			t.Fatal("signing twice in a day gave two links")
		}
	})
	t.Run("ErrExpired", func(t *testing.T) {
		if err := a.checkLink(att, token, now.Add(8*24*time.Hour)); err != ErrLinkExpired {
			t.Fatalf("err=%v, want ErrLinkExpired", err)
		}
	})
	t.Run("ErrOtherRecord", func(t *testing.T) {
		for name, other := range map[string]inbox.Attachment{
			"account": {AccountID: 4, ID: 14, FileKey: att.FileKey},
			"id":      {AccountID: 3, ID: 15, FileKey: att.FileKey},
			"content": {AccountID: 3, ID: 14, FileKey: strings.Repeat("cd", 32)},
		} {
			if err := a.checkLink(&other, token, now); inbox.ErrorCode(err) != inbox.ENOTFOUND {
				t.Fatalf("other %s: err=%v, want not found", name, err)
			}
		}
	})
	t.Run("ErrOtherKey", func(t *testing.T) {
		other, _ := secret.Generate()
		b := New(Deps{Secret: other})
		if err := b.checkLink(att, token, now); inbox.ErrorCode(err) != inbox.ENOTFOUND {
			t.Fatalf("err=%v, want not found", err)
		}
	})
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, c := range s {
		if c < '0' || c > '9' {
			t.Fatalf("%q is not a number", s)
		}
		n = n*10 + int64(c-'0')
	}
	return n
}
