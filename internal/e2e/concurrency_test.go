package e2e_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"sync"
	"syscall"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/sqlstore"
)

// TestConcurrency has 50 clients post to one conversation while 50 others
// create conversations in the same account, all at once. Every request must
// succeed (no SQLITE_BUSY or serialization failure reaches a client), display
// ids must be unique, and no update may be lost.
func TestConcurrency(t *testing.T) {
	e := newEnv(t, 1)
	p := e.start(t)
	defer p.signal(t, syscall.SIGTERM)
	const n = 50
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		acked   = map[int64]string{}
		display []int64
		failure []string
	)
	start := make(chan struct{})
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxConnsPerHost: 2 * n, MaxIdleConnsPerHost: 2 * n}}
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func(i int) {
			defer wg.Done()
			<-start
			content := fmt.Sprintf("concurrent message %d", i)
			id, _, err := e.postMessage(context.Background(), client, p.url, e.convs[0], content)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failure = append(failure, "message: "+err.Error())
				return
			}
			acked[id] = content
		}(i)
		go func(i int) {
			defer wg.Done()
			<-start
			body, _ := json.Marshal(map[string]any{"inbox_id": e.inbox, "contact_id": e.client})
			req, _ := http.NewRequest(http.MethodPost, fmt.Sprintf("%s/api/v1/accounts/%d/conversations", p.url, e.account), bytes.NewReader(body))
			req.Header.Set("api_access_token", e.token)
			req.Header.Set("Content-Type", "application/json")
			resp, err := client.Do(req)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failure = append(failure, "conversation: "+err.Error())
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var c struct{ ID int64 }
			if resp.StatusCode != 200 || json.Unmarshal(b, &c) != nil || c.ID == 0 {
				failure = append(failure, fmt.Sprintf("conversation: HTTP %d %s", resp.StatusCode, b))
				return
			}
			display = append(display, c.ID)
		}(i)
	}
	close(start)
	wg.Wait()
	if len(failure) > 0 {
		t.Fatalf("%d of %d requests failed, first: %s", len(failure), 2*n, failure[0])
	}
	sort.Slice(display, func(i, j int) bool { return display[i] < display[j] })
	for i := 1; i < len(display); i++ {
		if display[i] == display[i-1] {
			t.Fatalf("display_id %d given twice", display[i])
		}
	}
	if len(acked) != n {
		t.Fatalf("acknowledged messages=%d, want %d", len(acked), n)
	}
	p.signal(t, syscall.SIGTERM)
	e.verify(t, acked)

	// No lost update: the conversation holds exactly the seeded messages plus
	// the acknowledged ones, and every new conversation got its own number.
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, e.dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	err = st.View(ctx, func(tx inbox.Tx) error {
		cid := e.convs[0].ID
		msgs, _, err := tx.FindMessages(ctx, e.account, inbox.MessageFilter{ConversationID: &cid, ExcludeActivity: true, Page: inbox.Page{Limit: 1000}})
		if err != nil {
			return err
		}
		if len(msgs) != n {
			return fmt.Errorf("messages in the conversation=%d, want %d", len(msgs), n)
		}
		all, total, err := tx.FindConversations(ctx, e.account, inbox.ConversationFilter{Page: inbox.Page{Limit: 1000}})
		if err != nil {
			return err
		}
		if total != n+1 {
			return fmt.Errorf("conversations=%d, want %d", total, n+1)
		}
		seen := map[int64]bool{}
		for _, c := range all {
			if seen[c.DisplayID] {
				return fmt.Errorf("display_id %d stored twice", c.DisplayID)
			}
			seen[c.DisplayID] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
