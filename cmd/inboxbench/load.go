package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// scenario produces the requests of one measured workload.
type scenario struct {
	name string
	// next builds the request for worker w's i-th call.
	next func(rng *rand.Rand) *http.Request
	// write marks scenarios that create records (their 2xx count is reported
	// as durable writes/s).
	write bool
	// conns, when set, replaces -c for this scenario (1: the latency of one
	// client's requests, nothing queued behind others).
	conns int
	// goClient keeps the scenario on the Go client even when wrk drives the
	// others: it reads response headers wrk's summary cannot report.
	goClient bool
}

// result is one measured scenario.
type result struct {
	Name       string  `json:"name"`
	Generator  string  `json:"load_generator"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	RPS        float64 `json:"requests_per_second"`
	P50ms      float64 `json:"p50_ms"`
	P99ms      float64 `json:"p99_ms"`
	BodyBytes  int     `json:"body_bytes"`
	BareRPS    float64 `json:"bare_requests_per_second"`
	Ratio      float64 `json:"ratio_to_bare"`
	FirstError string  `json:"first_error,omitempty"`
	// Retried marks a result measured a second time because the first
	// fell under the baseline (-baseline); the better of the two is kept.
	Retried bool `json:"retried,omitempty"`
	// ServerP50ms and ServerP99ms are the server's own time (Server-Timing)
	// of the responses that report it (the web pages).
	ServerP50ms float64 `json:"server_p50_ms,omitempty"`
	ServerP99ms float64 `json:"server_p99_ms,omitempty"`
}

type report struct {
	Engine      string  `json:"engine"`
	Scale       float64 `json:"scale"`
	Duration    string  `json:"duration"`
	Connections int     `json:"connections"`
	Started     string  `json:"started"`
	Load        string  `json:"load_generator"`
	// BareRPS is the bare server's rate for a 1,500-byte body: the
	// ceiling the load generator reaches here (ratios count only when it
	// is at least minBareRPS).
	BareRPS    float64          `json:"bare_1500_bytes_requests_per_second"`
	Uptime     string           `json:"uptime,omitempty"`
	Warnings   []string         `json:"warnings,omitempty"`
	BaselineOf string           `json:"baseline_of,omitempty"`
	Dataset    map[string]int   `json:"dataset"`
	PeakRSSMB  float64          `json:"server_peak_rss_mb"`
	Results    []result         `json:"results"`
	Realtime   []realtimeResult `json:"realtime,omitempty"`
	Webhooks   []webhookResult  `json:"webhooks,omitempty"`
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "\nengine=%s scale=%g connections=%d duration=%s dataset=%v\n", r.Engine, r.Scale, r.Connections, r.Duration, r.Dataset)
	fmt.Fprintf(w, "load generator: %s; bare server, 1,500-byte body: %.0f req/s; load: %s\n", r.Load, r.BareRPS, r.Uptime)
	for _, x := range r.Warnings {
		fmt.Fprintln(w, "WARNING:", x)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "%-36s %4s %10s %9s %9s %8s %10s %7s %7s %s\n", "scenario", "load", "req/s", "p50 ms", "p99 ms", "bytes", "bare req/s", "ratio", "errors",
		"server p50/p99 ms")
	for _, x := range r.Results {
		srv := ""
		if x.ServerP99ms > 0 {
			srv = fmt.Sprintf("%.2f / %.2f", x.ServerP50ms, x.ServerP99ms)
		}
		fmt.Fprintf(w, "%-36s %4s %10.0f %9.2f %9.2f %8d %10.0f %7.3f %7d %s\n", x.Name, x.Generator, x.RPS, x.P50ms, x.P99ms, x.BodyBytes, x.BareRPS, x.Ratio, x.Errors, srv)
	}
	printRealtime(w, r.Realtime)
	printWebhooks(w, r.Webhooks)
	fmt.Fprintf(w, "\nserver peak RSS: %.0f MB\n", r.PeakRSSMB)
}

func newClient(conns int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: conns, MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns, DisableCompression: true,
	}}
}

// measure runs sc for d with conns workers, each holding one keep-alive
// connection, and returns throughput and latency percentiles.
func measure(ctx context.Context, sc scenario, conns int, d time.Duration) result {
	client := newClient(conns)
	defer client.CloseIdleConnections()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		lat      []time.Duration
		srvTimes []float64
		errs     atomic.Int64
		firstErr atomic.Value
		size     atomic.Int64
	)
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	for w := 0; w < conns; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			local := make([]time.Duration, 0, 4096)
			var srv []float64
			for ctx.Err() == nil {
				req := sc.next(rng)
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
						firstErr.CompareAndSwap(nil, err.Error())
					}
					continue
				}
				n, _ := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				el := time.Since(t0)
				if resp.StatusCode/100 != 2 {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, fmt.Sprintf("%s %s: HTTP %d", req.Method, req.URL.Path, resp.StatusCode))
					continue
				}
				size.Store(n)
				local = append(local, el)
				if st := serverTime(resp.Header); st > 0 {
					srv = append(srv, st)
				}
			}
			mu.Lock()
			lat = append(lat, local...)
			srvTimes = append(srvTimes, srv...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	slices.Sort(lat)
	r := result{Name: sc.name, Requests: len(lat), Errors: int(errs.Load()), BodyBytes: int(size.Load())}
	if e, ok := firstErr.Load().(string); ok {
		r.FirstError = e
	}
	r.RPS = float64(len(lat)) / elapsed.Seconds()
	if len(lat) > 0 {
		r.P50ms = float64(lat[len(lat)/2].Microseconds()) / 1000
		r.P99ms = float64(lat[len(lat)*99/100].Microseconds()) / 1000
	}
	if len(srvTimes) > 0 {
		slices.Sort(srvTimes)
		r.ServerP50ms, r.ServerP99ms = srvTimes[len(srvTimes)/2], srvTimes[len(srvTimes)*99/100]
	}
	return r
}

func get(url, header, token string) *http.Request {
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set(header, token)
	return req
}

func post(url, header, token, contentType, body string) *http.Request {
	req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader([]byte(body)))
	req.Header.Set(header, token)
	req.Header.Set("Content-Type", contentType)
	return req
}

func runScenarios(ctx context.Context, o options, ds *dataset, base, bare string) ([]result, error) {
	big := ds.accounts[0]
	pick := func(rng *rand.Rand) (*benchAccount, benchConv) {
		acc := ds.accounts[rng.IntN(len(ds.accounts))]
		return acc, acc.convs[rng.IntN(len(acc.convs))]
	}
	bearer := func(acc *benchAccount) string { return "Bearer " + acc.bsToken }
	deepPage := min(500, (len(big.convs)+99)/100)
	scenarios := []scenario{
		{name: "R1 bs get conversation", next: func(rng *rand.Rand) *http.Request {
			acc, c := pick(rng)
			return get(fmt.Sprintf("%s/api/v3/inbox/conversations/%d", base, c.id), "Authorization", bearer(acc))
		}},
		{name: "R2 cw conversation details", next: func(rng *rand.Rand) *http.Request {
			acc, c := pick(rng)
			return get(fmt.Sprintf("%s/api/v1/accounts/%d/conversations/%d", base, acc.id, c.displayID), "api_access_token", acc.cwToken)
		}},
		{name: "R3 bs list page 1", next: func(rng *rand.Rand) *http.Request {
			return get(base+"/api/v3/inbox/conversations?per_page=100&page=1", "Authorization", bearer(big))
		}},
		{name: fmt.Sprintf("R3 bs list page %d", deepPage), next: func(rng *rand.Rand) *http.Request {
			return get(fmt.Sprintf("%s/api/v3/inbox/conversations?per_page=100&page=%d", base, deepPage), "Authorization", bearer(big))
		}},
		{name: "R5 bs list typical tenant", next: func(rng *rand.Rand) *http.Request {
			acc := ds.accounts[1+rng.IntN(len(ds.accounts)-1)]
			return get(base+"/api/v3/inbox/conversations?per_page=100&page=1", "Authorization", bearer(acc))
		}},
		{name: "R4 cw messages list", next: func(rng *rand.Rand) *http.Request {
			acc, c := pick(rng)
			return get(fmt.Sprintf("%s/api/v1/accounts/%d/conversations/%d/messages", base, acc.id, c.displayID), "api_access_token", acc.cwToken)
		}},
		{name: "W1 bs create message", write: true, next: func(rng *rand.Rand) *http.Request {
			acc, c := pick(rng)
			body := fmt.Sprintf(`{"messages":[{"content":"Bench reply %d","origin":"bookingsync_inbox","visibility":"external","conversation_id":%d,"sender_id":%d}]}`,
				rng.IntN(1e9), c.id, c.hostPart)
			return post(base+"/api/v3/inbox/messages", "Authorization", bearer(acc), "application/vnd.api+json", body)
		}},
		{name: "W1 cw create message", write: true, next: func(rng *rand.Rand) *http.Request {
			acc, c := pick(rng)
			body := fmt.Sprintf(`{"content":"Bench reply %d","message_type":"outgoing"}`, rng.IntN(1e9))
			return post(fmt.Sprintf("%s/api/v1/accounts/%d/conversations/%d/messages", base, acc.id, c.displayID),
				"api_access_token", acc.cwToken, "application/json", body)
		}},
	}
	// M mixes the read scenarios with 10% writes.
	reads, writes := scenarios[:6], scenarios[6:]
	scenarios = append(scenarios, scenario{name: "M mixed 90/10", next: func(rng *rand.Rand) *http.Request {
		if rng.IntN(10) == 0 {
			return writes[rng.IntN(len(writes))].next(rng)
		}
		return reads[rng.IntN(len(reads))].next(rng)
	}})
	// L: the lists as an inbox's first screen asks for them, in a random
	// tenant: 20 per page through BookingSync, and Chatwoot's list (25
	// conversations with details and the counters).
	scenarios = append(scenarios,
		scenario{name: "L1 bs list 20 per page", next: func(rng *rand.Rand) *http.Request {
			acc := ds.accounts[rng.IntN(len(ds.accounts))]
			return get(base+"/api/v3/inbox/conversations?per_page=20&page=1", "Authorization", bearer(acc))
		}},
		scenario{name: "L2 cw list conversations", next: func(rng *rand.Rand) *http.Request {
			acc := ds.accounts[rng.IntN(len(ds.accounts))]
			return get(fmt.Sprintf("%s/api/v1/accounts/%d/conversations", base, acc.id), "api_access_token", acc.cwToken)
		}})
	scenarios = append(scenarios, searchScenarios(ds, base)...)
	if o.wants("P1") || o.wants("P2") || o.wants("P3") {
		web, err := webScenarios(ds, base)
		if err != nil {
			return nil, fmt.Errorf("web scenarios: %w", err)
		}
		scenarios = append(scenarios, web...)
	}
	var out []result
	for _, sc := range scenarios {
		if !o.wants(strings.Fields(sc.name)[0]) {
			continue
		}
		fmt.Fprintf(os.Stderr, "running %s...\n", sc.name)
		profDone := make(chan struct{})
		if o.pprofDir != "" {
			go func() {
				defer close(profDone)
				captureProfile(o, sc.name)
			}()
		} else {
			close(profDone)
		}
		conns := o.conns
		if sc.conns > 0 {
			conns = sc.conns
		}
		useWrk := o.wrk != "" && !sc.goClient
		// One unmeasured second first: the server's connections to the
		// database, their prepared statements and caches are made for
		// the scenario's own requests, not counted against whichever
		// scenario happens to run first.
		measureWith(ctx, useWrk, sc, conns, time.Second, o.workDir)
		r := measureWith(ctx, useWrk, sc, conns, o.duration, o.workDir)
		<-profDone
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		b := measureWith(ctx, useWrk, bareScenario(bare, max(r.BodyBytes, 16)), conns, min(o.duration, 5*time.Second), o.workDir)
		r.BareRPS = b.RPS
		if b.RPS > 0 {
			r.Ratio = r.RPS / b.RPS
		}
		out = append(out, r)
	}
	return out, nil
}

// captureProfile saves a CPU profile of the server while a scenario runs.
func captureProfile(o options, name string) {
	secs := max(1, int(o.duration.Seconds())-1)
	resp, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", o.debugAddr, secs))
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return
	}
	defer resp.Body.Close()
	os.MkdirAll(o.pprofDir, 0o755)
	f, err := os.Create(filepath.Join(o.pprofDir, strings.ReplaceAll(strings.Fields(name)[0]+"-"+strings.Join(strings.Fields(name)[1:], "_"), "/", "_")+".pprof"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return
	}
	defer f.Close()
	io.Copy(f, resp.Body)
}
