package main_test

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/config"
)

// The metrics of a real server: requests by route, dialect and status,
// transactions, group commits, rate-limit rejections and idempotent replays;
// on the main listener only with the token, on the debug listener always.
func TestServe_Metrics(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	account := strconv.FormatInt(num(t, mustRunJSON(t, db.env, "accounts", "create", "--name", "Acme"), "id"), 10)
	mustRunJSON(t, db.env, "apps", "create", "--account", account, "--name", "PMS", "--scopes", "inbox_write")
	token := str(t, mustRunJSON(t, db.env, "tokens", "create", "--account", account, "--scopes", "inbox_write"), "access_token")
	const metricsToken = "0123456789abcdef-metrics"
	debug := "127.0.0.1:" + freePort(t)
	s := mustStartServer(t, append(db.env, config.EnvMetricsToken+"="+metricsToken), "--rate-limit", "3", "--debug-addr", debug)
	base := "http://" + s.addr

	do := func(method, path, body string, header map[string]string) int {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode
	}
	create := `{"conversations":[{"subject":"Hello"}]}`
	key := map[string]string{"Idempotency-Key": "metrics-1"}
	if st := do("POST", "/api/v3/inbox/conversations", create, key); st != 201 {
		t.Fatalf("create: %d", st)
	}
	if st := do("POST", "/api/v3/inbox/conversations", create, key); st != 201 {
		t.Fatalf("replay: %d", st)
	}
	if st := do("GET", "/api/v3/inbox/conversations", "", nil); st != 200 {
		t.Fatalf("list: %d", st)
	}
	if st := do("GET", "/api/v3/inbox/conversations", "", nil); st != 429 {
		t.Fatalf("fourth request with --rate-limit 3: %d, want 429", st)
	}
	if st := do("GET", "/no/such/path", "", nil); st != 404 {
		t.Fatalf("unknown path: %d", st)
	}

	get := func(url, bearer string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		if bearer != "" {
			req.Header.Set("Authorization", "Bearer "+bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, bearer := range []string{"", "wrong-token-of-enough-length", token} {
		if st, _ := get(base+"/metrics", bearer); st != 404 {
			t.Fatalf("/metrics with bearer %q: %d, want 404", bearer, st)
		}
	}
	st, body := get(base+"/metrics", metricsToken)
	if st != 200 {
		t.Fatalf("/metrics with the token: %d", st)
	}
	for _, want := range []string{
		`inboxd_http_request_duration_seconds_count{dialect="bookingsync",route="POST /api/v3/inbox/conversations",status="201"} 2`,
		`inboxd_http_request_duration_seconds_count{dialect="bookingsync",route="GET /api/v3/inbox/conversations",status="200"} 1`,
		`inboxd_http_request_duration_seconds_count{dialect="bookingsync",route="GET /api/v3/inbox/conversations",status="429"} 1`,
		`inboxd_http_request_duration_seconds_count{dialect="none",route="unmatched",status="404"} 1`,
		`inboxd_rate_limit_rejections_total 1`,
		`inboxd_idempotent_replays_total 1`,
	} {
		if !strings.Contains(body, want) {
			t.Fatalf("metrics lack %q:\n%s", want, grepLines(body, "inboxd_"))
		}
	}
	// This scrape's own connection is open on the main listener.
	if n := sample(t, body, `inboxd_connections_open`); n < 1 {
		t.Fatalf("open connections=%v, want at least the scrape's own", n)
	}
	sample(t, body, `inboxd_connections_refused_total`)
	sample(t, body, `inboxd_connections_evicted_total`)
	if n := sample(t, body, `inboxd_db_transaction_duration_seconds_count{kind="write",result="ok"}`); n < 2 {
		t.Fatalf("write transactions=%v, want the creates counted", n)
	}
	if db.engine() == "sqlite" {
		if n := sample(t, body, `inboxd_db_group_commit_batch_size_count`); n < 1 {
			t.Fatalf("group commits=%v, want at least one", n)
		}
	}
	// The debug listener starts beside the main one: give it a moment.
	for try := 0; ; try++ {
		resp, err := http.Get("http://" + debug + "/metrics")
		if err != nil && try < 50 {
			time.Sleep(100 * time.Millisecond)
			continue
		} else if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(b), "inboxd_idempotent_replays_total 1") {
			t.Fatalf("debug listener /metrics: %d", resp.StatusCode)
		}
		break
	}
}

// sample returns the value of the series named exactly by prefix.
func sample(t *testing.T, body, series string) float64 {
	t.Helper()
	for _, line := range strings.Split(body, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", line, err)
			}
			return f
		}
	}
	t.Fatalf("no series %s", series)
	return 0
}

func grepLines(s, substr string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, substr) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
