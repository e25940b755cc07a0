package main

import (
	"archive/tar"
	"bufio"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/config"
	"github.com/inboxd/inbox/internal/sqlstore"
	"github.com/inboxd/inbox/internal/version"
)

// A backup is one gzipped tar archive:
//
//	manifest.json          what the archive holds (backupManifest)
//	inboxd.db              the SQLite database (SQLite deployments only)
//	files/ab/abcdef…       the content of every attachment
//
// The server key is never in it: an archive that leaks must not open the
// secrets sealed in its database.

const manifestName = "manifest.json"

type backupManifest struct {
	Format     int       `json:"format"`
	CreatedAt  time.Time `json:"created_at"`
	Version    string    `json:"inboxd_version"`
	Engine     string    `json:"engine"`
	Database   bool      `json:"database"` // inboxd.db is in the archive
	Files      int       `json:"files"`
	Bytes      int64     `json:"file_bytes"`
	Migrations []string  `json:"migrations"`
	// KeyFingerprint names the server key the database's secrets are
	// sealed under (the key itself is not in the archive).
	KeyFingerprint string `json:"secret_key_fingerprint"`
}

func runBackup(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	out := fs.String("out", "", "file to write the archive to, e.g. inboxd-2030-01-31.tar.gz (required)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required("out", *out); err != nil {
		return err
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists: choose another --out", *out)
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()

	tmp, err := os.MkdirTemp(filepath.Dir(*out), ".inboxd-backup-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	man := backupManifest{Format: 1, CreatedAt: time.Now().UTC(), Version: version.Get().Version, Engine: m.Store.Engine(),
		KeyFingerprint: m.keyFingerprint}
	if man.Migrations, err = sqlstore.MigrationNames(m.Store.Engine()); err != nil {
		return err
	}
	// The files to copy are those the backed-up database refers to: on
	// SQLite, read from the snapshot itself.
	keysFrom := m.Admin
	var dbPath string
	if m.Store.Engine() == "sqlite" {
		dbPath = filepath.Join(tmp, config.SQLiteFile)
		if err := m.Store.SnapshotTo(ctx, dbPath); err != nil {
			return fmt.Errorf("snapshot the database: %w", err)
		}
		snap, err := sqlstore.Open(ctx, dbPath)
		if err != nil {
			return fmt.Errorf("open the snapshot: %w", err)
		}
		defer snap.Close()
		keysFrom = app.NewAdmin(app.New(app.Deps{Store: snap}))
		man.Database = true
	}
	keys, err := keysFrom.FileKeys(ctx)
	if err != nil {
		return err
	}

	part := *out + ".partial"
	f, err := os.OpenFile(part, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer os.Remove(part)
	bw := bufio.NewWriterSize(f, 1<<20)
	gz := gzip.NewWriter(bw)
	tw := tar.NewWriter(gz)
	if dbPath != "" {
		if err := addFile(tw, config.SQLiteFile, dbPath); err != nil {
			return err
		}
	}
	for _, key := range keys {
		n, err := addStored(ctx, tw, m.Admin, key)
		if err != nil {
			return fmt.Errorf("file %s: %w", key, err)
		}
		man.Files++
		man.Bytes += n
	}
	mb, _ := json.MarshalIndent(man, "", "  ")
	if err := addBytes(tw, manifestName, mb); err != nil {
		return err
	}
	for _, step := range []func() error{tw.Close, gz.Close, bw.Flush, f.Sync, f.Close} {
		if err := step(); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", *out, err)
		}
	}
	if err := os.Rename(part, *out); err != nil {
		return err
	}
	st, _ := os.Stat(*out)
	return c.print(map[string]any{
		"out":                    *out,
		"bytes":                  st.Size(),
		"engine":                 man.Engine,
		"database":               man.Database,
		"files":                  man.Files,
		"file_bytes":             man.Bytes,
		"secret_key_fingerprint": man.KeyFingerprint,
		"note":                   backupNote(man),
	})
}

func backupNote(man backupManifest) string {
	note := "the server key is not in the archive: keep it apart (the database needs the key with fingerprint " + man.KeyFingerprint + ")"
	if !man.Database {
		note += "; the archive holds the attachment files only: back PostgreSQL up with pg_dump (docs/deploy.md)"
	}
	return note
}

func addBytes(tw *tar.Writer, name string, b []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: int64(len(b)), ModTime: time.Now()}); err != nil {
		return err
	}
	_, err := tw.Write(b)
	return err
}

func addFile(tw *tar.Writer, name, src string) error {
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o600, Size: st.Size(), ModTime: st.ModTime()}); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// addStored copies one stored file into the archive.
func addStored(ctx context.Context, tw *tar.Writer, ad *app.Admin, key string) (int64, error) {
	r, err := ad.OpenFile(ctx, key)
	if err != nil {
		return 0, err
	}
	defer r.Close()
	size, err := r.Seek(0, io.SeekEnd)
	if err != nil {
		return 0, err
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	if err := tw.WriteHeader(&tar.Header{Name: path.Join("files", key[:2], key), Mode: 0o600, Size: size, ModTime: time.Now()}); err != nil {
		return 0, err
	}
	return io.Copy(tw, r)
}

func runRestore(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	from := fs.String("from", "", "archive written by inboxd backup (required)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := required("from", *from); err != nil {
		return err
	}
	if err := cfg.ValidateDatabase(); err != nil {
		return err
	}
	if entries, err := os.ReadDir(cfg.DataDir); err == nil && len(entries) > 0 {
		return fmt.Errorf("--data-dir %s is not empty: restore into an empty directory", cfg.DataDir)
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	f, err := os.Open(*from)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return fmt.Errorf("%s is not an inboxd backup: %w", *from, err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o750); err != nil {
		return err
	}
	// Files go to the configured file store (the data directory, or the S3
	// bucket), the database into the data directory.
	files, err := (&Main{Config: *cfg, Logger: newLogger(*cfg, c.stderr)}).openFiles(ctx)
	if err != nil {
		return err
	}
	stored := app.NewAdmin(app.New(app.Deps{Files: files}))
	var man *backupManifest
	var nfiles int
	var database bool
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		} else if err != nil {
			return fmt.Errorf("read %s: %w", *from, err)
		}
		switch name := h.Name; {
		case name == manifestName:
			man = &backupManifest{}
			if err := json.NewDecoder(io.LimitReader(tr, 1<<20)).Decode(man); err != nil {
				return fmt.Errorf("read the manifest: %w", err)
			}
		case name == config.SQLiteFile:
			if cfg.DatabaseURL != "" {
				return errors.New("the archive holds a SQLite database; restore it without --database-url")
			}
			if err := writeNew(filepath.Join(cfg.DataDir, config.SQLiteFile), tr); err != nil {
				return err
			}
			database = true
		case strings.HasPrefix(name, "files/"):
			if err := restoreFile(ctx, stored, tr, path.Base(name)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			nfiles++
		default:
			return fmt.Errorf("%s: unexpected entry %q: not an inboxd backup", *from, name)
		}
	}
	if man == nil {
		return fmt.Errorf("%s has no manifest: not an inboxd backup", *from)
	}
	if nfiles != man.Files || database != man.Database {
		return fmt.Errorf("%s is incomplete: %d of %d files, database %v", *from, nfiles, man.Files, database)
	}
	out := map[string]any{"data_dir": cfg.DataDir, "database": database, "files": nfiles,
		"secret_key_fingerprint": man.KeyFingerprint, "created_at": man.CreatedAt}
	if database {
		// Open it: this checks it, and applies the migrations a newer
		// binary has.
		s, err := sqlstore.Open(ctx, filepath.Join(cfg.DataDir, config.SQLiteFile))
		if err != nil {
			return err
		}
		defer s.Close()
		if err := s.IntegrityCheck(ctx); err != nil {
			return err
		}
		out["integrity_check"] = "ok"
	}
	out["next"] = "give inboxd the server key with fingerprint " + man.KeyFingerprint + " (" + config.EnvSecretKey +
		", or its key file as " + cfg.SecretKeyFile() + ")"
	return c.print(out)
}

// restoreFile stores one file, checking it is what its name says.
func restoreFile(ctx context.Context, ad *app.Admin, r io.Reader, key string) error {
	data, err := io.ReadAll(io.LimitReader(r, 64<<20))
	if err != nil {
		return err
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != key {
		return errors.New("content does not match its name: the archive is damaged")
	}
	_, err = ad.PutFile(ctx, data)
	return err
}

func writeNew(path string, r io.Reader) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
