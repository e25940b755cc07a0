// Package filestore keeps attachment bytes on disk, addressed by the hex
// SHA-256 of their content, under a directory of the data directory.
package filestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	inbox "github.com/inboxd/inbox"
)

// Dir is a content-addressed file store rooted at a directory.
type Dir struct {
	root string
}

// New returns a store rooted at root, creating it if needed.
func New(root string) (*Dir, error) {
	if err := os.MkdirAll(root, 0o750); err != nil {
		return nil, fmt.Errorf("create file store: %w", err)
	}
	return &Dir{root: root}, nil
}

// validKey reports whether key is a 64-character lower-case hex string, so a
// key can never name a path outside the store.
func validKey(key string) bool {
	if len(key) != 64 {
		return false
	}
	for _, c := range key {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (d *Dir) path(key string) string { return filepath.Join(d.root, key[:2], key) }

// Put stores data durably and returns its key. Writing the same content twice
// is harmless.
func (d *Dir) Put(ctx context.Context, data []byte) (string, error) {
	sum := sha256.Sum256(data)
	key := hex.EncodeToString(sum[:])
	dst := d.path(key)
	if _, err := os.Stat(dst); err == nil {
		return key, nil
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o750); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), ".upload-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	// Rename is atomic: a reader sees the whole file or none.
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", err
	}
	return key, nil
}

// Open returns the content stored under key.
func (d *Dir) Open(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	if !validKey(key) {
		return nil, inbox.NotFound("File")
	}
	f, err := os.Open(d.path(key))
	if errors.Is(err, os.ErrNotExist) {
		return nil, inbox.NotFound("File")
	}
	return f, err
}
