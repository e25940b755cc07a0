package main_test

import (
	"encoding/json"
	"net/http"
	"runtime"
	"strings"
	"testing"
)

func TestVersion(t *testing.T) {
	t.Parallel()
	want := "inboxd " + testVersion + " (commit 0123456789ab, built " + testDate + ", " + runtime.Version() + ")\n"
	for _, args := range [][]string{{"--version"}, {"-version"}} {
		r := runCLI(t, nil, args...)
		if r.code != 0 || r.stdout != want || r.stderr != "" {
			t.Fatalf("inboxd %s: exit=%d stdout=%q stderr=%q, want %q", args[0], r.code, r.stdout, r.stderr, want)
		}
	}
	v := mustRunJSON(t, nil, "version")
	if str(t, v, "version") != testVersion || str(t, v, "commit") != testCommit || str(t, v, "date") != testDate ||
		str(t, v, "go") != runtime.Version() {
		t.Fatalf("inboxd version=%v", v)
	}
	if r := runCLI(t, nil, "version", "--bogus"); r.code != 2 {
		t.Fatalf("inboxd version --bogus: exit=%d, want 2", r.code)
	}
}

// The running server says which build it is: in its startup line and in
// /healthz.
func TestVersion_Server(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	s := mustStartServer(t, db.env)
	var start map[string]any
	for _, line := range strings.Split(s.logs.String(), "\n") {
		if strings.Contains(line, `"msg":"listening"`) {
			json.Unmarshal([]byte(line), &start)
		}
	}
	if start["version"] != testVersion || start["commit"] != testCommit || start["built"] != testDate {
		t.Fatalf("startup line=%v, want version, commit and build date", start)
	}
	resp, err := http.Get("http://" + s.addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]string
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || body["status"] != "ok" || body["version"] != testVersion || body["commit"] != testCommit ||
		body["built"] != testDate {
		t.Fatalf("/healthz: %d %v", resp.StatusCode, body)
	}
}

func TestHealthcheck(t *testing.T) {
	t.Parallel()
	db := mustNewDatabase(t)
	s := mustStartServer(t, db.env)
	if got := mustRunJSON(t, nil, "healthcheck", "--addr", s.addr); got["status"] != "ok" {
		t.Fatalf("healthcheck=%v", got)
	}
	if r := runCLI(t, nil, "healthcheck", "--addr", "127.0.0.1:"+freePort(t), "--timeout", "2s"); r.code != 1 {
		t.Fatalf("healthcheck of nothing: exit=%d stderr=%q, want 1", r.code, r.stderr)
	}
}
