package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"os"
)

// SnapshotTo writes a consistent copy of a SQLite database to path (which
// must not exist) while writers go on: VACUUM INTO reads one snapshot of
// the database in a read transaction, so it sees every transaction that
// committed before it began and none after. PostgreSQL is backed up with
// pg_dump instead.
func (s *Store) SnapshotTo(ctx context.Context, path string) error {
	if s.engine != engineSQLite {
		return errors.New("snapshots are for SQLite; back PostgreSQL up with pg_dump")
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s exists", path)
	}
	// The write pool: the read pool is query_only, which VACUUM INTO
	// respects even though it writes only the new file.
	_, err := s.write.ExecContext(ctx, `VACUUM INTO ?`, path)
	return err
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check and returns its
// findings as an error; PostgreSQL checks itself.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	if s.engine != engineSQLite {
		return nil
	}
	rows, err := s.read.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %v", problems)
	}
	return nil
}

// FindFileKeys lists the content keys of every attachment, deleted ones
// included (their content is kept; a PostgreSQL dump taken before they were
// deleted still refers to it), in every account: what a backup copies.
func (tx *Tx) FindFileKeys(ctx context.Context) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT DISTINCT file_key FROM attachments ORDER BY file_key`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var keys []string
	for rows.Next() {
		var k string
		if err := rows.Scan(&k); err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, rows.Err()
}
