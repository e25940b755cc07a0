// Package version tells which build of inboxd is running.
//
// Release builds set the three variables at link time:
//
//	go build -ldflags "-X github.com/inboxd/inbox/internal/version.Version=v1.2.0 \
//	  -X github.com/inboxd/inbox/internal/version.Commit=$(git rev-parse HEAD) \
//	  -X github.com/inboxd/inbox/internal/version.Date=$(date -u +%Y-%m-%dT%H:%M:%SZ)" ./cmd/inboxd
//
// Anything left empty is taken from the build information the Go toolchain
// records (the module version of "go install …@v1.2.0", the VCS revision and
// time of a build in a Git checkout), else reads "unknown".
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"
)

// Set at link time with -ldflags -X (see the package comment).
var (
	Version string
	Commit  string
	Date    string
)

// Info describes the running build.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"go"`
	// Modified is true when the build came from a checkout with changes
	// that were not committed.
	Modified bool `json:"modified,omitempty"`
}

// Get returns the running build's information.
func Get() Info {
	i := Info{Version: Version, Commit: Commit, Date: Date, GoVersion: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok {
		fill(&i, bi)
	}
	for _, f := range []*string{&i.Version, &i.Commit, &i.Date} {
		if *f == "" {
			*f = "unknown"
		}
	}
	return i
}

// fill completes i from the toolchain's build information.
func fill(i *Info, bi *debug.BuildInfo) {
	if i.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		i.Version = bi.Main.Version
	}
	var modified bool
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			if i.Commit == "" {
				i.Commit = s.Value
			}
		case "vcs.time":
			if i.Date == "" {
				i.Date = s.Value
			}
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	// A link-time commit describes its own tree; the flag only describes
	// the toolchain's revision.
	if Commit == "" {
		i.Modified = modified
	}
	if i.Version == "" {
		i.Version = "devel"
	}
}

// String is the one line "inboxd --version" prints.
func (i Info) String() string {
	commit := i.Commit
	if len(commit) > 12 && !strings.Contains(commit, " ") {
		commit = commit[:12]
	}
	if i.Modified {
		commit += "+modified"
	}
	return fmt.Sprintf("inboxd %s (commit %s, built %s, %s)", i.Version, commit, i.Date, i.GoVersion)
}
