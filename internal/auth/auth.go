// Package auth makes and checks secrets: access tokens, refresh tokens,
// client ids and client secrets. Secrets come from crypto/rand, only their
// SHA-256 hashes are stored, and comparisons run in constant time. High-entropy
// random secrets need no slow password hash: the hash only keeps a database
// leak from handing out working tokens.
package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
)

// NewSecret returns a random 64-hex-character secret (256 bits) and its hash.
func NewSecret() (string, []byte) {
	b := make([]byte, 32)
	rand.Read(b) // never fails: crypto/rand panics rather than return short reads
	s := hex.EncodeToString(b)
	return s, Hash(s)
}

// NewClientID returns a random public client identifier (not secret).
func NewClientID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Hash returns the SHA-256 of a secret.
func Hash(secret string) []byte {
	h := sha256.Sum256([]byte(secret))
	return h[:]
}

// Equal reports, in constant time, whether secret hashes to hash.
func Equal(secret string, hash []byte) bool {
	return subtle.ConstantTimeCompare(Hash(secret), hash) == 1
}

// NewUUID returns a random version 4 UUID string.
func NewUUID() string {
	b := make([]byte, 16)
	rand.Read(b)
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
