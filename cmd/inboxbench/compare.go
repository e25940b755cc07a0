package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
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
// reached less than o.minRatio of its baseline ratio (measured twice, see
// retryBelow), answered errors, was not measured, or was measured with
// another load generator.
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
		if verdict != "ok" {
			failed = append(failed, b.Name)
		}
		if r.Retried {
			verdict += fmt.Sprintf(" (measured again for %s, %d requests: the better kept)", 3*o.duration, r.Requests)
		}
		fmt.Fprintf(w, "%-36s baseline %7.3f now %7.3f (%4.0f%%)  %s\n", b.Name, b.Ratio, r.Ratio, 100*r.Ratio/max(b.Ratio, 1e-9), verdict)
	}
	if len(failed) > 0 {
		return errors.New("below the baseline: " + strings.Join(failed, ", "))
	}
	return nil
}

// below lists the first words (the -only names) of the baseline's
// scenarios whose ratio in cur is under o.minRatio of the baseline's.
func below(base, cur *report, o options) []string {
	ratio := map[string]float64{}
	for _, r := range cur.Results {
		ratio[r.Name] = r.Ratio
	}
	var names []string
	for _, b := range base.Results {
		r, ok := ratio[b.Name]
		first := strings.Fields(b.Name)[0]
		if ok && o.wants(first) && r < o.minRatio*b.Ratio && !slices.Contains(names, first) {
			names = append(names, first)
		}
	}
	return names
}

// retryBelow measures once more, three times as long, the scenarios that
// fell under the baseline, and keeps the better ratio of the two: a
// two-second run on a shared machine can land far under its usual rate once
// (a list page answered in a second completes only a few requests in it), a
// regression does every time.
func retryBelow(ctx context.Context, o options, base, cur *report, run func(options) ([]result, error)) error {
	names := below(base, cur, o)
	if len(names) == 0 {
		return nil
	}
	fmt.Fprintf(os.Stderr, "under the baseline, measuring again: %s\n", strings.Join(names, ","))
	o.only = strings.Join(names, ",")
	o.duration *= 3
	again, err := run(o)
	if err != nil {
		return err
	}
	for _, a := range again {
		for i, r := range cur.Results {
			if r.Name == a.Name && a.Ratio > r.Ratio {
				a.Retried = true
				cur.Results[i] = a
			}
		}
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

// runBaseline writes a baseline from several runs' JSON: per scenario, the
// result of the run whose ratio is the median (the lower middle of an even
// count), so that one unlucky run neither lowers nor raises the bar.
//
//	inboxbench baseline -out docs/benchmarks/baseline-sqlite.json run1.json run2.json run3.json
func runBaseline(args []string) error {
	fs := flag.NewFlagSet("inboxbench baseline", flag.ContinueOnError)
	out := fs.String("out", "", "where to write the baseline")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" || fs.NArg() < 3 {
		return fmt.Errorf("usage: inboxbench baseline -out FILE RUN.json RUN.json RUN.json [...] (at least 3 runs)")
	}
	var runs []*report
	for _, path := range fs.Args() {
		r, err := readReport(path)
		if err != nil {
			return err
		}
		runs = append(runs, r)
	}
	merged := median(runs)
	b, _ := json.MarshalIndent(merged, "", "  ")
	return os.WriteFile(*out, append(b, '\n'), 0o644)
}

// median keeps the first run's description and, per scenario of the first
// run, the median result over the runs that measured it without errors (a
// run that failed requests or completed none measured something else).
func median(runs []*report) *report {
	m := *runs[0]
	m.Results = nil
	m.Realtime, m.Webhooks = nil, nil
	m.BaselineOf = fmt.Sprintf("median ratio per scenario of %d runs", len(runs))
	var bare []float64
	for _, r := range runs {
		bare = append(bare, r.BareRPS)
	}
	slices.Sort(bare)
	m.BareRPS = bare[(len(bare)-1)/2]
	for _, first := range runs[0].Results {
		var same, clean []result
		for _, r := range runs {
			for _, x := range r.Results {
				if x.Name == first.Name {
					same = append(same, x)
					if x.Errors == 0 && x.Requests > 0 {
						clean = append(clean, x)
					}
				}
			}
		}
		if len(clean) > 0 {
			same = clean
		}
		slices.SortFunc(same, func(a, b result) int { return cmp.Compare(a.Ratio, b.Ratio) })
		m.Results = append(m.Results, same[(len(same)-1)/2])
	}
	return &m
}
