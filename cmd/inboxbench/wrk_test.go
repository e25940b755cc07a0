package main

import (
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestWrkSendsTheScenarioRequests runs wrk against a real server: the
// sampled requests arrive whole (method, header, body), answers outside 2xx
// count as errors and not as requests.
func TestWrkSendsTheScenarioRequests(t *testing.T) {
	if _, err := exec.LookPath("wrk"); err != nil {
		t.Skip("wrk is not on PATH")
	}
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen[r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+string(body)]++
		mu.Unlock()
		if r.URL.Path == "/missing" {
			http.NotFound(w, r)
			return
		}
		io.WriteString(w, `{"ok":true}`)
	}))
	defer srv.Close()
	sc := scenario{name: "test mixed", next: func(rng *rand.Rand) *http.Request {
		if rng.IntN(2) == 0 {
			return post(srv.URL+"/ok", "Authorization", "Bearer a", "application/json", `{"n":1}`)
		}
		return get(srv.URL+"/missing", "Authorization", "Bearer b")
	}}
	r := measureWrk(t.Context(), sc, 2, time.Second, t.TempDir())
	mu.Lock()
	defer mu.Unlock()
	if len(seen) != 2 || seen[`POST /ok Bearer a {"n":1}`] == 0 || seen["GET /missing Bearer b "] == 0 {
		t.Fatalf("the server saw %v", seen)
	}
	if r.Generator != "wrk" || r.Requests == 0 || r.Errors == 0 || r.RPS <= 0 || r.P99ms < r.P50ms {
		t.Fatalf("result %+v", r)
	}
	ok, bad := seen[`POST /ok Bearer a {"n":1}`], seen["GET /missing Bearer b "]
	// wrk's counts may miss the requests still in flight when it stops.
	if r.Requests > ok || ok-r.Requests > 50 || r.Errors > bad || bad-r.Errors > 50 {
		t.Fatalf("wrk counted %d answered and %d errors; the server answered %d and refused %d", r.Requests, r.Errors, ok, bad)
	}
	if !strings.Contains(r.FirstError, "HTTP 404") && !strings.Contains(r.FirstError, "4xx") {
		t.Fatalf("first error %q", r.FirstError)
	}
}
