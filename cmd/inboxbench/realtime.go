package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// The realtime scenarios measure /cable:
//
//	RT1  commit→client latency, 200 subscribers of one account on the node
//	     the messages are posted to, and whether every subscriber got every
//	     message exactly once;
//	RT2  the same with the subscribers on a second node (PostgreSQL only:
//	     one SQLite database is served by one process);
//	RT3  the server's memory per idle connection: RSS with 5,000
//	     subscribed, idle /cable connections, less RSS before them.
//
// Latency is measured from the moment the writer sends the POST (the
// commit happens inside it) to the moment a subscriber reads the broadcast,
// and, as a lower bound, from the moment the POST's answer arrives (a
// broadcast read before that counts as 0).

// realtimeResult is one measured realtime scenario.
type realtimeResult struct {
	Name        string  `json:"name"`
	Subscribers int     `json:"subscribers"`
	Messages    int     `json:"messages,omitempty"`
	Expected    int     `json:"deliveries_expected,omitempty"`
	Received    int     `json:"deliveries_received,omitempty"`
	Lost        int     `json:"lost"`
	Duplicates  int     `json:"duplicates"`
	P50ms       float64 `json:"p50_ms,omitempty"`
	P99ms       float64 `json:"p99_ms,omitempty"`
	MaxMs       float64 `json:"max_ms,omitempty"`
	P99AckMs    float64 `json:"p99_after_answer_ms,omitempty"`
	RSSBeforeMB float64 `json:"rss_before_mb,omitempty"`
	RSSAfterMB  float64 `json:"rss_after_mb,omitempty"`
	PerConnKB   float64 `json:"rss_per_connection_kb,omitempty"`
}

func printRealtime(w io.Writer, rs []realtimeResult) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%-26s %6s %6s %9s %6s %5s %8s %8s %8s %9s %9s\n", "realtime", "subs", "msgs", "received", "lost", "dups",
		"p50 ms", "p99 ms", "max ms", "p99 ack", "KB/conn")
	for _, r := range rs {
		fmt.Fprintf(w, "%-26s %6d %6d %9d %6d %5d %8.1f %8.1f %8.1f %9.1f %9.1f\n", r.Name, r.Subscribers, r.Messages, r.Received,
			r.Lost, r.Duplicates, r.P50ms, r.P99ms, r.MaxMs, r.P99AckMs, r.PerConnKB)
	}
}

// wants reports whether -only selects a scenario.
func (o options) wants(name string) bool {
	return o.only == "" || strings.Contains(","+o.only+",", ","+name+",")
}

// runRealtime runs the realtime scenarios -only selects. second starts
// another node on the same database (nil on SQLite).
func runRealtime(ctx context.Context, o options, ds *dataset, srv *child, second func() (*child, error)) ([]realtimeResult, error) {
	var out []realtimeResult
	acc := ds.accounts[0]
	if o.wants("RT1") {
		fmt.Fprintln(os.Stderr, "running RT1 realtime one node...")
		r, err := latency(ctx, o, acc, srv.url, srv.url, "RT1 realtime one node")
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if o.wants("RT2") && second != nil {
		fmt.Fprintln(os.Stderr, "running RT2 realtime across nodes...")
		b, err := second()
		if err != nil {
			return nil, err
		}
		r, err := latency(ctx, o, acc, srv.url, b.url, "RT2 realtime across nodes")
		b.stop()
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	if o.wants("RT3") {
		fmt.Fprintln(os.Stderr, "running RT3 idle connections...")
		r, err := idleMemory(ctx, o, acc, srv)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// room is the RoomChannel identifier of an account's administrator, read
// from its profile as a Chatwoot client would.
func room(base string, acc *benchAccount) (string, error) {
	resp, err := http.DefaultClient.Do(get(base+"/api/v1/profile", "api_access_token", acc.cwToken))
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var p struct {
		ID          int64  `json:"id"`
		AccountID   int64  `json:"account_id"`
		PubSubToken string `json:"pubsub_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&p); err != nil || p.PubSubToken == "" {
		return "", fmt.Errorf("profile: %d %v", resp.StatusCode, err)
	}
	b, _ := json.Marshal(map[string]any{"channel": "RoomChannel", "pubsub_token": p.PubSubToken, "account_id": p.AccountID, "user_id": p.ID})
	return string(b), nil
}

// subscribe opens /cable and subscribes to identifier.
func subscribe(ctx context.Context, base, identifier string) (*websocket.Conn, error) {
	dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(base, "http")+"/cable",
		&websocket.DialOptions{Subprotocols: []string{"actioncable-v1-json"}})
	if err != nil {
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	cmd, _ := json.Marshal(map[string]string{"command": "subscribe", "identifier": identifier})
	if err := ws.Write(dctx, websocket.MessageText, cmd); err != nil {
		ws.CloseNow()
		return nil, err
	}
	for {
		_, b, err := ws.Read(dctx)
		if err != nil {
			ws.CloseNow()
			return nil, err
		}
		var m struct{ Type string }
		json.Unmarshal(b, &m)
		switch m.Type {
		case "confirm_subscription":
			return ws, nil
		case "reject_subscription":
			ws.CloseNow()
			return nil, fmt.Errorf("subscription rejected")
		}
	}
}

// dialAll opens n subscriptions, 50 at a time.
func dialAll(ctx context.Context, base, identifier string, n int) ([]*websocket.Conn, error) {
	conns := make([]*websocket.Conn, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 50)
	var wg sync.WaitGroup
	for i := range conns {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			ws, err := subscribe(ctx, base, identifier)
			if err != nil {
				errs <- err
				return
			}
			conns[i] = ws
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		for _, c := range conns {
			if c != nil {
				c.CloseNow()
			}
		}
		return nil, fmt.Errorf("open %d /cable subscriptions: %w", n, err)
	}
	return conns, nil
}

// latency posts messages to one node at a steady rate while 200
// subscribers (on the same or another node) read them.
func latency(ctx context.Context, o options, acc *benchAccount, writeBase, readBase, name string) (realtimeResult, error) {
	const subscribers, rate = 200, 20 // messages per second
	r := realtimeResult{Name: name, Subscribers: subscribers}
	identifier, err := room(writeBase, acc)
	if err != nil {
		return r, err
	}
	conns, err := dialAll(ctx, readBase, identifier, subscribers)
	if err != nil {
		return r, err
	}
	defer func() {
		for _, c := range conns {
			c.CloseNow()
		}
	}()
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	marker := []byte(`"content":"rt ` + tag + ` `)
	n := max(1, int(o.duration.Seconds()*rate))
	sent := make([]time.Time, n)
	acked := make([]time.Time, n)
	var sentMu sync.Mutex
	// Each subscriber records when it read each message.
	got := make([][]time.Time, subscribers)
	dups := make([]int, subscribers)
	var received atomic.Int64
	var wg sync.WaitGroup
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	for i, ws := range conns {
		got[i] = make([]time.Time, n)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				_, b, err := ws.Read(readCtx)
				if err != nil {
					return
				}
				at := time.Now()
				// The client must not be what is measured: find the
				// message's number without decoding the whole frame.
				seq, ok := parseBenchMessage(b, marker)
				if !ok || seq >= n {
					continue
				}
				if !got[i][seq].IsZero() {
					dups[i]++
					continue
				}
				got[i][seq] = at
				received.Add(1)
			}
		}()
	}
	c := acc.convs[0]
	client := newClient(4)
	tick := time.NewTicker(time.Second / rate)
	for seq := 0; seq < n; seq++ {
		<-tick.C
		body := fmt.Sprintf(`{"content":"rt %s %d","message_type":"outgoing"}`, tag, seq)
		req := post(fmt.Sprintf("%s/api/v1/accounts/%d/conversations/%d/messages", writeBase, acc.id, c.displayID),
			"api_access_token", acc.cwToken, "application/json", body)
		sentMu.Lock()
		sent[seq] = time.Now()
		sentMu.Unlock()
		resp, err := client.Do(req)
		if err != nil {
			tick.Stop()
			return r, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			tick.Stop()
			return r, fmt.Errorf("post message: HTTP %d", resp.StatusCode)
		}
		acked[seq] = time.Now()
	}
	tick.Stop()
	// Stragglers get five seconds.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && received.Load() < int64(n*subscribers) {
		time.Sleep(50 * time.Millisecond)
	}
	stopReading()
	wg.Wait()
	var lat, ack []time.Duration
	for i := range got {
		r.Duplicates += dups[i]
		for seq, at := range got[i] {
			if at.IsZero() {
				r.Lost++
				continue
			}
			lat = append(lat, at.Sub(sent[seq]))
			ack = append(ack, max(0, at.Sub(acked[seq])))
		}
	}
	if o.pprofDir != "" {
		saveProfile(o, "/metrics", strings.Fields(name)[0]+"-metrics.txt")
	}
	r.Messages, r.Expected, r.Received = n, n*subscribers, len(lat)
	r.P50ms, r.P99ms, r.MaxMs = percentile(lat, 50), percentile(lat, 99), percentile(lat, 100)
	r.P99AckMs = percentile(ack, 99)
	return r, nil
}

// parseBenchMessage finds a message.created broadcast of a bench message
// and returns its number.
func parseBenchMessage(frame, marker []byte) (int, bool) {
	if !bytes.Contains(frame, []byte(`"event":"message.created"`)) {
		return 0, false
	}
	i := bytes.Index(frame, marker)
	if i < 0 {
		return 0, false
	}
	rest := frame[i+len(marker):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return 0, false
	}
	n, err := strconv.Atoi(string(rest[:j]))
	return n, err == nil
}

// percentile returns the p-th percentile in milliseconds (100: the max).
func percentile(ds []time.Duration, p int) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := min(len(ds)-1, len(ds)*p/100)
	return float64(ds[i].Microseconds()) / 1000
}

// idleMemory opens 5,000 subscribed connections and leaves them idle (but
// for the pings, which this client reads), then reads the server's RSS.
func idleMemory(ctx context.Context, o options, acc *benchAccount, srv *child) (realtimeResult, error) {
	const n = 5000
	r := realtimeResult{Name: "RT3 idle /cable connections", Subscribers: n}
	identifier, err := room(srv.url, acc)
	if err != nil {
		return r, err
	}
	// Warm up the code paths, then settle.
	warm, err := dialAll(ctx, srv.url, identifier, 50)
	if err != nil {
		return r, err
	}
	for _, c := range warm {
		c.CloseNow()
	}
	time.Sleep(3 * time.Second)
	r.RSSBeforeMB = srv.rssMB()
	conns, err := dialAll(ctx, srv.url, identifier, n)
	if err != nil {
		return r, err
	}
	readCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for _, ws := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				if _, _, err := ws.Read(readCtx); err != nil {
					return
				}
			}
		}()
	}
	// Idle: several rounds of pings.
	time.Sleep(10 * time.Second)
	r.RSSAfterMB = srv.rssMB()
	r.PerConnKB = (r.RSSAfterMB - r.RSSBeforeMB) * 1024 / n
	if o.pprofDir != "" {
		saveProfile(o, "/debug/pprof/heap", "RT3-heap.pprof")
		saveProfile(o, "/debug/pprof/goroutine", "RT3-goroutine.pprof")
		saveProfile(o, "/debug/pprof/heap?debug=1", "RT3-memstats.txt")
	}
	stop()
	for _, c := range conns {
		c.CloseNow()
	}
	wg.Wait()
	return r, nil
}

// saveProfile saves what a path of the server's debug listener serves
// (-pprof): a profile, the metrics.
func saveProfile(o options, path, file string) {
	resp, err := http.Get(fmt.Sprintf("http://%s%s", o.debugAddr, path))
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return
	}
	defer resp.Body.Close()
	os.MkdirAll(o.pprofDir, 0o755)
	f, err := os.Create(filepath.Join(o.pprofDir, file))
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return
	}
	defer f.Close()
	io.Copy(f, resp.Body)
}
