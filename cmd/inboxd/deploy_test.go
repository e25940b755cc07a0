package main_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// The container image builds with the Go version go.mod asks for.
func TestDeploy_GoVersion(t *testing.T) {
	mod, err := os.ReadFile(filepath.Join("..", "..", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`(?m)^go (\S+)$`).FindSubmatch(mod)
	if want == nil {
		t.Fatal("go.mod names no go version")
	}
	docker, err := os.ReadFile(filepath.Join("..", "..", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(docker), "FROM golang:"+string(want[1])+"-") {
		t.Fatalf("Dockerfile does not build with go %s (go.mod)", want[1])
	}
	readme, _ := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if !strings.Contains(string(readme), string(want[1])) {
		t.Fatalf("README does not name go %s (go.mod)", want[1])
	}
}

// The systemd unit is valid, as systemd itself reads it.
func TestDeploy_SystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("needs systemd-analyze")
	}
	unit, err := os.ReadFile(filepath.Join("..", "..", "deploy", "inboxd.service"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	// verify checks that ExecStart exists: point it at the test binary.
	path := filepath.Join(dir, "inboxd.service")
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/inboxd", binary)), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
}
