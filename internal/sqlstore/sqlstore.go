// Package sqlstore is the single SQL implementation of inbox.Store for both
// SQLite (embedded default) and PostgreSQL. Queries are written in the subset
// both engines share; the few differences sit in dialect.go.
package sqlstore

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/metrics"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite"
)

//go:embed migrations
var migrationsFS embed.FS

var _ inbox.Store = (*Store)(nil)

// Store is the SQL store. Open one with Open.
type Store struct {
	engine engine
	// write serves read-write transactions. On SQLite it holds one connection,
	// so writers queue in the pool instead of failing with SQLITE_BUSY.
	write *sql.DB
	// read serves read-only transactions; on PostgreSQL it is the same pool.
	read *sql.DB
	// Now is the clock; tests may replace it.
	Now func() time.Time
	// MaxRetries bounds how often Update reruns a transaction the engine
	// asked to retry.
	MaxRetries int

	// SQLite writes go through one goroutine that shares commits (batch.go).
	writes       chan *writeReq
	writerDone   chan struct{}
	writesMu     sync.RWMutex // guards sending on writes against Close
	writesClosed bool

	// Prepared statement caches of the SQLite pools (nil on PostgreSQL).
	writeStmts, readStmts *stmtCache

	// dsn is kept for the LISTEN connection (notify.go).
	dsn string
	// listeners are the channels Changes handed out.
	listenersMu sync.Mutex
	listeners   map[chan struct{}]struct{}
}

// ErrUnreachable wraps Open's error when the database did not answer (not
// up yet, wrong address): a caller may retry.
var ErrUnreachable = errors.New("database unreachable")

// Open connects to dsn, applies pending migrations and returns the store.
// A dsn starting with postgres:// or postgresql:// selects PostgreSQL; any
// other value is a SQLite file path (its directory is created). A database
// that holds migrations this binary does not know (a newer inboxd migrated
// it) is refused with *NewerSchemaError.
func Open(ctx context.Context, dsn string) (*Store, error) {
	s, err := connect(ctx, dsn)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		var newer *NewerSchemaError
		if errors.As(err, &newer) {
			return nil, err
		}
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if s.engine == engineSQLite {
		s.writeStmts, s.readStmts = newStmtCache(s.write), newStmtCache(s.read)
		s.startWriter()
	}
	return s, nil
}

// connect opens the pools and checks the database answers.
func connect(ctx context.Context, dsn string) (*Store, error) {
	s := &Store{Now: time.Now, MaxRetries: 10, dsn: dsn}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s.engine = enginePostgres
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			return nil, fmt.Errorf("open postgres: %w", err)
		}
		db.SetMaxOpenConns(32)
		db.SetMaxIdleConns(32)
		db.SetConnMaxIdleTime(5 * time.Minute)
		s.write, s.read = db, db
	} else {
		s.engine = engineSQLite
		if err := s.openSQLite(dsn); err != nil {
			return nil, err
		}
	}
	// A server that drops packets would hold the first connection for the
	// operating system's TCP timeout (minutes); a caller that retries wants
	// to hear sooner.
	pingCtx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	if err := s.Ping(pingCtx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to database: %w: %w", ErrUnreachable, err)
	}
	return s, nil
}

// pingTimeout bounds Open's first contact with the database.
const pingTimeout = 15 * time.Second

func (s *Store) openSQLite(path string) error {
	if path == "" {
		return errors.New("empty SQLite path")
	}
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o750); err != nil {
			return fmt.Errorf("create database directory: %w", err)
		}
	}
	// WAL lets readers run beside the writer; synchronous=FULL makes every
	// acknowledged commit durable; the busy timeout absorbs other processes.
	pragmas := "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)"
	// Page caches: SQLite's default 2 MB made most page reads a pread system
	// call once the database outgrew it (40% of the writer's CPU in
	// profiles). 32 MB for the writer and 8 MB for each of the 8 readers
	// bound the cache memory at 96 MB.
	// temp_store=MEMORY on the writer: group commit runs each caller in a
	// SAVEPOINT, so every page a caller touches is first copied to the
	// sub-journal, which outgrows SQLite's in-memory spill threshold
	// within a batch and was then written to a temporary file: a pwrite
	// per page, 21% of the server's CPU when creating messages. In memory
	// it costs a copy, bounded by the pages one shared transaction changes.
	w, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=cache_size(-32768)&_pragma=temp_store(MEMORY)&_txlock=immediate")
	if err != nil {
		return fmt.Errorf("open sqlite: %w", err)
	}
	// Writes are serialised by the writer goroutine (batch.go), not by the
	// pool: the second connection lets the statement cache prepare while the
	// first is inside a transaction.
	w.SetMaxOpenConns(2)
	w.SetMaxIdleConns(2)
	w.SetConnMaxLifetime(0)
	r, err := sql.Open("sqlite", "file:"+path+"?"+pragmas+"&_pragma=cache_size(-8192)&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return fmt.Errorf("open sqlite: %w", err)
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	s.write, s.read = w, r
	return nil
}

// Engine names the database engine: "sqlite" or "postgres".
func (s *Store) Engine() string { return string(s.engine) }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return err
	}
	if s.read != s.write {
		return s.read.PingContext(ctx)
	}
	return nil
}

// Close closes the connection pools.
func (s *Store) Close() error {
	s.stopWriter()
	s.writeStmts.close()
	s.readStmts.close()
	var err error
	if s.read != nil && s.read != s.write {
		err = s.read.Close()
	}
	if s.write != nil {
		if e := s.write.Close(); e != nil {
			err = e
		}
	}
	return err
}

// Update runs fn in a read-write transaction, retrying it when the engine
// reports a transient conflict, or (PostgreSQL) when the connection failed
// before the COMMIT was sent: the server rolled that transaction back, and a
// restarted server or a fresh connection of the pool may well serve it
// (commit.go).
func (s *Store) Update(ctx context.Context, fn func(inbox.Tx) error) (err error) {
	defer func(start time.Time) { metrics.ObserveTx(true, time.Since(start), err) }(time.Now())
	for attempt := 0; ; attempt++ {
		if s.writes != nil {
			err = s.updateBatched(ctx, fn)
		} else {
			err = s.run(ctx, s.write, false, fn)
		}
		if err == nil || !(retryable(err) || errors.Is(err, errRolledBack)) || attempt >= s.MaxRetries {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 2 * time.Millisecond):
		}
	}
	if retryable(err) {
		return inbox.Errorf(inbox.ECONFLICT, "The database is busy; try again.")
	}
	return err
}

// View runs fn in a read-only transaction, rerunning it (a few times) when
// the connection failed.
func (s *Store) View(ctx context.Context, fn func(inbox.Tx) error) (err error) {
	defer func(start time.Time) { metrics.ObserveTx(false, time.Since(start), err) }(time.Now())
	for attempt := 0; ; attempt++ {
		err = s.run(ctx, s.read, true, fn)
		if err == nil || !errors.Is(err, errRolledBack) || attempt >= 3 {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
		}
	}
}

func (s *Store) run(ctx context.Context, db *sql.DB, readOnly bool, fn func(inbox.Tx) error) error {
	sqlTx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: readOnly && s.engine == enginePostgres})
	if err != nil {
		return rolledBack(normalize(err))
	}
	// Deferred so that a panic in fn also ends the transaction; otherwise it
	// keeps its connection and row locks until ctx ends, which for a
	// background context is never. After Commit it is a no-op.
	defer sqlTx.Rollback()
	tx := &Tx{tx: sqlTx, engine: s.engine, now: inbox.Truncate(s.Now()), writable: !readOnly, stmts: s.writeStmts}
	if readOnly {
		tx.stmts = s.readStmts
	}
	if err := fn(tx); err != nil {
		return rolledBack(normalize(err))
	}
	var xid int64
	if !readOnly && s.engine == enginePostgres {
		// The transaction's id, to learn the outcome of its COMMIT should
		// the answer be lost (resolveCommit).
		if err := sqlTx.QueryRowContext(ctx, `SELECT txid_current()`).Scan(&xid); err != nil {
			return rolledBack(normalize(err))
		}
	}
	if err := sqlTx.Commit(); err != nil {
		if xid != 0 && commitUnknown(err) {
			return s.resolveCommit(ctx, xid, err)
		}
		return normalize(err)
	}
	if tx.wroteEvents {
		s.changed()
	}
	return nil
}

// NewerSchemaError reports a database migrated by a newer inboxd: it holds
// migrations this binary does not know, so this binary's queries may not fit
// it any more.
type NewerSchemaError struct {
	Unknown []string // the applied migrations this binary does not know
}

func (e *NewerSchemaError) Error() string {
	return fmt.Sprintf("the database was migrated by a newer inboxd (it has migrations this binary does not know: %s); "+
		"run that version or a newer one", strings.Join(e.Unknown, ", "))
}

// migrate applies the embedded migrations of the engine that are not yet
// recorded, each in its own transaction, in lexical order. It applies none
// when the database holds a migration this binary does not know.
func (s *Store) migrate(ctx context.Context) error {
	if _, err := s.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS migrations (name TEXT PRIMARY KEY)`); err != nil {
		return fmt.Errorf("create migrations table: %w", err)
	}
	names, err := MigrationNames(string(s.engine))
	if err != nil {
		return err
	}
	applied, err := s.appliedMigrations(ctx)
	if err != nil {
		return err
	}
	if unknown := unknownMigrations(applied, names); len(unknown) > 0 {
		return &NewerSchemaError{Unknown: unknown}
	}
	for _, name := range names {
		if err := s.migrateFile(ctx, name); err != nil {
			return fmt.Errorf("migration %s: %w", name, err)
		}
	}
	return nil
}

func (s *Store) migrateFile(ctx context.Context, name string) error {
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if s.engine == enginePostgres {
		// Serialise concurrent nodes migrating the same database.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7283001)`); err != nil {
			return err
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, rebind(s.engine, `SELECT COUNT(*) FROM migrations WHERE name = ?`), name).Scan(&n); err != nil {
		return err
	} else if n > 0 {
		return nil
	}
	buf, err := fs.ReadFile(migrationsFS, "migrations/"+string(s.engine)+"/"+name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(buf)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, rebind(s.engine, `INSERT INTO migrations (name) VALUES (?)`), name); err != nil {
		return err
	}
	return tx.Commit()
}

// appliedMigrations lists the migrations recorded in the database, sorted.
func (s *Store) appliedMigrations(ctx context.Context) ([]string, error) {
	rows, err := s.write.QueryContext(ctx, `SELECT name FROM migrations ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		names = append(names, n)
	}
	return names, rows.Err()
}

func unknownMigrations(applied, known []string) []string {
	var unknown []string
	for _, n := range applied {
		if !slices.Contains(known, n) {
			unknown = append(unknown, n)
		}
	}
	return unknown
}

// Migration is one migration and whether the database has it.
type Migration struct {
	Name    string `json:"name"`
	Applied bool   `json:"applied"`
	// Known is false for a migration the database has and this binary does
	// not (a newer inboxd applied it).
	Known bool `json:"known"`
}

// MigrationStatus lists the migrations of the database at dsn, applied and
// pending, without applying any. A SQLite file that does not exist yet is
// not created: every migration is pending.
func MigrationStatus(ctx context.Context, dsn string) (engine string, ms []Migration, err error) {
	eng := engineSQLite
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		eng = enginePostgres
	}
	known, err := MigrationNames(string(eng))
	if err != nil {
		return "", nil, err
	}
	var applied []string
	if _, statErr := os.Stat(dsn); eng == enginePostgres || statErr == nil {
		s, err := connect(ctx, dsn)
		if err != nil {
			return "", nil, err
		}
		defer s.Close()
		var exists bool
		q := `SELECT COUNT(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'migrations'`
		if eng == enginePostgres {
			q = `SELECT to_regclass('migrations') IS NOT NULL`
		}
		if err := s.read.QueryRowContext(ctx, q).Scan(&exists); err != nil {
			return "", nil, err
		}
		if exists {
			if applied, err = s.appliedMigrations(ctx); err != nil {
				return "", nil, err
			}
		}
	}
	for _, n := range known {
		ms = append(ms, Migration{Name: n, Applied: slices.Contains(applied, n), Known: true})
	}
	for _, n := range unknownMigrations(applied, known) {
		ms = append(ms, Migration{Name: n, Applied: true})
	}
	slices.SortFunc(ms, func(a, b Migration) int { return strings.Compare(a.Name, b.Name) })
	return string(eng), ms, nil
}

// MigrationNames lists the migration files of an engine in the order they apply.
func MigrationNames(engine string) ([]string, error) {
	entries, err := fs.ReadDir(migrationsFS, "migrations/"+engine)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".sql") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// Maintain refreshes the planner's statistics (and, on PostgreSQL, the
// visibility map that index-only scans need): what autovacuum does after a
// bulk load, for tools that load data and measure at once.
func (s *Store) Maintain(ctx context.Context) error {
	q := "ANALYZE"
	if s.engine == enginePostgres {
		q = "VACUUM ANALYZE"
	}
	_, err := s.write.ExecContext(ctx, q)
	return err
}
