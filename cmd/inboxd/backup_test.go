package main_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/config"
	"github.com/inboxd/inbox/internal/filestore"
	"github.com/inboxd/inbox/internal/sqlstore"
)

// A backup taken while writers go on, restored into an empty directory:
// the database passes its integrity check, every write acknowledged before
// the backup started is in it, and every file it refers to opens.
func TestBackup_UnderLoad(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	s := mustStartServer(t, db.env)
	account, _, _, bs := demoClients(t, db, "http://"+s.addr)

	type upload struct {
		id  int64
		sum string
	}
	var mu sync.Mutex
	var acked []upload
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				data := make([]byte, 2000)
				rand.Read(data)
				st, raw := bs.do("POST", "/api/v3/inbox/attachments", "application/json", strings.NewReader(
					`{"attachments":[{"name":"x.bin","file":"`+base64.StdEncoding.EncodeToString(data)+`"}]}`))
				if st != 201 {
					t.Errorf("upload: %d %s", st, raw)
					return
				}
				var out struct{ Attachments []struct{ ID int64 } }
				json.Unmarshal(raw, &out)
				sum := sha256.Sum256(data)
				mu.Lock()
				acked = append(acked, upload{out.Attachments[0].ID, hex.EncodeToString(sum[:])})
				mu.Unlock()
			}
		}()
	}
	time.Sleep(500 * time.Millisecond)
	mu.Lock()
	before := append([]upload(nil), acked...)
	mu.Unlock()
	archive := filepath.Join(t.TempDir(), "backup.tar.gz")
	res := mustRunJSON(t, db.env, "backup", "--out", archive)
	close(stop)
	wg.Wait()
	mu.Lock()
	t.Logf("%d uploads acknowledged before the backup started, %d by the end; archive: %v files, %v bytes",
		len(before), len(acked), res["files"], res["bytes"])
	mu.Unlock()
	if len(before) == 0 {
		t.Fatal("no write was acknowledged before the backup")
	}
	if r := runCLI(t, db.env, "backup", "--out", archive); r.code != 1 || !strings.Contains(r.stderr, "exists") {
		t.Fatalf("second backup onto the same file: exit=%d stderr=%q", r.code, r.stderr)
	}

	dir := filepath.Join(t.TempDir(), "restored")
	restoreEnv := []string{config.EnvDataDir + "=" + dir}
	dsn := filepath.Join(dir, config.SQLiteFile)
	if db.engine() == "postgres" {
		restoreEnv = append(restoreEnv, config.EnvDatabaseURL+"="+db.dsn)
		dsn = db.dsn
	}
	restored := mustRunJSON(t, restoreEnv, "restore", "--from", archive)
	if db.engine() == "sqlite" && restored["integrity_check"] != "ok" {
		t.Fatalf("restore=%v, want integrity_check ok", restored)
	}
	if r := runCLI(t, restoreEnv, "restore", "--from", archive); r.code != 1 || !strings.Contains(r.stderr, "not empty") {
		t.Fatalf("restore into a non-empty directory: exit=%d stderr=%q", r.code, r.stderr)
	}

	ctx := context.Background()
	store, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	files, err := filestore.New(filepath.Join(dir, "files"))
	if err != nil {
		t.Fatal(err)
	}
	content := func(key string) string {
		f, err := files.Open(ctx, key)
		if err != nil {
			t.Fatalf("file %s: %v", key, err)
		}
		defer f.Close()
		h := sha256.New()
		io.Copy(h, f)
		return hex.EncodeToString(h.Sum(nil))
	}
	err = store.View(ctx, func(tx inbox.Tx) error {
		for _, u := range before {
			att, err := tx.FindAttachmentByID(ctx, account, u.id)
			if err != nil {
				t.Fatalf("attachment %d, acknowledged before the backup: %v", u.id, err)
			}
			if got := content(att.FileKey); got != u.sum {
				t.Fatalf("attachment %d: restored content differs", u.id)
			}
		}
		if db.engine() == "sqlite" {
			// Every file the restored database refers to opens.
			keys, err := tx.FindFileKeys(ctx)
			if err != nil {
				return err
			}
			for _, k := range keys {
				content(k)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestExport(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	demo := mustRunJSON(t, db.env, "demo")
	account := num(t, demo["account"].(map[string]any), "id")
	mustRunJSON(t, db.env, "demo") // another account, which must not leak in
	r := runCLI(t, db.env, "export", "--account", jsonNumber(account))
	if r.code != 0 || r.stderr != "" {
		t.Fatalf("export: exit=%d stderr=%q", r.code, r.stderr)
	}
	counts := map[string]int{}
	conversations := map[float64]bool{}
	sc := bufio.NewScanner(strings.NewReader(r.stdout))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("line is not JSON: %v: %s", err, sc.Text())
		}
		kind, _ := rec["type"].(string)
		counts[kind]++
		if kind != "account" && rec["account_id"] != float64(account) {
			t.Fatalf("%s of account %v in the export of account %d", kind, rec["account_id"], account)
		}
		switch kind {
		case "conversation":
			conversations[rec["id"].(float64)] = true
			if _, ok := rec["display_id"]; !ok {
				t.Fatalf("conversation without display_id: %v", rec)
			}
		case "message":
			if !conversations[rec["conversation_id"].(float64)] {
				t.Fatalf("message %v before its conversation", rec["id"])
			}
		}
	}
	want := len(demo["conversations"].([]any))
	if counts["account"] != 1 || counts["conversation"] != want || counts["contact"] < 4 || counts["message"] < want {
		t.Fatalf("export counts=%v, want 1 account, %d conversations, the demo's contacts and messages", counts, want)
	}
	if r := runCLI(t, db.env, "export", "--account", "999"); r.code != 1 || !strings.Contains(r.stderr, "account 999 not found") {
		t.Fatalf("unknown account: exit=%d stderr=%q", r.code, r.stderr)
	}
	out := filepath.Join(t.TempDir(), "acme.jsonl")
	if r := runCLI(t, db.env, "export", "--account", jsonNumber(account), "--out", out); r.code != 0 {
		t.Fatalf("export --out: %d %s", r.code, r.stderr)
	}
	if b, _ := os.ReadFile(out); string(b) != r.stdout {
		t.Fatal("export --out wrote something else than standard output")
	}
}

func jsonNumber(n int64) string { return strconv.FormatInt(n, 10) }
