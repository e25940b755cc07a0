package main_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// vmHWM reads the peak resident set size of a process, in bytes.
func vmHWM(tb testing.TB, pid int) int64 {
	tb.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		tb.Skipf("no /proc to read the server's memory from: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			if err != nil {
				tb.Fatalf("VmHWM %q: %v", rest, err)
			}
			return kb << 10
		}
	}
	tb.Fatal("no VmHWM in /proc/<pid>/status")
	return 0
}

// floodBody is a 15 MB JSON body of small values: decoded into interfaces
// it would take about 15 times its size.
func floodBody(i int) []byte {
	var b bytes.Buffer
	b.WriteString(`{"grant_type":"client_credentials","client_id":"x","client_secret":"y",`)
	if i%2 == 0 {
		b.WriteString(`"pad":[`)
		for b.Len() < 15_000_000 {
			b.WriteString(`1,"a",{},`)
		}
		b.WriteString(`1]}`)
		return b.Bytes()
	}
	for n := 0; b.Len() < 15_000_000; n++ {
		fmt.Fprintf(&b, `"k%d":%d,`, n, n)
	}
	b.WriteString(`"end":1}`)
	return b.Bytes()
}

// Endpoints reachable without a token read a few KB at most: three rounds
// of ten concurrent 15 MB JSON bodies, to the OAuth endpoints and to API
// routes without a token, keep the server's peak RSS under 300 MB (it was
// 2.3 GiB), and every one of them is refused.
func TestServe_AnonymousBodyFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 450 MB")
	}
	db := mustNewDatabase(t)
	srv := mustStartServer(t, db.env)
	pid := srv.cmd.Process.Pid
	base := "http://" + srv.addr
	bodies := make([][]byte, 2)
	for i := range bodies {
		bodies[i] = floodBody(i)
	}
	paths := []string{"/oauth/token", "/oauth/revoke", "/oauth/token", "/api/v1/accounts/1/conversations",
		"/api/v3/inbox/conversations", "/oauth/token", "/oauth/revoke", "/oauth/token", "/api/v1/accounts/1/conversations/1/messages",
		"/oauth/token"}
	start := vmHWM(t, pid)
	statuses := map[int]int{}
	var mu sync.Mutex
	for round := 0; round < 3; round++ {
		var wg sync.WaitGroup
		for i, path := range paths {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := http.Post(base+path, "application/json", bytes.NewReader(bodies[i%2]))
				status := 0 // the server closed the connection while the body was still being sent
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				}
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			}()
		}
		wg.Wait()
	}
	peak := vmHWM(t, pid)
	t.Logf("peak RSS %.1f MiB after start, %.1f MiB after the flood; answers by status (0: connection closed early): %v",
		float64(start)/(1<<20), float64(peak)/(1<<20), statuses)
	for status := range statuses {
		if status != 0 && status != http.StatusRequestEntityTooLarge && status != http.StatusUnauthorized {
			t.Errorf("%d answers with status %d, want 413 (OAuth) or 401 (API without a token)", statuses[status], status)
		}
	}
	if statuses[http.StatusRequestEntityTooLarge] == 0 {
		t.Errorf("no 413 at all: %v", statuses)
	}
	if peak >= 300<<20 {
		t.Errorf("peak RSS %d MiB, want under 300 MiB", peak>>20)
	}
	resp, err := http.Get(base + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the flood: %v %v", resp, err)
	}
	resp.Body.Close()
}
