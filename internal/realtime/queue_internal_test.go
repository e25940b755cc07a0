package realtime

import (
	"testing"
	"time"
)

func TestQueue(t *testing.T) {
	t.Run("OverflowByCount", func(t *testing.T) {
		q := newQueue(2, 1<<20)
		if !q.push([]byte("a")) || !q.push([]byte("b")) {
			t.Fatal("pushes within the limits failed")
		}
		if q.push([]byte("c")) {
			t.Fatal("a third frame fit a queue of two")
		}
		if q.push([]byte("d")) {
			t.Fatal("a push after an overflow succeeded")
		}
		frames, overflow := q.take()
		if len(frames) != 2 || !overflow || q.empty() {
			t.Fatalf("take: %d frames, overflow %v, empty %v; want 2, true, false (an overflow is something)", len(frames), overflow, q.empty())
		}
	})
	t.Run("OverflowByBytes", func(t *testing.T) {
		q := newQueue(100, 10)
		if !q.push(make([]byte, 6)) || q.push(make([]byte, 6)) {
			t.Fatal("the byte limit did not hold")
		}
	})
	t.Run("PushWaitWaitsForRoom", func(t *testing.T) {
		q := newQueue(1, 1<<20)
		q.push([]byte("a"))
		go func() {
			time.Sleep(50 * time.Millisecond)
			q.take()
			q.drained()
		}()
		if !q.pushWait([]byte("b"), 5*time.Second) {
			t.Fatal("pushWait gave up though room was made")
		}
		if q.pushWait([]byte("c"), 20*time.Millisecond) {
			t.Fatal("pushWait into a full queue succeeded")
		}
		if frames, overflow := q.take(); len(frames) != 1 || overflow {
			t.Fatalf("take: %d frames, overflow %v; want 1, false (waiting is not overflowing)", len(frames), overflow)
		}
	})
	t.Run("Closed", func(t *testing.T) {
		q := newQueue(10, 1<<20)
		q.push([]byte("a"))
		q.close()
		if q.push([]byte("b")) || q.pushWait([]byte("c"), time.Millisecond) {
			t.Fatal("a closed queue took a frame")
		}
		if frames, _ := q.take(); len(frames) != 0 {
			t.Fatalf("a closed queue kept %d frames", len(frames))
		}
	})
}
