package conns_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/conns"
)

// serve runs an HTTP server on a Guard over a loopback listener. Requests
// to /slow wait until release is closed.
func serve(t *testing.T, lim conns.Limits) (*conns.Guard, string, chan struct{}) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	g := conns.New(ln, lim, nil)
	release := make(chan struct{})
	srv := &http.Server{ConnState: g.ConnState, Handler: g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			<-release
		case "/stream":
			<-conns.Draining(r.Context()) // a long-lived response ends when the drain starts
		}
		fmt.Fprint(w, "ok")
	}))}
	go srv.Serve(g)
	t.Cleanup(func() { srv.Close() })
	return g, ln.Addr().String(), release
}

// dial opens a connection from a loopback address.
func dial(t *testing.T, addr string, from net.IP) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: from}}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// closedByServer reports whether the server has closed c (within 2 s).
func closedByServer(c net.Conn) bool {
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err := c.Read(make([]byte, 1))
	return err == io.EOF || err != nil && !isTimeout(err)
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// get sends a request on c and reads the answer.
func get(t *testing.T, c net.Conn, path string) *http.Response {
	t.Helper()
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// waitOpen waits until the Guard counts n connections.
func waitOpen(t *testing.T, g *conns.Guard, n int64) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); g.Stats().Open != n; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("open connections %d, want %d", g.Stats().Open, n)
		}
	}
}

var (
	addrA = net.IPv4(127, 0, 0, 1)
	addrB = net.IPv4(127, 0, 0, 2)
)

// Over the per-address cap, a new connection takes the place of that
// address's oldest one waiting for a request; other addresses keep theirs.
func TestPerAddrCapEvictsOldestWaiting(t *testing.T) {
	t.Parallel()
	g, addr, _ := serve(t, conns.Limits{PerAddr: 2})
	other := dial(t, addr, addrB)
	first := dial(t, addr, addrA)
	waitOpen(t, g, 2)
	second := dial(t, addr, addrA)
	waitOpen(t, g, 3)
	third := dial(t, addr, addrA)
	if !closedByServer(first) {
		t.Fatal("the oldest connection of the address was not closed")
	}
	if resp := get(t, second, "/"); resp.StatusCode != 200 {
		t.Fatalf("second: %d", resp.StatusCode)
	}
	if resp := get(t, third, "/"); resp.StatusCode != 200 {
		t.Fatalf("third: %d", resp.StatusCode)
	}
	if resp := get(t, other, "/"); resp.StatusCode != 200 {
		t.Fatalf("the other address's connection: %d", resp.StatusCode)
	}
	if s := g.Stats(); s.Evicted != 1 || s.Refused != 0 {
		t.Fatalf("stats %+v, want 1 evicted", s)
	}
}

// Exempt addresses (trusted proxies) are not capped per address.
func TestExemptAddress(t *testing.T) {
	t.Parallel()
	proxy := netip.MustParseAddr("127.0.0.1")
	g, addr, _ := serve(t, conns.Limits{PerAddr: 1, Exempt: func(a netip.Addr) bool { return a == proxy }})
	viaProxy := []net.Conn{dial(t, addr, addrA), dial(t, addr, addrA), dial(t, addr, addrA)}
	waitOpen(t, g, 3)
	for i, c := range viaProxy {
		if resp := get(t, c, "/"); resp.StatusCode != 200 {
			t.Fatalf("connection %d through the proxy: %d", i, resp.StatusCode)
		}
	}
	first := dial(t, addr, addrB)
	waitOpen(t, g, 4)
	dial(t, addr, addrB)
	if !closedByServer(first) {
		t.Fatal("a second connection of a capped address did not replace the first")
	}
}

// When every connection of the node is serving a request, a new one is
// refused; once one finishes, new ones are accepted again.
func TestNodeCapRefusesWhenAllBusy(t *testing.T) {
	t.Parallel()
	g, addr, release := serve(t, conns.Limits{Max: 2})
	busy := []net.Conn{dial(t, addr, addrA), dial(t, addr, addrB)}
	for _, c := range busy {
		fmt.Fprintf(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	}
	waitOpen(t, g, 2)
	time.Sleep(50 * time.Millisecond) // both requests are being served
	late := dial(t, addr, addrA)
	if !closedByServer(late) {
		t.Fatal("a connection over the node cap was not refused")
	}
	close(release)
	for _, c := range busy {
		c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("busy request: %v %v", resp, err)
		}
	}
	if s := g.Stats(); s.Refused != 1 {
		t.Fatalf("stats %+v, want 1 refused", s)
	}
	// The two are idle now: a new connection takes the place of one.
	if resp := get(t, dial(t, addr, addrB), "/"); resp.StatusCode != 200 {
		t.Fatalf("after the busy ones finished: %d", resp.StatusCode)
	}
}

// Drain stops accepting, lets a request in flight finish with
// Connection: close, answers a request sent on an idle connection within
// the grace, and closes a connection that stays idle past it.
func TestDrain(t *testing.T) {
	t.Parallel()
	g, addr, release := serve(t, conns.Limits{})
	inFlight := dial(t, addr, addrA)
	fmt.Fprintf(inFlight, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	stream := dial(t, addr, addrB)
	fmt.Fprintf(stream, "GET /stream HTTP/1.1\r\nHost: x\r\n\r\n")
	idleThenBusy := dial(t, addr, addrA)
	get(t, idleThenBusy, "/")
	idle := dial(t, addr, addrA)
	get(t, idle, "/")
	waitOpen(t, g, 4)
	time.Sleep(20 * time.Millisecond)

	drained := make(chan error, 1)
	start := time.Now()
	go func() { drained <- g.Drain(context.Background(), 500*time.Millisecond) }()
	time.Sleep(100 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatal("a draining server still accepts connections")
	}
	// A request on an idle keep-alive connection within the grace is served,
	// and told to close.
	if resp := get(t, idleThenBusy, "/"); resp.StatusCode != 200 || !resp.Close {
		t.Fatalf("request during the drain: status %d, close %v", resp.StatusCode, resp.Close)
	}
	close(release)
	inFlight.SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(inFlight), nil)
	if err != nil || resp.StatusCode != 200 || !resp.Close {
		t.Fatalf("in-flight request: %v %v", resp, err)
	}
	if err := <-drained; err != nil {
		t.Fatal(err)
	}
	stream.SetReadDeadline(time.Now().Add(time.Second))
	if resp, err := http.ReadResponse(bufio.NewReader(stream), nil); err != nil || resp.StatusCode != 200 || !resp.Close {
		t.Fatalf("stream: %v %v", resp, err)
	}
	if d := time.Since(start); d < 500*time.Millisecond {
		t.Fatalf("drained after %v, before the idle connection's grace", d)
	}
	if !closedByServer(idle) {
		t.Fatal("the idle connection was not closed")
	}
}

// Drain gives up when its context ends while a request is still in flight.
func TestDrainDeadline(t *testing.T) {
	t.Parallel()
	g, addr, release := serve(t, conns.Limits{})
	defer close(release)
	c := dial(t, addr, addrA)
	fmt.Fprintf(c, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
	waitOpen(t, g, 1)
	time.Sleep(20 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := g.Drain(ctx, time.Second); err != context.DeadlineExceeded {
		t.Fatalf("Drain=%v, want the deadline", err)
	}
}
