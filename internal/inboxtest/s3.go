package inboxtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3ServerEnv names the variable that points at the S3-compatible server
// the tests start: the versitygw executable (Versity S3 Gateway, a Go
// program: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0).
// Without it, versitygw is looked up on PATH.
const S3ServerEnv = "INBOXD_TEST_VERSITYGW"

// S3 is a running S3-compatible server with one fresh bucket.
type S3 struct {
	Endpoint, Bucket     string
	AccessKey, SecretKey string
}

// MustStartS3 starts a real S3-compatible server (versitygw over a
// temporary directory) on a free loopback port, creates a bucket and stops
// the server when the test ends. It skips the test, saying why, when
// versitygw is not installed; CI installs it and fails if such tests skip.
func MustStartS3(tb testing.TB) S3 {
	tb.Helper()
	bin := os.Getenv(S3ServerEnv)
	if bin == "" {
		var err error
		if bin, err = exec.LookPath("versitygw"); err != nil {
			tb.Skipf("needs an S3-compatible server: set %s or put versitygw on PATH (go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)", S3ServerEnv)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s := S3{Endpoint: "http://" + addr, Bucket: "inboxd-test", AccessKey: "inboxdtest", SecretKey: randomHex(tb, 20)}
	root := tb.TempDir()
	cmd := exec.Command(bin, "--port", addr, "--access", s.AccessKey, "--secret", s.SecretKey, "--quiet",
		"posix", filepath.Join(root))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", bin, err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	tb.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
	})
	client, err := minio.New(addr, &minio.Options{Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, "")})
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err = client.MakeBucket(ctx, s.Bucket, minio.MakeBucketOptions{})
		if err == nil {
			break
		}
		select {
		case e := <-exited:
			tb.Fatalf("versitygw exited: %v", e)
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("versitygw on %s did not answer: %v", addr, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// CI greps for this line: a suite whose S3 tests all skipped fails.
	tb.Logf("test s3: versitygw at %s", s.Endpoint)
	return s
}

func randomHex(tb testing.TB, n int) string {
	tb.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		tb.Fatal(err)
	}
	return hex.EncodeToString(b)
}
