package filestore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"sync"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/inboxtest"
)

// store is what both backends offer.
type store interface {
	Put(ctx context.Context, data []byte) (string, error)
	Open(ctx context.Context, key string) (io.ReadSeekCloser, error)
}

func TestDir(t *testing.T) {
	t.Parallel()
	d, err := filestore.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	testStore(t, d)
}

func TestS3(t *testing.T) {
	t.Parallel()
	srv := inboxtest.MustStartS3(t)
	ctx := context.Background()
	s, err := filestore.NewS3(ctx, filestore.S3Config{Endpoint: srv.Endpoint, Bucket: srv.Bucket, Prefix: "inboxd/",
		AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	testStore(t, s)

	t.Run("ErrNoBucket", func(t *testing.T) {
		_, err := filestore.NewS3(ctx, filestore.S3Config{Endpoint: srv.Endpoint, Bucket: "missing", AccessKey: srv.AccessKey, SecretKey: srv.SecretKey})
		if err == nil || !strings.Contains(err.Error(), "does not exist") {
			t.Fatalf("err=%v, want the bucket named as missing", err)
		}
	})
	t.Run("ErrBadCredentials", func(t *testing.T) {
		_, err := filestore.NewS3(ctx, filestore.S3Config{Endpoint: srv.Endpoint, Bucket: srv.Bucket, AccessKey: srv.AccessKey, SecretKey: "wrong"})
		if err == nil {
			t.Fatal("wrong credentials accepted")
		}
	})
	t.Run("ErrBadEndpoint", func(t *testing.T) {
		if _, err := filestore.NewS3(ctx, filestore.S3Config{Endpoint: "s3.example.com", Bucket: "b"}); err == nil || !strings.Contains(err.Error(), "want a URL") {
			t.Fatalf("err=%v", err)
		}
	})
}

// testStore checks a backend: content addressing, streaming with seeks,
// missing keys, concurrent writers of the same content.
func testStore(t *testing.T, s store) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789"), 200_000) // 2 MB
	key, err := s.Put(ctx, data)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if key != hex.EncodeToString(sum[:]) {
		t.Fatalf("key=%s, want the content's SHA-256", key)
	}
	t.Run("Open", func(t *testing.T) {
		f, err := s.Open(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		got, err := io.ReadAll(f)
		if err != nil || !bytes.Equal(got, data) {
			t.Fatalf("read %d bytes (%v), want %d", len(got), err, len(data))
		}
		if n, err := f.Seek(0, io.SeekEnd); err != nil || n != int64(len(data)) {
			t.Fatalf("Seek(end)=%d, %v", n, err)
		}
		if _, err := f.Seek(1_000_005, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 5)
		if _, err := io.ReadFull(f, buf); err != nil || string(buf) != "56789" {
			t.Fatalf("read after seek=%q, %v", buf, err)
		}
	})
	t.Run("Twice", func(t *testing.T) {
		var wg sync.WaitGroup
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if k, err := s.Put(ctx, []byte("same")); err != nil {
					t.Error(err)
				} else if _, err := s.Open(ctx, k); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		for _, k := range []string{strings.Repeat("0", 64), "../../etc/passwd", "", strings.Repeat("A", 64)} {
			if _, err := s.Open(ctx, k); inbox.ErrorCode(err) != inbox.ENOTFOUND {
				t.Fatalf("Open(%q)=%v, want not found", k, err)
			}
		}
	})
}
