package e2e_test

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"syscall"
	"testing"
	"time"
)

// load posts messages from workers until ctx ends, recording every
// acknowledged message. Errors after the server went away are expected.
func load(ctx context.Context, e *env, base string, workers int, acked map[int64]string, mu *sync.Mutex, serverErrs *int) {
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for i := 0; ctx.Err() == nil; i++ {
				c := e.convs[(w+i)%len(e.convs)]
				content := fmt.Sprintf("worker %d message %d", w, i)
				id, status, _ := e.postMessage(ctx, client, base, c, content)
				mu.Lock()
				if id != 0 {
					acked[id] = content
				} else if status >= 500 {
					*serverErrs++
				}
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
}

// TestCrash kills the server with SIGKILL in the middle of concurrent
// message creates, restarts it, and checks that every acknowledged message
// survived intact and that no half-written change is visible.
func TestCrash(t *testing.T) {
	e := newEnv(t, 4)
	p := e.start(t)
	acked := map[int64]string{}
	var mu sync.Mutex
	serverErrs := 0
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { load(ctx, e, p.url, 16, acked, &mu, &serverErrs); close(done) }()
	time.Sleep(1500 * time.Millisecond)
	p.signal(t, syscall.SIGKILL)
	cancel()
	<-done
	mu.Lock()
	n := len(acked)
	mu.Unlock()
	if n == 0 {
		t.Fatal("no message was acknowledged before the kill; the test proved nothing")
	}
	if serverErrs > 0 {
		t.Fatalf("%d requests got a 5xx before the kill", serverErrs)
	}
	// The restarted server must come up on the crashed database and serve.
	p2 := e.start(t)
	id, _, err := e.postMessage(context.Background(), http.DefaultClient, p2.url, e.convs[0], "after restart")
	if err != nil {
		t.Fatalf("post after restart: %v", err)
	}
	p2.signal(t, syscall.SIGTERM)
	acked[id] = "after restart"
	e.verify(t, acked)
	t.Logf("%d acknowledged messages survived a SIGKILL", n)
}

// TestGracefulRestart restarts the server with SIGTERM twice under load;
// no acknowledged request may be lost and no request may see a 5xx.
func TestGracefulRestart(t *testing.T) {
	e := newEnv(t, 3)
	acked := map[int64]string{}
	var mu sync.Mutex
	serverErrs := 0
	for round := 0; round < 2; round++ {
		p := e.start(t)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { load(ctx, e, p.url, 8, acked, &mu, &serverErrs); close(done) }()
		time.Sleep(800 * time.Millisecond)
		p.signal(t, syscall.SIGTERM)
		cancel()
		<-done
	}
	if len(acked) == 0 {
		t.Fatal("nothing acknowledged")
	}
	if serverErrs > 0 {
		t.Fatalf("%d requests got a 5xx during graceful restarts", serverErrs)
	}
	e.verify(t, acked)
	t.Logf("%d acknowledged messages across two graceful restarts", len(acked))
}
