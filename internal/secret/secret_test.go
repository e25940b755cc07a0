package secret_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/inboxd/inbox/internal/secret"
)

func TestParse(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, secret.Size)
	want, err := secret.New(raw)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OK", func(t *testing.T) {
		for _, text := range []string{
			hex.EncodeToString(raw),
			strings.ToUpper(hex.EncodeToString(raw)),
			base64.StdEncoding.EncodeToString(raw) + "\n",
			base64.RawURLEncoding.EncodeToString(raw),
			"  " + base64.URLEncoding.EncodeToString(raw),
		} {
			k, err := secret.Parse(text)
			if err != nil {
				t.Fatalf("Parse(%q): %v", text, err)
			}
			if k.Fingerprint() != want.Fingerprint() {
				t.Fatalf("Parse(%q) fingerprint=%s, want %s", text, k.Fingerprint(), want.Fingerprint())
			}
		}
	})
	t.Run("ErrInvalid", func(t *testing.T) {
		for _, text := range []string{
			"",
			"secret",
			hex.EncodeToString(raw[:31]),
			hex.EncodeToString(raw) + "00",
			base64.StdEncoding.EncodeToString(append(raw, 1)),
			strings.Repeat("z", 64),
		} {
			if _, err := secret.Parse(text); err == nil {
				t.Fatalf("Parse(%q): no error", text)
			} else if !strings.Contains(err.Error(), "openssl rand -hex 32") {
				t.Fatalf("Parse(%q) error=%q, want it to say how to make a key", text, err)
			}
		}
	})
}

func TestSealOpen(t *testing.T) {
	k, _ := secret.Generate()
	other, _ := secret.Generate()
	plain := []byte("client secret")
	sealed := k.Seal(plain, "app 1")

	t.Run("OK", func(t *testing.T) {
		got, err := k.Open(sealed, "app 1")
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("Open=%q, %v; want %q", got, err, plain)
		}
		if bytes.Contains(sealed, plain) {
			t.Fatal("sealed bytes contain the plaintext")
		}
		if again := k.Seal(plain, "app 1"); bytes.Equal(again, sealed) {
			t.Fatal("sealing twice gave the same bytes: the nonce is not random")
		}
	})
	t.Run("ErrOtherPurpose", func(t *testing.T) {
		if _, err := k.Open(sealed, "app 2"); !errors.Is(err, secret.ErrOpen) {
			t.Fatalf("err=%v, want ErrOpen", err)
		}
	})
	t.Run("ErrOtherKey", func(t *testing.T) {
		if _, err := other.Open(sealed, "app 1"); !errors.Is(err, secret.ErrOpen) {
			t.Fatalf("err=%v, want ErrOpen", err)
		}
	})
	t.Run("ErrAltered", func(t *testing.T) {
		for i := range sealed {
			bad := bytes.Clone(sealed)
			bad[i] ^= 1
			if _, err := k.Open(bad, "app 1"); !errors.Is(err, secret.ErrOpen) {
				t.Fatalf("flipping byte %d: err=%v, want ErrOpen", i, err)
			}
		}
		for _, bad := range [][]byte{nil, {1}, sealed[:len(sealed)-1]} {
			if _, err := k.Open(bad, "app 1"); !errors.Is(err, secret.ErrOpen) {
				t.Fatalf("Open(%d bytes) err=%v, want ErrOpen", len(bad), err)
			}
		}
	})
}

func TestToken(t *testing.T) {
	k, text := secret.Generate()
	same, err := secret.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	other, _ := secret.Generate()
	tok := k.Token("pubsub", "1", "42")
	if len(tok) != 43 || strings.ContainsAny(tok, "+/=") {
		t.Fatalf("token=%q, want 43 URL-safe characters", tok)
	}
	if got := same.Token("pubsub", "1", "42"); got != tok {
		t.Fatalf("same key: token=%q, want %q (tokens must be recomputable)", got, tok)
	}
	for name, got := range map[string]string{
		"other key":     other.Token("pubsub", "1", "42"),
		"other purpose": k.Token("download", "1", "42"),
		"other parts":   k.Token("pubsub", "14", "2"),
		"joined parts":  k.Token("pubsub", "142"),
	} {
		if got == tok {
			t.Fatalf("%s gave the same token", name)
		}
	}
	if !k.Verify(tok, "pubsub", "1", "42") {
		t.Fatal("Verify(own token)=false")
	}
	if k.Verify(tok, "pubsub", "1", "43") || k.Verify("", "pubsub", "1", "42") {
		t.Fatal("Verify accepted a wrong token")
	}
}

func TestLoadFile(t *testing.T) {
	t.Run("CreatesOnce", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "data", secret.FileName)
		k, created, err := secret.LoadFile(path)
		if err != nil || !created {
			t.Fatalf("first LoadFile: created=%v err=%v, want a new file", created, err)
		}
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode=%04o, want 0600", fi.Mode().Perm())
		}
		again, created, err := secret.LoadFile(path)
		if err != nil || created {
			t.Fatalf("second LoadFile: created=%v err=%v, want the existing file", created, err)
		}
		if again.Fingerprint() != k.Fingerprint() {
			t.Fatal("second LoadFile returned another key")
		}
		entries, _ := os.ReadDir(filepath.Dir(path))
		if len(entries) != 1 {
			t.Fatalf("data directory holds %d entries, want only the key file", len(entries))
		}
	})
	t.Run("ConcurrentStartsAgree", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), secret.FileName)
		const n = 8
		fps := make([]string, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				k, _, err := secret.LoadFile(path)
				if err != nil {
					t.Error(err)
					return
				}
				fps[i] = k.Fingerprint()
			}()
		}
		wg.Wait()
		for i := range fps {
			if fps[i] != fps[0] {
				t.Fatalf("process %d got key %s, process 0 got %s", i, fps[i], fps[0])
			}
		}
	})
	t.Run("ErrReadableByOthers", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), secret.FileName)
		_, text := secret.Generate()
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, _, err := secret.LoadFile(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("err=%v, want a refusal saying chmod 600", err)
		}
	})
	t.Run("ErrGarbage", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), secret.FileName)
		if err := os.WriteFile(path, []byte("not a key"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, _, err := secret.LoadFile(path); err == nil || !strings.Contains(err.Error(), path) {
			t.Fatalf("err=%v, want an error naming the file", err)
		}
	})
}
