package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// minBareRPS is the rate the bare server must reach with the load generator
// for the ratios to count: below it the generator, not the server, is the
// limit, and every ratio comes out too high.
const minBareRPS = 30000

func readReport(path string) (*report, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r report
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(r.Results) == 0 {
		return nil, fmt.Errorf("%s: no results", path)
	}
	return &r, nil
}

// compare fails when a scenario of the baseline that this run selected
// reached less than o.minRatio of its baseline ratio, answered errors, was
// not measured, or was measured with another load generator.
func compare(w io.Writer, base, cur *report, o options) error {
	got := map[string]result{}
	for _, r := range cur.Results {
		got[r.Name] = r
	}
	var failed []string
	fmt.Fprintf(w, "\nagainst the baseline %s (started %s), at least %.2f× its ratio:\n", o.baseline, base.Started, o.minRatio)
	for _, b := range base.Results {
		if !o.wants(strings.Fields(b.Name)[0]) {
			continue
		}
		r, ok := got[b.Name]
		verdict := "ok"
		switch {
		case !ok:
			verdict = "FAIL: not measured"
		case r.Generator != b.Generator:
			verdict = fmt.Sprintf("FAIL: measured with %s, the baseline with %s", r.Generator, b.Generator)
		case r.Errors > 0:
			verdict = fmt.Sprintf("FAIL: %d errors (%s)", r.Errors, r.FirstError)
		case r.Ratio < o.minRatio*b.Ratio:
			verdict = fmt.Sprintf("FAIL: ratio %.3f < %.2f × %.3f", r.Ratio, o.minRatio, b.Ratio)
		}
		fmt.Fprintf(w, "%-36s baseline %7.3f now %7.3f (%4.0f%%)  %s\n", b.Name, b.Ratio, r.Ratio, 100*r.Ratio/max(b.Ratio, 1e-9), verdict)
		if verdict != "ok" {
			failed = append(failed, b.Name)
		}
	}
	if len(failed) > 0 {
		return errors.New("below the baseline: " + strings.Join(failed, ", "))
	}
	return nil
}

// loadAverage is the machine's 1-, 5- and 15-minute load average.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
