package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// wrkSamples is how many requests a scenario's wrk script picks from at
// random: drawn from the seeded dataset beforehand by the scenario's own
// request builder, so wrk sends what the Go client would.
const wrkSamples = 10000

// wrkScript is the Lua script wrk runs. Each thread reads the sampled raw
// requests (a decimal length line, then the request's bytes) and sends one
// at random per call; done() prints the figures as one JSON line. Errors are
// wrk's own count of 4xx and 5xx answers plus socket errors: a response()
// hook counting every answer outside 2xx cost 12–17% of wrk's rate against
// the bare server here, and a lower ceiling inflates every ratio. The probe
// before each run checks that the scenario's answers are 2xx.
const wrkScript = `local file = %q
local reqs, n = {}, 0
function setup(thread)
  n = n + 1
  thread:set("seed", n)
end
function init(args)
  math.randomseed(os.time() * 1000 + seed)
  local f = assert(io.open(file, "rb"))
  local data = f:read("*a")
  f:close()
  local pos = 1
  while pos <= #data do
    local nl = data:find("\n", pos, true)
    local len = tonumber(data:sub(pos, nl - 1))
    reqs[#reqs + 1] = data:sub(nl + 1, nl + len)
    pos = nl + len + 1
  end
end
function request()
  return reqs[math.random(#reqs)]
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('INBOXBENCH {"requests":%%d,"duration_us":%%d,"status_errors":%%d,"socket_errors":%%d,"p50_us":%%d,"p99_us":%%d}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
`

// wrkFigures is what the script's done() prints.
type wrkFigures struct {
	Requests     int64   `json:"requests"`
	DurationUS   int64   `json:"duration_us"`
	StatusErrors int64   `json:"status_errors"`
	SocketErrors int64   `json:"socket_errors"`
	P50us        float64 `json:"p50_us"`
	P99us        float64 `json:"p99_us"`
}

// wrkVersion returns the first line of `wrk -v`, or "" when wrk is not on
// PATH.
func wrkVersion() string {
	if _, err := exec.LookPath("wrk"); err != nil {
		return ""
	}
	out, _ := exec.Command("wrk", "-v").CombinedOutput()
	line, _, _ := strings.Cut(string(out), "\n")
	if f := strings.Fields(line); len(f) >= 2 {
		return f[0] + " " + f[1]
	}
	return "wrk"
}

// measureWrk runs sc with wrk for d over conns connections. A few requests
// go through the Go client first: they give the response size the bare
// server copies and the first error, which wrk's summary cannot name.
func measureWrk(ctx context.Context, sc scenario, conns int, d time.Duration, dir string) result {
	r := result{Name: sc.name, Generator: "wrk"}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	r.BodyBytes, r.FirstError = probe(sc, rng)
	name := strings.NewReplacer(" ", "_", "/", "_").Replace(sc.name)
	reqFile := filepath.Join(dir, name+".requests")
	target, err := writeSamples(reqFile, sc, rng)
	if err != nil {
		r.FirstError = err.Error()
		return r
	}
	script := filepath.Join(dir, name+".lua")
	if err := os.WriteFile(script, []byte(fmt.Sprintf(wrkScript, reqFile)), 0o644); err != nil {
		r.FirstError = err.Error()
		return r
	}
	threads := min(2, conns)
	cmd := exec.CommandContext(ctx, "wrk", "-t"+strconv.Itoa(threads), "-c"+strconv.Itoa(conns),
		"-d"+strconv.Itoa(max(1, int(d.Round(time.Second).Seconds())))+"s", "--timeout", "30s", "-s", script, target)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		r.FirstError = fmt.Sprintf("wrk: %v: %s", err, strings.TrimSpace(stderr.String()))
		return r
	}
	f, err := parseWrk(&out)
	if err != nil {
		r.FirstError = err.Error()
		return r
	}
	ok := f.Requests - f.StatusErrors
	r.Requests = int(ok)
	r.Errors = int(f.StatusErrors + f.SocketErrors)
	if f.DurationUS > 0 {
		r.RPS = float64(ok) / (float64(f.DurationUS) / 1e6)
	}
	r.P50ms, r.P99ms = f.P50us/1000, f.P99us/1000
	if r.Errors > 0 && r.FirstError == "" {
		r.FirstError = fmt.Sprintf("%d answers 4xx or 5xx, %d socket errors", f.StatusErrors, f.SocketErrors)
	}
	return r
}

// writeSamples writes wrkSamples requests of sc to path and returns the
// URL of the server they go to.
func writeSamples(path string, sc scenario, rng *rand.Rand) (string, error) {
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	w := bufio.NewWriter(f)
	var target string
	var buf bytes.Buffer
	for range wrkSamples {
		req := sc.next(rng)
		target = req.URL.Scheme + "://" + req.URL.Host
		buf.Reset()
		if err := req.Write(&buf); err != nil {
			return "", err
		}
		fmt.Fprintf(w, "%d\n", buf.Len())
		w.Write(buf.Bytes())
	}
	if err := w.Flush(); err != nil {
		return "", err
	}
	return target, f.Close()
}

// probe sends a few of sc's requests with the Go client and returns the
// mean response body size and the first error.
func probe(sc scenario, rng *rand.Rand) (int, string) {
	client := newClient(1)
	defer client.CloseIdleConnections()
	const n = 5
	var total, ok int
	for range n {
		req := sc.next(rng)
		resp, err := client.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		size, _ := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return 0, fmt.Sprintf("%s %s: HTTP %d", req.Method, req.URL.Path, resp.StatusCode)
		}
		total += int(size)
		ok++
	}
	return total / ok, ""
}

// parseWrk finds the line done() printed in wrk's output.
func parseWrk(out io.Reader) (wrkFigures, error) {
	var f wrkFigures
	s := bufio.NewScanner(out)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "INBOXBENCH "); ok {
			return f, json.Unmarshal([]byte(rest), &f)
		}
	}
	return f, fmt.Errorf("wrk printed no figures")
}

// measureWith measures sc with wrk when useWrk, else with the Go client.
func measureWith(ctx context.Context, useWrk bool, sc scenario, conns int, d time.Duration, dir string) result {
	if useWrk {
		return measureWrk(ctx, sc, conns, d, dir)
	}
	r := measure(ctx, sc, conns, d)
	r.Generator = "go"
	return r
}

// bareScenario asks the bare server for a body of size bytes.
func bareScenario(bare string, size int) scenario {
	return scenario{name: fmt.Sprintf("bare %d bytes", size), next: func(*rand.Rand) *http.Request {
		req, _ := http.NewRequest(http.MethodGet, fmt.Sprintf("%s/?n=%d", bare, size), nil)
		return req
	}}
}
