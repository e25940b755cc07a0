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

// dialectEventSeq is the column holding an event's place in the outbox
// order (migration 0007a): SQLite's id, PostgreSQL's seq (NULL until the
// event is sequenced, so "seq > ?" also leaves out events not placed yet).
func dialectEventSeq(e engine) string {
	if e == enginePostgres {
		return "seq"
	}
	return "id"
}

// likeEscaper escapes the LIKE wildcards of a literal.
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// likePattern escapes s for a LIKE pattern and wraps it in %.
func likePattern(s string) string { return "%" + likeEscaper.Replace(s) + "%" }

// likePrefix escapes s for a LIKE pattern matching what starts with it.
func likePrefix(s string) string { return likeEscaper.Replace(s) + "%" }

// dialectJSONText extracts the text of a top-level key of a JSON object held
// in a TEXT column (NULL when the key is missing or null). key must be a
// constant of letters and underscores: it is written into the SQL.
//
// It does not fail on any JSON document the store writes, because one
// record must not make every filter of its account fail: SQLite's JSON
// functions raise an error on a document nested deeper than 1,000 levels
// (json_valid says 0 instead, so such a document reads as having no key),
// and PostgreSQL's jsonb refuses the escape \u0000, which is valid JSON
// (it is replaced by \ufffd first: same length, still valid, the other
// keys unchanged). PostgreSQL's parser handles the 10,000 levels that Go's
// decoder, and so any request, stops at.
func dialectJSONText(e engine, column, key string) string {
	for _, r := range key {
		if (r < 'a' || r > 'z') && r != '_' {
			panic("sqlstore: invalid JSON key " + strconv.Quote(key))
		}
	}
	if e == enginePostgres {
		return "(replace(" + column + ", '\\u0000', '\\ufffd')::jsonb ->> '" + key + "')"
	}
	// Like PostgreSQL's ->>, render numbers and booleans as their JSON text.
	path := "'$." + key + "'"
	return "(CASE WHEN json_valid(" + column + ") THEN (CASE json_type(" + column + ", " + path + ") " +
		"WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' " +
		"ELSE CAST(json_extract(" + column + ", " + path + ") AS TEXT) END) END)"
}

// Full-text search. Both engines index the same words (runs of letters and
// digits) with the account as an extra term, so an account's matches come
// straight from the index: SQLite through FTS5 tables fed by triggers,
// PostgreSQL through generated tsvector columns with GIN indexes (migration
// 0006). Terms are inbox.SearchTerms: letters and digits only, so they are
// written into the query text without escaping.

// searchables are the tables with a full-text index: the FTS5 table and
// columns searched on SQLite.
var searchables = map[string]struct{ fts, columns string }{
	"messages": {"messages_fts", "content"},
	"clients":  {"clients_fts", "name email phone identifier"},
}

// searchMatch is how an engine finds an account's rows of a table that hold
// every group of terms: the FROM items (the table under the alias), the
// condition, and the newest-first order the index streams, so that a LIMIT
// stops it early. The query's last term matches as a word prefix, the others
// whole (a prefix over a common start costs a read of every row that has
// it, a whole word does not).
type searchMatch struct {
	from, where, newest string
	args                []any
}

// dialectSearch returns the match of groups, which must not be empty.
func dialectSearch(e engine, table, alias string, accountID int64, groups [][]string) searchMatch {
	parts := make([]string, len(groups))
	if e == enginePostgres {
		for i, g := range groups {
			parts[i] = "'" + strings.Join(g, "' <-> '") + "'"
		}
		parts[len(parts)-1] += ":*"
		return searchMatch{
			from:   table + " " + alias,
			where:  alias + ".search @@ (to_tsquery('simple', ?) && ?::tsquery) AND " + alias + ".account_id = ?",
			newest: alias + ".id DESC",
			args:   []any{strings.Join(parts, " & "), "'#" + strconv.FormatInt(accountID, 10) + "'", accountID},
		}
	}
	s := searchables[table]
	for i, g := range groups {
		parts[i] = `"` + strings.Join(g, `" + "`) + `"`
	}
	parts[len(parts)-1] += "*"
	match := `{acct}: "a` + strconv.FormatInt(accountID, 10) + `" AND {` + s.columns + `}: ((` + strings.Join(parts, ") AND (") + `))`
	return searchMatch{
		from:   s.fts + " f JOIN " + table + " " + alias + " ON " + alias + ".id = f.rowid",
		where:  "f." + s.fts + " MATCH ? AND " + alias + ".account_id = ?",
		newest: "f.rowid DESC",
		args:   []any{match, accountID},
	}
}
