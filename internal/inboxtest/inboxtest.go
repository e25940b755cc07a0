// Package inboxtest holds helpers shared by the tests of many packages: a
// fresh store per test and records created straight through the store.
//
// Tests run on SQLite by default. When INBOXD_TEST_DATABASE_URL is set to a
// postgres:// URL, every store is a fresh database on that server instead, so
// the same suite covers both engines.
package inboxtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/sqlstore"
	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
)

// DatabaseURLEnv names the environment variable that selects PostgreSQL.
const DatabaseURLEnv = "INBOXD_TEST_DATABASE_URL"

// Engine returns the engine tests run on: "postgres" when
// INBOXD_TEST_DATABASE_URL is set, else "sqlite".
func Engine() string {
	if os.Getenv(DatabaseURLEnv) != "" {
		return "postgres"
	}
	return "sqlite"
}

// MustNewDSN returns the DSN of a fresh, empty database that is removed when
// the test ends: a SQLite file under tb.TempDir(), or a new uniquely named
// PostgreSQL database on the INBOXD_TEST_DATABASE_URL server. Most tests want
// MustOpenStore; this is for tests that open the same database more than once.
func MustNewDSN(tb testing.TB) string {
	tb.Helper()
	serverURL := os.Getenv(DatabaseURLEnv)
	if serverURL == "" {
		// A file, not :memory:, because the store keeps separate writer and
		// reader pools that must see the same database.
		return filepath.Join(tb.TempDir(), "inbox.db")
	}

	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		tb.Fatalf("%s=%q: want a postgres:// URL", DatabaseURLEnv, serverURL)
	}
	var buf [8]byte
	if _, err := rand.Read(buf[:]); err != nil {
		tb.Fatal(err)
	}
	name := "inboxd_test_" + hex.EncodeToString(buf[:])

	admin, err := sql.Open("pgx", serverURL)
	if err != nil {
		tb.Fatalf("open %s: %v", DatabaseURLEnv, err)
	}
	admin.SetMaxOpenConns(1)
	// The name is generated above, never user input, so quoting it is enough.
	if _, err := admin.ExecContext(context.Background(), `CREATE DATABASE "`+name+`"`); err != nil {
		admin.Close()
		tb.Fatalf("create test database: %v", err)
	}
	// Registered before the store's own cleanup, so it runs after the store
	// is closed (cleanups run last-in, first-out). FORCE ends any connection
	// a test leaked.
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.ExecContext(context.Background(), `DROP DATABASE IF EXISTS "`+name+`" WITH (FORCE)`); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})

	u.Path = "/" + name
	return u.String()
}

// MustOpenStore opens a store on a fresh database (see MustNewDSN) and closes
// it when the test ends. It is safe to call from parallel tests.
func MustOpenStore(tb testing.TB) *sqlstore.Store {
	tb.Helper()
	dsn := MustNewDSN(tb)
	s, err := sqlstore.Open(context.Background(), dsn)
	if err != nil {
		tb.Fatalf("open store: %v", err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Errorf("close store: %v", err)
		}
	})
	return s
}

// seq makes names and e-mail addresses unique across helpers and tests.
var seq atomic.Int64

func next() int64 { return seq.Add(1) }

// mustUpdate runs fn in a read-write transaction of store.
func mustUpdate(tb testing.TB, store inbox.Store, what string, fn func(tx inbox.Tx) error) {
	tb.Helper()
	if err := store.Update(context.Background(), fn); err != nil {
		tb.Fatalf("create %s: %v", what, err)
	}
}

// MustCreateAccount stores a new trial account.
func MustCreateAccount(tb testing.TB, store inbox.Store) *inbox.Account {
	tb.Helper()
	n := next()
	a := &inbox.Account{
		Name:   fmt.Sprintf("Account %d", n),
		Email:  fmt.Sprintf("account%d@example.com", n),
		Status: inbox.AccountTrial,
		Locale: "en",
	}
	if err := a.Validate(); err != nil {
		tb.Fatalf("account: %v", err)
	}
	mustUpdate(tb, store, "account", func(tx inbox.Tx) error { return tx.CreateAccount(context.Background(), a) })
	return a
}

// MustCreateHost stores a new online host of the account with the role
// (inbox.RoleAdministrator or inbox.RoleAgent).
func MustCreateHost(tb testing.TB, store inbox.Store, accountID int64, role string) *inbox.Host {
	tb.Helper()
	n := next()
	h := &inbox.Host{
		AccountID:    accountID,
		Firstname:    "Host",
		Lastname:     fmt.Sprintf("Number%d", n),
		Email:        fmt.Sprintf("host%d@example.com", n),
		Role:         role,
		Availability: "online",
	}
	if err := h.Validate(); err != nil {
		tb.Fatalf("host: %v", err)
	}
	mustUpdate(tb, store, "host", func(tx inbox.Tx) error { return tx.CreateHost(context.Background(), h) })
	return h
}

// MustCreateClient stores a new client (guest) of the account.
func MustCreateClient(tb testing.TB, store inbox.Store, accountID int64) *inbox.Client {
	tb.Helper()
	n := next()
	c := &inbox.Client{
		AccountID: accountID,
		Fullname:  fmt.Sprintf("Guest %d", n),
		Email:     fmt.Sprintf("guest%d@example.com", n),
	}
	if err := c.Validate(); err != nil {
		tb.Fatalf("client: %v", err)
	}
	mustUpdate(tb, store, "client", func(tx inbox.Tx) error { return tx.CreateClient(context.Background(), c) })
	return c
}

// MustCreateInbox stores a new inbox of the account for a channel (one of
// inbox.InboxChannels).
func MustCreateInbox(tb testing.TB, store inbox.Store, accountID int64, channel string) *inbox.Inbox {
	tb.Helper()
	i := &inbox.Inbox{
		AccountID:        accountID,
		Name:             fmt.Sprintf("%s inbox %d", strings.ReplaceAll(channel, "_", " "), next()),
		Channel:          channel,
		ReplyWindowHours: inbox.DefaultReplyWindow(channel),
	}
	if err := i.Validate(); err != nil {
		tb.Fatalf("inbox: %v", err)
	}
	mustUpdate(tb, store, "inbox", func(tx inbox.Tx) error { return tx.CreateInbox(context.Background(), i) })
	return i
}

// MustCreateConversation stores a new open conversation in an inbox of the
// account, with a random UUID. The store assigns ID and DisplayID.
func MustCreateConversation(tb testing.TB, store inbox.Store, accountID, inboxID int64) *inbox.Conversation {
	tb.Helper()
	c := &inbox.Conversation{
		AccountID: accountID,
		InboxID:   inboxID,
		UUID:      uuid.NewString(),
		Status:    inbox.StatusOpen,
	}
	if err := c.Validate(); err != nil {
		tb.Fatalf("conversation: %v", err)
	}
	mustUpdate(tb, store, "conversation", func(tx inbox.Tx) error { return tx.CreateConversation(context.Background(), c) })
	return c
}

// CountingStore wraps a store and counts its transactions, so that a test can
// check how many one request takes. Token lookups (a read transaction that
// looks an access token up by its hash: authentication, which is cached
// outside the request's one app call) and flushes of rate-limit counters
// (batched, at most one a second per application) are counted apart.
type CountingStore struct {
	inbox.Store
	mu     sync.Mutex
	counts TxCounts
}

// TxCounts are the transactions a CountingStore saw.
type TxCounts struct {
	Reads, Writes int // the requests' own transactions
	Auth          int // token lookups
	RateLimit     int // rate-limit counter flushes
	// Statements counts the SQL statements of the requests' own
	// transactions (a store that does not count them reports 0); Totals
	// those of them that counted a listing's total.
	Statements, Totals int
}

// NewCountingStore wraps s.
func NewCountingStore(s inbox.Store) *CountingStore { return &CountingStore{Store: s} }

// Reset zeroes the counts.
func (s *CountingStore) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.counts = TxCounts{}
}

// Counts returns the counts so far.
func (s *CountingStore) Counts() TxCounts {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.counts
}

// Update implements inbox.Store.
func (s *CountingStore) Update(ctx context.Context, fn func(inbox.Tx) error) error {
	var kind txKind
	var n statementCount
	err := s.Store.Update(ctx, func(tx inbox.Tx) error { return counted(tx, &kind, &n, fn) })
	s.count(kind, true, n)
	return err
}

// View implements inbox.Store.
func (s *CountingStore) View(ctx context.Context, fn func(inbox.Tx) error) error {
	var kind txKind
	var n statementCount
	err := s.Store.View(ctx, func(tx inbox.Tx) error { return counted(tx, &kind, &n, fn) })
	s.count(kind, false, n)
	return err
}

// statementCounter is what a store's transaction offers to count its
// statements (sqlstore.Tx does).
type statementCounter interface {
	Statements() int
	Totals() int
}

// statementCount is what one transaction ran.
type statementCount struct{ statements, totals int }

// counted runs fn on tx and sets *n to the statements it ran: the difference
// of the transaction's count, since a transaction SQLite's group commit
// shares runs other callers' work too. A retried fn counts its last run.
func counted(tx inbox.Tx, kind *txKind, n *statementCount, fn func(inbox.Tx) error) error {
	sc, ok := tx.(statementCounter)
	var before statementCount
	if ok {
		before = statementCount{sc.Statements(), sc.Totals()}
	}
	err := fn(&countingTx{Tx: tx, kind: kind})
	if ok {
		*n = statementCount{sc.Statements() - before.statements, sc.Totals() - before.totals}
	}
	return err
}

func (s *CountingStore) count(kind txKind, write bool, n statementCount) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case kind == txAuth && !write:
		s.counts.Auth++
		return
	case kind == txRateLimit:
		s.counts.RateLimit++
		return
	case write:
		s.counts.Writes++
	default:
		s.counts.Reads++
	}
	s.counts.Statements += n.statements
	s.counts.Totals += n.totals
}

type txKind int

const (
	txRequest txKind = iota
	txAuth
	txRateLimit
)

// countingTx tags the transactions CountingStore counts apart.
type countingTx struct {
	inbox.Tx
	kind *txKind
}

func (t *countingTx) FindAccessTokenByHash(ctx context.Context, hash []byte) (*inbox.AccessToken, error) {
	*t.kind = txAuth
	return t.Tx.FindAccessTokenByHash(ctx, hash)
}

func (t *countingTx) HitRateLimit(ctx context.Context, key string, window time.Time, n int) (int, error) {
	*t.kind = txRateLimit
	return t.Tx.HitRateLimit(ctx, key, window, n)
}

// RouteRecorder registers routes on a real mux and remembers their patterns,
// so that tests can walk a dialect's route table (it is an httpx.Router).
type RouteRecorder struct {
	Mux      *http.ServeMux
	Patterns []string
}

// NewRouteRecorder returns a recorder over a new mux.
func NewRouteRecorder() *RouteRecorder { return &RouteRecorder{Mux: http.NewServeMux()} }

// Handle registers h and records the pattern.
func (r *RouteRecorder) Handle(p string, h http.Handler) {
	r.Patterns = append(r.Patterns, p)
	r.Mux.Handle(p, h)
}

// HandleFunc registers h and records the pattern.
func (r *RouteRecorder) HandleFunc(p string, h func(http.ResponseWriter, *http.Request)) {
	r.Patterns = append(r.Patterns, p)
	r.Mux.HandleFunc(p, h)
}
