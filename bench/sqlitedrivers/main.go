// Command sqlitedrivers compares the two pure-Go SQLite drivers inboxd could
// use, modernc.org/sqlite (the one it uses) and github.com/ncruces/go-sqlite3,
// on the same SQL: inboxd's shapes of the messages table with its FTS5 index,
// the outbox, and the reads behind a conversation, a list page and a search.
// It is a module of its own so that the comparison adds nothing to inboxd's
// dependencies.
//
//	go run . -rounds 3
//
// Each round runs every scenario on each driver in turn (alternating which
// goes first) on a fresh database, and prints operations per second and the
// process's CPU time per operation, which a shared machine disturbs less
// than wall time.
package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // "sqlite3"
	"github.com/ncruces/go-sqlite3/ext/fts5"
	_ "modernc.org/sqlite" // "sqlite"
)

// ncruces builds FTS5 as an extension of its own, loaded into each
// connection; modernc has it built in.
func init() { sqlite3.AutoExtension(fts5.Register) }

var drivers = []struct{ name, driver string }{
	{"modernc", "sqlite"},
	{"ncruces", "sqlite3"},
}

const schema = `
CREATE TABLE conversations (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, subject TEXT NOT NULL,
	status TEXT NOT NULL, last_activity_at INTEGER NOT NULL);
CREATE INDEX conversations_activity ON conversations (account_id, last_activity_at DESC, id DESC);
CREATE TABLE messages (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, conversation_id INTEGER NOT NULL,
	kind TEXT NOT NULL, content TEXT, content_attributes TEXT NOT NULL DEFAULT '{}', created_at INTEGER NOT NULL);
CREATE INDEX messages_conversation ON messages (conversation_id, id);
CREATE TABLE events (id INTEGER PRIMARY KEY, account_id INTEGER NOT NULL, type TEXT NOT NULL,
	subject_id INTEGER NOT NULL, changes TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE VIEW messages_search AS SELECT id, content, 'a' || account_id AS acct FROM messages;
CREATE VIRTUAL TABLE messages_fts USING fts5(content, acct, content = 'messages_search', content_rowid = 'id',
	tokenize = 'unicode61 remove_diacritics 0', prefix = '2 3');
CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
	INSERT INTO messages_fts (rowid, content, acct) VALUES (new.id, new.content, 'a' || new.account_id);
END;`

const (
	accounts      = 10
	conversations = 2000
	perConv       = 10
)

var words = []string{"check-in", "key", "parking", "wifi", "towels", "late", "airport", "breakfast", "pool", "invoice"}

func main() {
	rounds := flag.Int("rounds", 3, "rounds of every scenario on each driver")
	ops := flag.Int("ops", 4000, "operations per scenario")
	flag.Parse()
	dir, err := os.MkdirTemp("", "sqlitedrivers-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	fmt.Printf("%-8s %-7s %-8s %10s %12s\n", "round", "driver", "scenario", "ops/s", "cpu-µs/op")
	for r := 1; r <= *rounds; r++ {
		for i := range drivers {
			d := drivers[(i+r)%len(drivers)]
			path := filepath.Join(dir, fmt.Sprintf("%s-%d.db", d.name, r))
			for _, res := range runAll(d.driver, path, *ops) {
				fmt.Printf("%-8d %-7s %-8s %10.0f %12.1f\n", r, d.name, res.name, res.opsPerSec, res.cpuPerOp)
			}
		}
	}
}

type result struct {
	name                string
	opsPerSec, cpuPerOp float64
}

func runAll(driver, path string, ops int) []result {
	pragmas := "_pragma=journal_mode(WAL)&_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)&_pragma=synchronous(FULL)"
	w, err := sql.Open(driver, "file:"+path+"?"+pragmas+"&_pragma=cache_size(-32768)&_pragma=temp_store(MEMORY)&_txlock=immediate")
	if err != nil {
		fail(err)
	}
	defer w.Close()
	w.SetMaxOpenConns(1)
	if _, err := w.Exec(schema); err != nil {
		fail(fmt.Errorf("%s: schema: %w", driver, err))
	}
	seed(w)
	r, err := sql.Open(driver, "file:"+path+"?"+pragmas+"&_pragma=cache_size(-8192)&_pragma=query_only(1)")
	if err != nil {
		fail(err)
	}
	defer r.Close()
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	return []result{
		measure("write", ops, 1, func(i int) { writeBatch(w, i) }, 32),
		measure("get", ops, 8, func(i int) { get(r, i) }, 1),
		measure("list", ops/4, 8, func(i int) { list(r, i) }, 1),
		measure("search", ops/4, 8, func(i int) { search(r, i) }, 1),
	}
}

// measure runs n operations on g goroutines; an operation of perCall units
// counts perCall times.
func measure(name string, n, g int, op func(int), perCall int) result {
	var next atomic.Int64
	var wg sync.WaitGroup
	cpu0, t0 := cpuTime(), time.Now()
	calls := n / perCall
	for range g {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(calls); i = next.Add(1) {
				op(int(i))
			}
		}()
	}
	wg.Wait()
	wall, cpu := time.Since(t0), cpuTime()-cpu0
	done := float64(calls * perCall)
	return result{name, done / wall.Seconds(), float64(cpu.Microseconds()) / done}
}

func seed(w *sql.DB) {
	rng := rand.New(rand.NewPCG(1, 2))
	tx, err := w.Begin()
	if err != nil {
		fail(err)
	}
	for c := 1; c <= conversations; c++ {
		at := time.Now().Add(-time.Duration(rng.IntN(90*24)) * time.Hour).Unix()
		must(tx.Exec(`INSERT INTO conversations (id, account_id, subject, status, last_activity_at) VALUES (?, ?, 'Stay question', 'open', ?)`,
			c, c%accounts+1, at))
		for m := 0; m < perConv; m++ {
			must(tx.Exec(`INSERT INTO messages (account_id, conversation_id, kind, content, created_at) VALUES (?, ?, 'incoming', ?, ?)`,
				c%accounts+1, c, content(rng), at+int64(m)))
		}
	}
	if err := tx.Commit(); err != nil {
		fail(err)
	}
}

func content(rng *rand.Rand) string {
	return fmt.Sprintf("Hello, is the flat free on the %dth? What about the %s and the %s?", rng.IntN(28)+1,
		words[rng.IntN(len(words))], words[rng.IntN(len(words))])
}

// writeBatch is inboxd's group commit: 32 callers, each in a savepoint,
// each writing a message, its outbox event and the conversation's activity,
// then one durable commit.
func writeBatch(w *sql.DB, i int) {
	rng := rand.New(rand.NewPCG(uint64(i), 7))
	tx, err := w.Begin()
	if err != nil {
		fail(err)
	}
	for range 32 {
		conv := rng.IntN(conversations) + 1
		acct := conv%accounts + 1
		now := time.Now().Unix()
		must(tx.Exec(`SAVEPOINT w`))
		var id int64
		if err := tx.QueryRow(`INSERT INTO messages (account_id, conversation_id, kind, content, created_at) VALUES (?, ?, 'outgoing', ?, ?) RETURNING id`,
			acct, conv, content(rng), now).Scan(&id); err != nil {
			fail(err)
		}
		must(tx.Exec(`INSERT INTO events (account_id, type, subject_id, changes, created_at) VALUES (?, 'message.created', ?, '{}', ?)`, acct, id, now))
		must(tx.Exec(`UPDATE conversations SET last_activity_at = ? WHERE account_id = ? AND id = ?`, now, acct, conv))
		must(tx.Exec(`RELEASE w`))
	}
	if err := tx.Commit(); err != nil {
		fail(err)
	}
}

// get reads one conversation and its newest 20 messages in one read
// transaction, as a conversation's page does.
func get(r *sql.DB, i int) {
	conv := (i*7919)%conversations + 1
	tx, err := r.BeginTx(context.Background(), &sql.TxOptions{ReadOnly: true})
	if err != nil {
		fail(err)
	}
	defer tx.Commit()
	var subject, status string
	var at int64
	if err := tx.QueryRow(`SELECT subject, status, last_activity_at FROM conversations WHERE account_id = ? AND id = ?`,
		conv%accounts+1, conv).Scan(&subject, &status, &at); err != nil {
		fail(err)
	}
	drain(tx.Query(`SELECT id, kind, content, content_attributes, created_at FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT 20`, conv))
}

// list reads a page of 20 conversations by activity and the newest
// message of each in one statement, as the lists do.
func list(r *sql.DB, i int) {
	acct := i%accounts + 1
	offset := (i * 31) % 150
	drain(r.Query(`
		SELECT c.id, c.subject, c.status, c.last_activity_at, m.content
		FROM (SELECT * FROM conversations WHERE account_id = ? ORDER BY last_activity_at DESC, id DESC LIMIT 20 OFFSET ?) c
		JOIN messages m ON m.id = (SELECT max(id) FROM messages WHERE conversation_id = c.id)`, acct, offset))
}

// search finds the best 20 messages of an account for a word.
func search(r *sql.DB, i int) {
	drain(r.Query(`SELECT m.id, m.content FROM messages_fts f JOIN messages m ON m.id = f.rowid
		WHERE messages_fts MATCH ? ORDER BY rank LIMIT 20`,
		fmt.Sprintf(`content:%s AND acct:a%d`, words[i%len(words)][:3]+"*", i%accounts+1)))
}

func drain(rows *sql.Rows, err error) {
	if err != nil {
		fail(err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	dest := make([]any, len(cols))
	for i := range dest {
		dest[i] = new(any)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			fail(err)
		}
	}
	if err := rows.Err(); err != nil {
		fail(err)
	}
}

func must(_ sql.Result, err error) {
	if err != nil {
		fail(err)
	}
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "sqlitedrivers:", err)
	os.Exit(1)
}
