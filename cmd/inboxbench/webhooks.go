package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The webhook scenarios measure delivery from commit to a healthy receiver
// on this machine (a Chatwoot account webhook subscribed to
// message_created; the receiver answers 200 at once):
//
//	WH1  messages posted at 1,000 per second: delivered per second and
//	     commit→receipt p50/p99 (goal p99 ≤ 200 ms), lost and duplicates;
//	WH2  messages posted as fast as 50 connections go: the delivery rate
//	     the node sustains, and how far delivery lags behind;
//	WH3  messages posted at 100 per second: the latency of delivery itself
//	     when the writes do not saturate the node (on a machine where
//	     1,000 posts a second is more than the node writes, WH1 measures
//	     an overloaded node: its posts queue, and so do their webhooks).
//
// Latency runs from the moment the writer sends the POST (the commit
// happens inside it) to the moment the receiver has the request; "after
// answer" from the POST's answer, which leaves out the time the write
// itself took.

type webhookResult struct {
	Name       string  `json:"name"`
	Posted     int     `json:"posted"`
	PostRate   float64 `json:"posted_per_s"`
	Received   int     `json:"received"`
	Rate       float64 `json:"delivered_per_s"`
	Lost       int     `json:"lost"`
	Duplicates int     `json:"duplicates"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	MaxMs      float64 `json:"max_ms"`
	// From the POST's answer (the commit is done) to receipt; a webhook
	// that arrived before the answer counts 0.
	AnsweredP50ms float64 `json:"after_answer_p50_ms"`
	AnsweredP99ms float64 `json:"after_answer_p99_ms"`
}

func printWebhooks(w io.Writer, rs []webhookResult) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%-26s %7s %8s %9s %11s %6s %5s %8s %8s %8s %10s %10s\n", "webhooks", "posted", "posted/s", "received",
		"delivered/s", "lost", "dups", "p50 ms", "p99 ms", "max ms", "answ p50", "answ p99")
	for _, r := range rs {
		fmt.Fprintf(w, "%-26s %7d %8.0f %9d %11.0f %6d %5d %8.1f %8.1f %8.1f %10.1f %10.1f\n", r.Name, r.Posted, r.PostRate,
			r.Received, r.Rate, r.Lost, r.Duplicates, r.P50ms, r.P99ms, r.MaxMs, r.AnsweredP50ms, r.AnsweredP99ms)
	}
}

// runWebhooks runs the webhook scenarios -only selects.
func runWebhooks(ctx context.Context, o options, ds *dataset, base string) ([]webhookResult, error) {
	var out []webhookResult
	for _, sc := range []struct {
		name string
		rate int // messages per second; 0: as fast as it goes
	}{{"WH1 webhooks 1000 msg/s", 1000}, {"WH2 webhooks max", 0}, {"WH3 webhooks 100 msg/s", 100}} {
		if !o.wants(sc.name[:3]) {
			continue
		}
		fmt.Fprintf(os.Stderr, "running %s...\n", sc.name)
		profDone := make(chan struct{})
		go func() {
			defer close(profDone)
			if o.pprofDir != "" {
				go captureGoroutines(o, sc.name)
				captureProfile(o, sc.name)
			}
		}()
		r, err := webhookScenario(ctx, o, ds.accounts[0], base, sc.name, sc.rate)
		<-profDone
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// hookSink is the receiver: it notes when each bench message arrived.
type hookSink struct {
	marker []byte
	mu     sync.Mutex
	got    []time.Time
	dups   int
	count  atomic.Int64
	last   atomic.Int64 // UnixNano of the last receipt
}

func (s *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	at := time.Now()
	// The top-level content comes before the conversation's copy of it.
	i := bytes.Index(body, s.marker)
	if i < 0 {
		return
	}
	rest := body[i+len(s.marker):]
	j := bytes.IndexByte(rest, '"')
	seq, err := strconv.Atoi(string(rest[:max(j, 0)]))
	if j < 0 || err != nil {
		return
	}
	s.mu.Lock()
	if seq < len(s.got) {
		if s.got[seq].IsZero() {
			s.got[seq] = at
			s.count.Add(1)
		} else {
			s.dups++
		}
	}
	s.mu.Unlock()
	s.last.Store(at.UnixNano())
}

// webhookScenario subscribes a receiver, posts messages for the duration
// and waits for their webhooks.
func webhookScenario(ctx context.Context, o options, acc *benchAccount, base, name string, rate int) (webhookResult, error) {
	r := webhookResult{Name: name}
	tag := strconv.FormatInt(time.Now().UnixNano(), 36)
	sink := &hookSink{marker: []byte(`"content":"wh ` + tag + ` `)}
	posts := 1_000_000 // upper bound for the unpaced run
	if rate > 0 {
		posts = max(1, int(o.duration.Seconds())*rate)
	}
	sink.got = make([]time.Time, posts)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return r, err
	}
	srv := &http.Server{Handler: sink}
	go srv.Serve(ln)
	defer srv.Close()
	id, err := createWebhook(base, acc, "http://"+ln.Addr().String()+"/hook")
	if err != nil {
		return r, err
	}
	defer deleteWebhook(base, acc, id)

	sent, answered := make([]time.Time, posts), make([]time.Time, posts)
	var next atomic.Int64
	var failed atomic.Int64
	client := newClient(o.conns)
	defer client.CloseIdleConnections()
	jobs := make(chan int, 4096)
	var wg sync.WaitGroup
	for range o.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seq := range jobs {
				c := acc.convs[seq%len(acc.convs)]
				body := fmt.Sprintf(`{"content":"wh %s %d","message_type":"outgoing"}`, tag, seq)
				req := post(fmt.Sprintf("%s/api/v1/accounts/%d/conversations/%d/messages", base, acc.id, c.displayID),
					"api_access_token", acc.cwToken, "application/json", body)
				sent[seq] = time.Now()
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				answered[seq] = time.Now()
				if resp.StatusCode != http.StatusOK {
					failed.Add(1)
				}
			}
		}()
	}
	start := time.Now()
	end := start.Add(o.duration)
	if rate > 0 {
		// Open loop: 1 ms ticks are too fine for a timer; send the
		// messages due every 10 ms.
		tick := time.NewTicker(10 * time.Millisecond)
		for now := range tick.C {
			due := min(posts, int(float64(now.Sub(start))/float64(time.Second)*float64(rate)))
			for int(next.Load()) < due {
				jobs <- int(next.Add(1) - 1)
			}
			if due >= posts || ctx.Err() != nil {
				break
			}
		}
		tick.Stop()
	} else {
		for time.Now().Before(end) && ctx.Err() == nil && int(next.Load()) < posts {
			jobs <- int(next.Add(1) - 1)
		}
	}
	close(jobs)
	wg.Wait()
	posted := int(next.Load()) - int(failed.Load())
	postEnd := time.Now()
	if failed.Load() > 0 {
		return r, fmt.Errorf("%d posts failed", failed.Load())
	}
	// Waiting ends once every webhook arrived, or none arrived for 30
	// seconds (at most five minutes): what is missing then is lost, not
	// late. (10 s was too short: on a loaded machine one PostgreSQL
	// fan-out batch took longer.)
	for quiet, seen, stop := time.Now(), int64(-1), time.Now().Add(5*time.Minute); int(sink.count.Load()) < posted &&
		time.Since(quiet) < 30*time.Second && time.Now().Before(stop); time.Sleep(20 * time.Millisecond) {
		if n := sink.count.Load(); n != seen {
			quiet, seen = time.Now(), n
		}
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	var lat, afterAnswer []time.Duration
	for seq := range posted {
		if sink.got[seq].IsZero() {
			r.Lost++
			continue
		}
		lat = append(lat, sink.got[seq].Sub(sent[seq]))
		afterAnswer = append(afterAnswer, max(0, sink.got[seq].Sub(answered[seq])))
	}
	r.Posted, r.Received, r.Duplicates = posted, len(lat), sink.dups
	r.PostRate = float64(posted) / postEnd.Sub(start).Seconds()
	if last := time.Unix(0, sink.last.Load()); len(lat) > 0 {
		r.Rate = float64(len(lat)) / last.Sub(start).Seconds()
	}
	r.P50ms, r.P99ms, r.MaxMs = percentile(lat, 50), percentile(lat, 99), percentile(lat, 100)
	r.AnsweredP50ms, r.AnsweredP99ms = percentile(afterAnswer, 50), percentile(afterAnswer, 99)
	return r, nil
}

// createWebhook subscribes url to the account's message_created.
func createWebhook(base string, acc *benchAccount, url string) (int64, error) {
	body, _ := json.Marshal(map[string]any{"url": url, "subscriptions": []string{"message_created"}})
	resp, err := http.DefaultClient.Do(post(fmt.Sprintf("%s/api/v1/accounts/%d/webhooks", base, acc.id), "api_access_token",
		acc.cwToken, "application/json", string(body)))
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	var out struct {
		Payload struct{ Webhook struct{ ID int64 } }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.Payload.Webhook.ID == 0 {
		return 0, fmt.Errorf("create webhook: HTTP %d %v", resp.StatusCode, err)
	}
	return out.Payload.Webhook.ID, nil
}

func deleteWebhook(base string, acc *benchAccount, id int64) {
	req, _ := http.NewRequest(http.MethodDelete, fmt.Sprintf("%s/api/v1/accounts/%d/webhooks/%d", base, acc.id, id), nil)
	req.Header.Set("api_access_token", acc.cwToken)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
	}
}

// captureGoroutines saves the server's goroutines half way through a
// scenario: where deliveries wait shows there, not in a CPU profile.
func captureGoroutines(o options, name string) {
	time.Sleep(o.duration / 2)
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/goroutine?debug=1", o.debugAddr))
	if err != nil {
		fmt.Fprintln(os.Stderr, "goroutines:", err)
		return
	}
	defer resp.Body.Close()
	os.MkdirAll(o.pprofDir, 0o755)
	f, err := os.Create(filepath.Join(o.pprofDir, strings.Fields(name)[0]+"-goroutines.txt"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "goroutines:", err)
		return
	}
	defer f.Close()
	io.Copy(f, resp.Body)
}
