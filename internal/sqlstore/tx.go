package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
)

var _ inbox.Tx = (*Tx)(nil)

// Tx is one database transaction with a fixed "now".
type Tx struct {
	tx       *sql.Tx
	engine   engine
	now      time.Time
	writable bool
	// shared marks a transaction that also carries other callers' work
	// (batch.go). Its statements ignore the end of the caller's context:
	// SQLite answers an interrupted write by rolling back the whole
	// transaction, which would undo the others' work too.
	shared bool
	// stmts caches prepared statements of the pool tx runs on (SQLite only).
	stmts *stmtCache
	// wroteEvents is set once the transaction wrote to the outbox: its
	// commit wakes this process's outbox readers (notify.go).
	wroteEvents bool
	// statements counts the statements run (Statements); totals those of
	// them that counted a listing's total (Totals).
	statements, totals int
}

// Statements returns how many statements the transaction has run so far, so
// that a test can check that a request's work does not grow with its page.
// A transaction is used by one goroutine at a time, so a plain counter does.
func (tx *Tx) Statements() int { return tx.statements }

// Totals returns how many of those statements counted a listing's total: a
// first page holding fewer rows than its limit needs none (list), so a test
// comparing pages of different sizes tells them from per-row work.
func (tx *Tx) Totals() int { return tx.totals }

// Now returns the transaction's time.
func (tx *Tx) Now() time.Time { return tx.now }

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	ctx = tx.stmtContext(ctx)
	tx.statements++
	if st := tx.stmts.get(ctx, q); st != nil {
		return tx.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, rebind(tx.engine, q), args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	ctx = tx.stmtContext(ctx)
	tx.statements++
	if st := tx.stmts.get(ctx, q); st != nil {
		return tx.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, rebind(tx.engine, q), args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	ctx = tx.stmtContext(ctx)
	tx.statements++
	if st := tx.stmts.get(ctx, q); st != nil {
		return tx.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, rebind(tx.engine, q), args...)
}

// queryOnce and execOnce run a statement whose text is built for one call
// (a multi-row VALUES list) without preparing it: a statement per row count
// would crowd the cache. They count like the others.
func (tx *Tx) queryOnce(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	tx.statements++
	return tx.tx.QueryContext(tx.stmtContext(ctx), rebind(tx.engine, q), args...)
}

func (tx *Tx) execOnce(ctx context.Context, q string, args ...any) (sql.Result, error) {
	tx.statements++
	return tx.tx.ExecContext(tx.stmtContext(ctx), rebind(tx.engine, q), args...)
}

// stmtContext is the context a statement runs with.
func (tx *Tx) stmtContext(ctx context.Context) context.Context {
	if tx.shared {
		return context.WithoutCancel(ctx)
	}
	return ctx
}

// insert runs an INSERT … RETURNING id and returns the id.
func (tx *Tx) insert(ctx context.Context, q string, args ...any) (int64, error) {
	var id int64
	err := tx.queryRow(ctx, q+" RETURNING id", args...).Scan(&id)
	return id, err
}

// affected returns ENOTFOUND when an UPDATE or DELETE matched no row.
func affected(res sql.Result, err error, kind string) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return inbox.NotFound(kind)
	}
	return nil
}

// notFound maps sql.ErrNoRows to a domain ENOTFOUND for the kind of record.
func notFound(err error, kind string) error {
	if err == sql.ErrNoRows {
		return inbox.NotFound(kind)
	}
	return err
}

// Times are stored as Unix microseconds.
func ts(t time.Time) int64 { return t.UnixMicro() }

func tsp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func fromTS(v int64) time.Time { return time.UnixMicro(v).UTC() }

func fromNullTS(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromTS(v.Int64)
	return &t
}

// jsonText encodes attributes for a TEXT column; nil becomes {}.
func jsonText(a inbox.Attributes) string {
	if len(a) == 0 {
		return "{}"
	}
	b, err := json.Marshal(a)
	if err != nil {
		return "{}"
	}
	return string(b)
}

func parseAttrs(s string) inbox.Attributes {
	a := inbox.Attributes{}
	if s != "" {
		_ = json.Unmarshal([]byte(s), &a)
	}
	return a
}

// placeholders returns "?, ?, ?" for n values.
func placeholders(n int) string {
	if n <= 0 {
		return "NULL"
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func int64Args(ids []int64) []any {
	out := make([]any, len(ids))
	for i, id := range ids {
		out[i] = id
	}
	return out
}

// where accumulates AND-ed conditions and their arguments; it is the small
// builder the dynamic listings use.
type where struct {
	conds []string
	args  []any
}

func (w *where) add(cond string, args ...any) {
	w.conds = append(w.conds, cond)
	w.args = append(w.args, args...)
}

func (w *where) in(column string, ids []int64) {
	w.add(column+" IN ("+placeholders(len(ids))+")", int64Args(ids)...)
}

func (w *where) sql() string { return strings.Join(w.conds, " AND ") }

// pageQuery builds the page query and the count query of a listing of
// columns from table (with its alias) filtered by w.
//
// With order "" the listing is by ascending key: Page.AfterID is a keyset
// cursor (and, as a condition, part of what the total counts), and an
// offset becomes a lower bound on key found by an index-only subquery over
// the same conditions, so a deep page reads one page of rows instead of
// every row before it. Any other order pages with a plain OFFSET.
//
// LIMIT and OFFSET are written as literals, not bound: SQLite lets a bound
// LIMIT steer the plan, so rebinding it re-prepares the statement on every
// call (profiles showed a sixth of the CPU of a read there). Both are
// integers computed here, never client text.
//
// The count is skipped when the page itself shows the total: a first page
// (no offset) under the same conditions that holds fewer rows than its
// limit holds every match.
func pageQuery(w *where, columns, from, key, order string, p inbox.Page) (q string, args []any, c count) {
	limit := p.Limit
	if limit <= 0 {
		limit = 100
	}
	tail := " LIMIT " + strconv.Itoa(limit)
	cond := ""
	if order == "" {
		order = key
		if p.AfterID > 0 {
			w.add(key+" > ?", p.AfterID)
		} else if p.Offset > 0 {
			cond = " AND " + key + " >= (SELECT " + key + " FROM " + from + " WHERE " + w.sql() +
				" ORDER BY " + key + " LIMIT 1 OFFSET " + strconv.Itoa(p.Offset) + ")"
			args = append(args, w.args...)
		}
	} else if p.Offset > 0 {
		tail += " OFFSET " + strconv.Itoa(p.Offset)
	}
	if !p.SkipTotal {
		c.args = append([]any(nil), w.args...)
		c.q = "SELECT COUNT(*) FROM " + from + " WHERE " + w.sql()
		if p.Offset <= 0 {
			c.whole = limit
		}
	}
	q = "SELECT " + columns + " FROM " + from + " WHERE " + w.sql() + cond + " ORDER BY " + order + tail
	return q, append(append([]any(nil), w.args...), args...), c
}

// count is how a listing learns its total (pageQuery).
type count struct {
	// q counts every match with args; "" for no total (Page.SkipTotal).
	q    string
	args []any
	// whole, when not 0, is the LIMIT of a page that starts at the first
	// match of the same conditions as q: with fewer rows than that, the
	// page holds every match and q need not run.
	whole int
}

// scanner is what *sql.Row and *sql.Rows share.
type scanner interface{ Scan(dest ...any) error }

// list runs a listing query and its count (none when c.q is empty). The total comes from its own
// COUNT(*) rather than a window function: COUNT(*) OVER() makes the engine
// read every matching row, with all its columns, to return one page.
func list[T any](ctx context.Context, tx *Tx, q string, args []any, c count,
	scan func(scanner) (T, error)) ([]T, int, error) {
	rows, err := tx.query(ctx, q, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	total := 0
	if c.q == "" { // Page.SkipTotal
		return out, 0, nil
	}
	if len(out) < c.whole {
		return out, len(out), nil
	}
	tx.totals++
	if err := tx.queryRow(ctx, c.q, c.args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	return out, total, nil
}

// setList accumulates "column = ?" assignments of an UPDATE.
type setList struct {
	cols []string
	args []any
}

func (s *setList) set(col string, v any) {
	s.cols = append(s.cols, col+" = ?")
	s.args = append(s.args, v)
}

func (s *setList) sql() string { return strings.Join(s.cols, ", ") }
