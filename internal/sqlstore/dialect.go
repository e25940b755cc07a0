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

// dialectJSONText extracts the text of a top-level key of a JSON object held
// in a TEXT column (NULL when the key is missing or null). key must be a constant of
// letters and underscores: it is written into the SQL.
func dialectJSONText(e engine, column, key string) string {
	for _, r := range key {
		if (r < 'a' || r > 'z') && r != '_' {
			panic("sqlstore: invalid JSON key " + strconv.Quote(key))
		}
	}
	if e == enginePostgres {
		return "(" + column + "::jsonb ->> '" + key + "')"
	}
	// Like PostgreSQL's ->>, render numbers and booleans as their JSON text.
	path := "'$." + key + "'"
	return "(CASE json_type(" + column + ", " + path + ") WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' " +
		"ELSE CAST(json_extract(" + column + ", " + path + ") AS TEXT) END)"
}
