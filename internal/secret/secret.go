// Package secret holds the server key: the one secret every node of an inboxd
// deployment shares, under which other secrets are kept.
//
// Two uses:
//   - Seal/Open (AES-256-GCM) for secrets inboxd must use again in clear: an
//     application's client secret (BookingSync webhooks are signed with it), a
//     webhook signing key. Only the sealed bytes are stored.
//   - MAC/Token (HMAC-SHA-256) for values that can be recomputed from the key
//     and some public data, so nothing needs storing at all: a host's realtime
//     pubsub token, a signed download link.
//
// The two uses run under separate keys derived from the server key, and
// every MAC and every sealed value is bound to a purpose string, so a value
// made for one purpose is never accepted for another.
//
// The key comes from INBOXD_SECRET_KEY (a cluster gives every node the same
// value) or from a file created in the data directory on first start.
package secret

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Size is the length of a server key in bytes (256 bits).
const Size = 32

// FileName is the key file's name inside the data directory.
const FileName = "secret.key"

// sealVersion is the first byte of every sealed value, so that another
// format can be introduced later without guessing.
const sealVersion = 1

// ErrOpen is returned by Open when sealed bytes were not sealed under this
// key for this purpose (another key, another purpose, or damaged bytes).
var ErrOpen = errors.New("secret: cannot open a value sealed under another server key or for another purpose")

// Key is a server key. The zero value is not usable; build one with Parse,
// Generate or LoadFile. A Key is safe for concurrent use.
type Key struct {
	aead        cipher.AEAD
	mac         []byte // HMAC key for MAC/Token
	fingerprint string
}

// New returns the key made of raw, which must be Size random bytes.
func New(raw []byte) (*Key, error) {
	if len(raw) != Size {
		return nil, fmt.Errorf("a server key is %d bytes, got %d", Size, len(raw))
	}
	// Sub-keys: one key is never used with two algorithms.
	block, err := aes.NewCipher(derive(raw, "inboxd seal v1"))
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	fp := derive(raw, "inboxd fingerprint v1")
	return &Key{aead: aead, mac: derive(raw, "inboxd mac v1"), fingerprint: hex.EncodeToString(fp[:8])}, nil
}

func derive(raw []byte, label string) []byte {
	h := hmac.New(sha256.New, raw)
	h.Write([]byte(label))
	return h.Sum(nil)
}

// Generate returns a new random key and its text form (what Parse reads,
// what INBOXD_SECRET_KEY and the key file hold).
func Generate() (*Key, string) {
	raw := make([]byte, Size)
	rand.Read(raw) // never fails: crypto/rand panics rather than return short reads
	k, err := New(raw)
	if err != nil {
		panic(err) // unreachable: raw has the right size
	}
	return k, hex.EncodeToString(raw)
}

// Parse reads a key written as 64 hexadecimal characters (openssl rand -hex
// 32) or as the Base64 of 32 bytes (openssl rand -base64 32; standard or
// URL alphabet, padding optional). Surrounding white space is ignored.
func Parse(text string) (*Key, error) {
	text = strings.TrimSpace(text)
	if len(text) == 2*Size {
		if raw, err := hex.DecodeString(text); err == nil {
			return New(raw)
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(text); err == nil && len(raw) == Size {
			return New(raw)
		}
	}
	return nil, fmt.Errorf("want %d random bytes as %d hex characters (openssl rand -hex %d) or in Base64 (openssl rand -base64 %d)",
		Size, 2*Size, Size, Size)
}

// LoadFile reads the key file at path, creating it with a new random key
// (mode 0600, in a directory created 0750) when it does not exist. created
// reports whether it did. A key file that others may read is refused.
func LoadFile(path string) (k *Key, created bool, err error) {
	buf, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return create(path)
	} else if err != nil {
		return nil, false, fmt.Errorf("read server key file: %w", err)
	}
	if err := checkMode(path); err != nil {
		return nil, false, err
	}
	k, err = Parse(string(buf))
	if err != nil {
		return nil, false, fmt.Errorf("server key file %s: %v", path, err)
	}
	return k, false, nil
}

func checkMode(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("server key file: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("server key file %s is readable by others (mode %04o): chmod 600 it", path, fi.Mode().Perm())
	}
	return nil
}

// create writes a new key file. O_EXCL makes two processes starting at once
// agree: the loser reads the winner's key.
func create(path string) (*Key, bool, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, false, fmt.Errorf("create data directory for the server key: %w", err)
	}
	k, text := Generate()
	tmp, err := os.CreateTemp(filepath.Dir(path), ".secret-*")
	if err != nil {
		return nil, false, fmt.Errorf("create server key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	// CreateTemp makes the file 0600.
	if _, err := tmp.WriteString(text + "\n"); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("write server key file: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return nil, false, fmt.Errorf("write server key file: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return nil, false, fmt.Errorf("write server key file: %w", err)
	}
	// A hard link fails if path exists, unlike a rename: the first process
	// to create the file wins and the others read its key.
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		k, _, err := LoadFile(path)
		return k, false, err
	} else if err != nil {
		return nil, false, fmt.Errorf("create server key file: %w", err)
	}
	return k, true, nil
}

// Fingerprint is a short public name of the key (16 hex characters): equal
// keys have equal fingerprints, and it reveals nothing of the key. Logs and
// the database use it to tell whether two nodes hold the same key.
func (k *Key) Fingerprint() string { return k.fingerprint }

// Seal encrypts plaintext for a purpose (e.g. "application client secret
// <client_id>"): Open with another purpose fails, so a sealed value copied to
// another record is useless there.
func (k *Key) Seal(plaintext []byte, purpose string) []byte {
	nonce := make([]byte, k.aead.NonceSize())
	rand.Read(nonce)
	out := make([]byte, 0, 1+len(nonce)+len(plaintext)+k.aead.Overhead())
	out = append(out, sealVersion)
	out = append(out, nonce...)
	return k.aead.Seal(out, nonce, plaintext, []byte(purpose))
}

// Open decrypts what Seal returned for the same purpose. It returns ErrOpen
// when the value was sealed under another key or purpose, or was altered.
func (k *Key) Open(sealed []byte, purpose string) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < 1+n+k.aead.Overhead() || sealed[0] != sealVersion {
		return nil, ErrOpen
	}
	out, err := k.aead.Open(nil, sealed[1:1+n], sealed[1+n:], []byte(purpose))
	if err != nil {
		return nil, ErrOpen
	}
	return out, nil
}

// MAC returns the HMAC-SHA-256 of parts for a purpose. Each part is length-
// prefixed, so ("ab","c") and ("a","bc") differ.
func (k *Key) MAC(purpose string, parts ...[]byte) []byte {
	h := hmac.New(sha256.New, k.mac)
	var n [8]byte
	for _, p := range append([][]byte{[]byte(purpose)}, parts...) {
		binary.BigEndian.PutUint64(n[:], uint64(len(p)))
		h.Write(n[:])
		h.Write(p)
	}
	return h.Sum(nil)
}

// Token is MAC over strings, rendered as 43 URL-safe characters: a value
// anyone holding the key can recompute, and no one without it can guess.
func (k *Key) Token(purpose string, parts ...string) string {
	bs := make([][]byte, len(parts))
	for i, p := range parts {
		bs[i] = []byte(p)
	}
	return base64.RawURLEncoding.EncodeToString(k.MAC(purpose, bs...))
}

// Verify reports, in constant time, whether token is Token(purpose, parts...).
func (k *Key) Verify(token, purpose string, parts ...string) bool {
	want := k.Token(purpose, parts...)
	return hmac.Equal([]byte(token), []byte(want))
}
