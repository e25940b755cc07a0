package sqlstore

import (
	"strconv"
	"strings"
)

// engine names a database engine. The handful of SQL differences between the
// two are the functions in this file, so `grep dialect` lists them all.
type engine string

const (
	engineSQLite   engine = "sqlite"
	enginePostgres engine = "postgres"
)

// rebind rewrites ? placeholders to $1, $2… for PostgreSQL. Queries in this
// package never contain a literal question mark.
func rebind(e engine, q string) string {
	if e != enginePostgres || !strings.Contains(q, "?") {
		return q
	}
	var b strings.Builder
	b.Grow(len(q) + 16)
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// dialectContains returns a case-insensitive substring match of column against
// the placeholder's value (already wrapped in % by the caller).
func dialectContains(e engine, column string) string {
	if e == enginePostgres {
		return column + " ILIKE ? ESCAPE '\\'"
	}
	return column + " LIKE ? ESCAPE '\\'"
}

// dialectForUpdate is the row-lock suffix for a SELECT in a read-write
// transaction. SQLite needs none: its single writer already serialises.
func dialectForUpdate(e engine, writable bool) string {
	if e == enginePostgres && writable {
		return " FOR UPDATE"
	}
	return ""
}

// likePattern escapes s for a LIKE pattern and wraps it in %.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(s) + "%"
}
