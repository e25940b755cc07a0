package main_test

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/inboxd/inbox/internal/config"
	"github.com/inboxd/inbox/internal/inboxtest"
	"github.com/inboxd/inbox/internal/secret"
)

// Two nodes on one PostgreSQL with attachments in an S3-compatible bucket:
// a file uploaded through node A downloads through node B.
func TestCluster_SharedFiles(t *testing.T) {
	t.Parallel()
	if inboxtest.Engine() != "postgres" {
		t.Skip("a cluster needs PostgreSQL (set INBOXD_TEST_DATABASE_URL)")
	}
	srv := inboxtest.MustStartS3(t)
	db := mustNewDatabase(t)
	_, key := secret.Generate()
	shared := []string{
		config.EnvDatabaseURL + "=" + db.dsn,
		config.EnvSecretKey + "=" + key,
		config.EnvS3Endpoint + "=" + srv.Endpoint,
		config.EnvS3Bucket + "=" + srv.Bucket,
		config.EnvS3Prefix + "=cluster-test",
		"AWS_ACCESS_KEY_ID=" + srv.AccessKey,
		"AWS_SECRET_ACCESS_KEY=" + srv.SecretKey,
	}
	// Each node has a data directory of its own: nothing is shared but the
	// database and the bucket.
	dirA, dirB := t.TempDir(), t.TempDir()
	envA := append([]string{config.EnvDataDir + "=" + dirA}, shared...)
	envB := append([]string{config.EnvDataDir + "=" + dirB}, shared...)
	a := mustStartServer(t, envA)
	b := mustStartServer(t, envB)
	_, _, _, bsA := demoClients(t, database{dataDir: dirA, dsn: db.dsn, env: envA}, "http://"+a.addr)

	data := make([]byte, 1<<20)
	rand.Read(data)
	att := bsA.json("POST", "/api/v3/inbox/attachments", map[string]any{"attachments": []any{map[string]any{
		"name": "floor-plan.bin", "file": base64.StdEncoding.EncodeToString(data)}}}, 201)["attachments"].([]any)[0].(map[string]any)
	link := att["url"].(string)
	if !strings.HasPrefix(link, "http://"+a.addr+"/files/") {
		t.Fatalf("url=%q, want a link on node A", link)
	}
	viaB := strings.Replace(link, a.addr, b.addr, 1)
	if st, got := download(t, viaB); st != 200 || !bytes.Equal(got, data) {
		t.Fatalf("download through node B: %d, %d bytes", st, len(got))
	}
	// The bytes are in the bucket, not in either node's directory.
	for _, dir := range []string{dirA, dirB} {
		entries, _ := os.ReadDir(filepath.Join(dir, "files"))
		if len(entries) != 0 {
			t.Fatalf("%s/files holds %d entries, want none with S3", dir, len(entries))
		}
	}
	if !strings.Contains(a.logs.String(), `"files":"s3 `+srv.Endpoint) {
		t.Fatalf("startup line does not say files are in S3; logs:\n%s", a.logs.String())
	}
}
