package realtime

import (
	"sync"
	"time"
)

// queue holds the frames waiting to be written to one client. It is
// bounded: a client that does not read fast enough to keep it under its
// limits is a slow consumer, and is disconnected (it reconnects and catches
// up from the outbox), so that it never holds memory or delays others.
type queue struct {
	mu       sync.Mutex
	frames   [][]byte
	bytes    int
	maxCount int
	maxBytes int
	overflow bool          // a push did not fit: the client is dropped
	closed   bool          // no more frames will be written
	ready    chan struct{} // signalled (non-blocking) when frames arrive
	space    chan struct{} // signalled (non-blocking) when frames were written
}

func newQueue(maxCount, maxBytes int) *queue {
	return &queue{maxCount: maxCount, maxBytes: maxBytes, ready: make(chan struct{}, 1), space: make(chan struct{}, 1)}
}

// push appends a frame. It reports false when the queue is closed or the
// frame does not fit, which marks the queue overflowed.
func (q *queue) push(frame []byte) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed || q.overflow {
		return false
	}
	if !q.fits(frame) {
		q.overflow = true
		notify(q.ready)
		return false
	}
	q.add(frame)
	return true
}

// pushWait appends a frame, waiting up to timeout for room when the queue
// is full instead of overflowing: for a producer that may wait (a replay of
// history), unlike the hub, which never waits for one client. It reports
// false when the queue is closed or stayed full.
func (q *queue) pushWait(frame []byte, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		q.mu.Lock()
		if q.closed || q.overflow {
			q.mu.Unlock()
			return false
		}
		if q.fits(frame) {
			q.add(frame)
			q.mu.Unlock()
			return true
		}
		q.mu.Unlock()
		wait := time.Until(deadline)
		if wait <= 0 {
			return false
		}
		t := time.NewTimer(min(wait, 50*time.Millisecond))
		select {
		case <-q.space:
		case <-t.C:
		}
		t.Stop()
	}
}

func (q *queue) fits(frame []byte) bool {
	return len(q.frames) < q.maxCount && q.bytes+len(frame) <= q.maxBytes
}

func (q *queue) add(frame []byte) {
	q.frames = append(q.frames, frame)
	q.bytes += len(frame)
	notify(q.ready)
}

// notify signals c without blocking.
func notify(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// take removes every queued frame. overflow reports a dropped push: the
// caller must disconnect the client.
func (q *queue) take() (frames [][]byte, overflow bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	frames, q.frames, q.bytes = q.frames, nil, 0
	return frames, q.overflow
}

// empty reports whether nothing waits (an overflow counts as something).
func (q *queue) empty() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.frames) == 0 && !q.overflow
}

// drained says that the frames taken were written: a producer waiting for
// room (pushWait) looks again.
func (q *queue) drained() { notify(q.space) }

// close refuses further frames and drops the queued ones.
func (q *queue) close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed, q.frames, q.bytes = true, nil, 0
	notify(q.ready)
}
