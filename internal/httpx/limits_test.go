package httpx_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/httpx"
)

func TestCheckJSON(t *testing.T) {
	t.Parallel()
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	list := func(n int) string { return "[" + strings.TrimSuffix(strings.Repeat("1,", n), ",") + "]" }
	for _, tt := range []struct {
		name string
		doc  string
		ok   bool
	}{
		{"Empty", `{}`, true},
		{"AtDepth", deep(httpx.MaxJSONDepth), true},
		{"TooDeep", deep(httpx.MaxJSONDepth + 1), false},
		{"TooDeepObjects", strings.Repeat(`{"a":`, httpx.MaxJSONDepth+1) + "1" + strings.Repeat("}", httpx.MaxJSONDepth+1), false},
		{"ManyValues", list(httpx.MaxValues - 1), true},
		{"TooManyValues", list(httpx.MaxValues + 1), false},
		{"TooManyMembers", "{" + strings.TrimSuffix(strings.Repeat(`"k":1,`, httpx.MaxValues+1), ",") + "}", false},
		// Brackets and commas inside strings are text, escaped quotes too.
		{"BracketsInStrings", `{"a":"` + strings.Repeat(`[{,`, httpx.MaxValues) + `\"]"}`, true},
		{"EscapedBackslash", `["\\", ` + deep(httpx.MaxJSONDepth-1) + `]`, true},
		{"EscapedBackslashThenDeep", `["\\", ` + deep(httpx.MaxJSONDepth) + `]`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := httpx.CheckJSON([]byte(tt.doc))
			var le *httpx.LimitError
			if tt.ok && err != nil {
				t.Fatalf("err=%v, want nil", err)
			} else if !tt.ok && !errors.As(err, &le) {
				t.Fatalf("err=%v, want a *LimitError", err)
			}
		})
	}
}

func TestParseForm(t *testing.T) {
	t.Parallel()
	v, err := httpx.ParseForm([]byte("a=1&b=2"))
	if err != nil || v.Get("b") != "2" {
		t.Fatalf("ParseForm=%v, %v", v, err)
	}
	var le *httpx.LimitError
	if _, err := httpx.ParseForm([]byte(strings.Repeat("a=1&", httpx.MaxValues))); !errors.As(err, &le) {
		t.Fatalf("%d fields: err=%v, want a *LimitError", httpx.MaxValues, err)
	}
}

// Until LiftBodyLimit, a handler reads at most AnonymousBodyLimit bytes of
// a body; after it, up to the server's limit.
func TestAnonymousBodyLimit(t *testing.T) {
	t.Parallel()
	const maxBody = 1 << 20
	read := func(lift bool) http.Handler {
		return httpx.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if lift {
				httpx.LiftBodyLimit(r)
			}
			b, err := httpx.ReadBody(r)
			if err != nil {
				http.Error(w, err.Error(), http.StatusRequestEntityTooLarge)
				return
			}
			fmt.Fprint(w, len(b))
		}), slog.New(slog.NewTextHandler(io.Discard, nil)), maxBody, nil)
	}
	for _, tt := range []struct {
		lift   bool
		size   int
		status int
	}{
		{false, httpx.AnonymousBodyLimit, 200},
		{false, httpx.AnonymousBodyLimit + 1, 413},
		{false, maxBody, 413},
		{true, httpx.AnonymousBodyLimit + 1, 200},
		{true, maxBody, 200},
		{true, maxBody + 1, 413},
	} {
		w := httptest.NewRecorder()
		read(tt.lift).ServeHTTP(w, httptest.NewRequest("POST", "/", strings.NewReader(strings.Repeat("x", tt.size))))
		if w.Code != tt.status {
			t.Errorf("lifted=%v, %d bytes: status %d, want %d", tt.lift, tt.size, w.Code, tt.status)
		} else if tt.status == 200 && w.Body.String() != fmt.Sprint(tt.size) {
			t.Errorf("lifted=%v: read %s bytes, want %d", tt.lift, w.Body.String(), tt.size)
		}
	}
}

// Until LiftBodyLimit, a body has the server's ReadHeaderTimeout to
// arrive, counted from the request's start; after it, ReadTimeout. The
// client here pauses three times the header timeout in mid-body.
func TestAnonymousBodyDeadline(t *testing.T) {
	t.Parallel()
	const headerTimeout = 500 * time.Millisecond
	srv := httptest.NewUnstartedServer(httpx.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/lifted" {
			httpx.LiftBodyLimit(r)
		}
		b, err := io.ReadAll(r.Body)
		if err != nil {
			fmt.Fprintf(w, "error: %v", err)
			return
		}
		fmt.Fprintf(w, "read %d", len(b))
	}), slog.New(slog.NewTextHandler(io.Discard, nil)), 1<<20, nil))
	srv.Config.ReadHeaderTimeout = headerTimeout
	srv.Config.ReadTimeout = 10 * time.Minute
	srv.Start()
	defer srv.Close()

	for path, want := range map[string]string{"/anonymous": "error: ", "/lifted": "read 10"} {
		conn, err := net.Dial("tcp", srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n01", path)
		time.Sleep(3 * headerTimeout)
		conn.Write([]byte("23456789"))
		conn.SetReadDeadline(time.Now().Add(30 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		body, _ := io.ReadAll(resp.Body)
		conn.Close()
		if !strings.HasPrefix(string(body), want) {
			t.Errorf("%s: %q, want %q…", path, body, want)
		}
	}
}
