package bookingsync_test

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/inboxd/inbox/internal/app"
)

// createConversations makes n conversations and returns their ids.
func (e *env) createConversations(t *testing.T, n int) []int64 {
	t.Helper()
	var out []int64
	for i := 0; i < n; i++ {
		r := e.do("POST", "/api/v3/inbox/conversations", e.token, wrap("conversations", map[string]any{"subject": fmt.Sprintf("c%d", i)})).must(t, 201)
		out = append(out, id(t, r.one(t, "conversations"), "id"))
	}
	return out
}

func recordIDs(t *testing.T, r *response, plural string) []int64 {
	t.Helper()
	var out []int64
	for _, rec := range r.records(t, plural) {
		out = append(out, id(t, rec, "id"))
	}
	return out
}

func TestPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{rateLimit: 1000})
	ids := e.createConversations(t, 5)
	list := e.srv.URL + "/api/v3/inbox/conversations"

	t.Run("LinkKeepsEveryParameterSorted", func(t *testing.T) {
		r := e.do("GET", "/api/v3/inbox/conversations?zeta=a+b&per_page=2&include=participants,messages&page=2&fields=id,subject", e.token, nil).must(t, 200)
		u := func(page int) string {
			return list + "?fields=id%2Csubject&include=participants%2Cmessages&page=" + fmt.Sprint(page) + "&per_page=2&zeta=a+b"
		}
		want := fmt.Sprintf(`<%s>; rel="first", <%s>; rel="prev", <%s>; rel="next", <%s>; rel="last"`, u(1), u(1), u(3), u(3))
		if got := r.header.Get("Link"); got != want {
			t.Errorf("Link=%q\nwant %q", got, want)
		}
		if got := recordIDs(t, r, "conversations"); !slices.Equal(got, ids[2:4]) {
			t.Errorf("ids=%v, want %v", got, ids[2:4])
		}
		for h, want := range map[string]string{"X-Total-Count": "5", "X-Total-Pages": "3", "X-Per-Page": "2", "X-Current-Page": "2"} {
			if got := r.header.Get(h); got != want {
				t.Errorf("%s=%q, want %q", h, got, want)
			}
		}
	})
	t.Run("LastPageHasNoNext", func(t *testing.T) {
		r := e.do("GET", "/api/v3/inbox/conversations?per_page=2&page=3", e.token, nil).must(t, 200)
		if strings.Contains(r.header.Get("Link"), `rel="next"`) {
			t.Errorf("Link=%q", r.header.Get("Link"))
		}
		if got := recordIDs(t, r, "conversations"); !slices.Equal(got, ids[4:]) {
			t.Errorf("ids=%v", got)
		}
	})
	t.Run("PerPageIsCapped", func(t *testing.T) {
		r := e.do("GET", "/api/v3/inbox/conversations?per_page=500", e.token, nil).must(t, 200)
		if r.header.Get("X-Per-Page") != "100" {
			t.Errorf("X-Per-Page=%q", r.header.Get("X-Per-Page"))
		}
	})
	t.Run("InvalidValuesFallBack", func(t *testing.T) {
		for _, q := range []string{"page=abc&per_page=-3", "page=0&per_page=0", "page=-1&per_page=x", "page=1.5"} {
			r := e.do("GET", "/api/v3/inbox/conversations?"+q, e.token, nil).must(t, 200)
			if r.header.Get("X-Per-Page") != "100" || r.header.Get("X-Current-Page") != "1" || len(r.records(t, "conversations")) != 5 {
				t.Errorf("%s: X-Per-Page=%q X-Current-Page=%q", q, r.header.Get("X-Per-Page"), r.header.Get("X-Current-Page"))
			}
		}
	})
	t.Run("PastTheEnd", func(t *testing.T) {
		r := e.do("GET", "/api/v3/inbox/conversations?page=9", e.token, nil).must(t, 200)
		if len(r.records(t, "conversations")) != 0 || r.header.Get("X-Total-Count") != "5" {
			t.Errorf("body=%s", r.raw)
		}
		link := r.header.Get("Link")
		if !strings.Contains(link, `page=8>; rel="prev"`) || strings.Contains(link, `rel="next"`) || !strings.Contains(link, `page=1>; rel="last"`) {
			t.Errorf("Link=%q", link)
		}
	})
	t.Run("SingleID", func(t *testing.T) {
		r := e.do("GET", fmt.Sprintf("/api/v3/inbox/conversations/%d", ids[1]), e.token, nil).must(t, 200)
		u := fmt.Sprintf("%s/%d?page=1", list, ids[1])
		if got, want := r.header.Get("Link"), fmt.Sprintf(`<%s>; rel="first", <%s>; rel="last"`, u, u); got != want {
			t.Errorf("Link=%q, want %q", got, want)
		}
		if r.header.Get("X-Total-Count") != "1" || r.header.Get("X-Total-Pages") != "1" {
			t.Errorf("headers=%v", r.header)
		}
	})
	t.Run("IDList", func(t *testing.T) {
		r := e.do("GET", fmt.Sprintf("/api/v3/inbox/conversations/%d,%d,999999,%d", ids[3], ids[0], ids[1]), e.token, nil).must(t, 200)
		if got := recordIDs(t, r, "conversations"); !slices.Equal(got, []int64{ids[0], ids[1], ids[3]}) {
			t.Errorf("ids=%v, want ascending found ones", got)
		}
		r = e.do("GET", "/api/v3/inbox/conversations/999998,999999", e.token, nil).must(t, 200)
		if len(r.records(t, "conversations")) != 0 {
			t.Errorf("body=%s", r.raw)
		}
		r = e.do("GET", fmt.Sprintf("/api/v3/inbox/conversations/%d,%d,%d?per_page=2&page=2", ids[0], ids[1], ids[2]), e.token, nil).must(t, 200)
		if got := recordIDs(t, r, "conversations"); !slices.Equal(got, ids[2:3]) || r.header.Get("X-Total-Count") != "3" {
			t.Errorf("ids=%v total=%s", got, r.header.Get("X-Total-Count"))
		}
	})
	t.Run("Empty", func(t *testing.T) {
		r := e.do("GET", "/api/v3/inbox/attachments", e.token, nil).must(t, 200)
		u := e.srv.URL + "/api/v3/inbox/attachments?page=1"
		if got, want := r.header.Get("Link"), fmt.Sprintf(`<%s>; rel="first", <%s>; rel="last"`, u, u); got != want {
			t.Errorf("Link=%q", got)
		}
		if r.header.Get("X-Total-Count") != "0" || r.header.Get("X-Total-Pages") != "0" {
			t.Errorf("headers=%v", r.header)
		}
		if _, ok := r.body["attachments"].([]any); !ok {
			t.Errorf("attachments is not an array: %s", r.raw)
		}
	})
	t.Run("GetBodyIgnored", func(t *testing.T) {
		e.do("GET", "/api/v3/inbox/conversations", e.token, "{}").must(t, 200)
		e.do("GET", "/api/v3/inbox/conversations", e.token, "not json").must(t, 200)
	})
}

// TestDeepPagesContinueAfterTheLastID shows that following rel="next"
// continues after the last record served (keyset): a deletion on an earlier
// page neither skips nor repeats a record, and the totals announce the pages
// the client will still be given.
func TestDeepPagesContinueAfterTheLastID(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	ids := e.createConversations(t, 7)
	r := e.do("GET", "/api/v3/inbox/conversations?per_page=2", e.token, nil).must(t, 200)
	if got := recordIDs(t, r, "conversations"); !slices.Equal(got, ids[:2]) {
		t.Fatalf("page 1=%v", got)
	}
	next := linkRel(r.header.Get("Link"), "next")
	if err := e.app.DeleteConversation(e.ctxAs(e.token), app.ByID(ids[0])); err != nil {
		t.Fatal(err)
	}
	r = e.do("GET", next, e.token, nil).must(t, 200)
	if got := recordIDs(t, r, "conversations"); !slices.Equal(got, ids[2:4]) {
		t.Errorf("page 2=%v, want %v (no record skipped)", got, ids[2:4])
	}
	// Two records were served before, five lie after the cursor: the client
	// is told about four pages, and gets them.
	if r.header.Get("X-Total-Count") != "7" || r.header.Get("X-Total-Pages") != "4" {
		t.Errorf("X-Total-Count=%s X-Total-Pages=%s, want 7 and 4", r.header.Get("X-Total-Count"), r.header.Get("X-Total-Pages"))
	}
	rest, requests := e.follow(t, e.token, linkRel(r.header.Get("Link"), "next"), "conversations")
	if !slices.Equal(rest, ids[4:]) || requests != 2 {
		t.Errorf("remaining pages=%v in %d requests, want %v in 2", rest, requests, ids[4:])
	}
	// A page asked for directly (no previous page served) is read by offset.
	r = e.do("GET", "/api/v3/inbox/conversations?per_page=2&page=3&fresh=1", e.token, nil).must(t, 200)
	if got := recordIDs(t, r, "conversations"); !slices.Equal(got, ids[5:7]) || r.header.Get("X-Total-Count") != "6" {
		t.Errorf("direct page 3=%v total %s, want %v of 6", got, r.header.Get("X-Total-Count"), ids[5:7])
	}
	// A cursor past the end falls back to the offset and its total.
	r = e.do("GET", "/api/v3/inbox/conversations?per_page=2&page=5", e.token, nil).must(t, 200)
	if len(r.records(t, "conversations")) != 0 || r.header.Get("X-Total-Count") != "6" {
		t.Errorf("page 5: %s total=%s", r.raw, r.header.Get("X-Total-Count"))
	}
}

func TestUpdatedSince(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{})
	before := time.Now().UTC().Add(-2 * time.Second)
	f := e.fixture()
	accepted := []string{
		before.Format("2006-01-02T15:04:05Z"),
		before.In(time.FixedZone("", 3600)).Format("2006-01-02T15:04:05.000-07:00"),
		url.QueryEscape(before.Format("2006-01-02 15:04:05 UTC")),
		strings.ReplaceAll(before.Format("2006-01-02 15:04:05 UTC"), " ", "%20"),
		before.Format("2006-01-02"),
		// An offset whose "+" the client did not encode arrives as a space.
		before.In(time.FixedZone("", 3600)).Format("2006-01-02T15:04:05+01:00"),
		"",
	}
	for _, v := range accepted {
		t.Run("Accepts "+v, func(t *testing.T) {
			r := e.do("GET", "/api/v3/inbox/conversations?updated_since="+v, e.token, nil).must(t, 200)
			if got := recordIDs(t, r, "conversations"); !slices.Equal(got, []int64{f.conversation}) {
				t.Errorf("ids=%v", got)
			}
			meta := r.body["meta"].(map[string]any)
			if _, ok := meta["deleted_ids"].([]any); !ok {
				t.Errorf("meta.deleted_ids missing: %v", meta)
			}
		})
	}
	t.Run("FutureBound", func(t *testing.T) {
		r := e.do("GET", "/api/v3/inbox/messages?updated_since=2099-01-01T00:00:00Z", e.token, nil).must(t, 200)
		if len(r.records(t, "messages")) != 0 {
			t.Errorf("body=%s", r.raw)
		}
	})
	t.Run("NoParameterNoDeletedIDs", func(t *testing.T) {
		r := e.do("GET", "/api/v3/inbox/conversations", e.token, nil).must(t, 200)
		if _, ok := r.body["meta"].(map[string]any)["deleted_ids"]; ok {
			t.Errorf("meta=%v", r.body["meta"])
		}
	})
	t.Run("SyncedAtIsTheRequestStart", func(t *testing.T) {
		start := time.Now().UTC().Truncate(time.Second)
		r := e.do("GET", "/api/v3/inbox/conversations", e.token, nil).must(t, 200)
		end := time.Now().UTC()
		got, err := time.Parse("2006-01-02 15:04:05 UTC", r.header.Get("X-Updated-Since-Request-Synced-At"))
		if err != nil || got.Before(start) || got.After(end) {
			t.Errorf("X-Updated-Since-Request-Synced-At=%q (%v)", r.header.Get("X-Updated-Since-Request-Synced-At"), err)
		}
	})
	t.Run("DeletedIDs", func(t *testing.T) {
		// Deleting through the application (the Chatwoot dialect can) leaves
		// tombstones that BookingSync clients see.
		since := time.Now().UTC().Add(-time.Second).Format("2006-01-02T15:04:05Z")
		if err := e.app.DeleteConversation(e.ctxAs(e.token), app.ByID(f.conversation)); err != nil {
			t.Fatal(err)
		}
		for plural, want := range map[string][]int64{
			"conversations": {f.conversation},
			"participants":  {f.hostParticipant, f.clientParticipant},
			"messages":      {f.clientMessage, f.hostMessage},
		} {
			r := e.do("GET", "/api/v3/inbox/"+plural+"?updated_since="+since, e.token, nil).must(t, 200)
			got := idList(t, r.body["meta"].(map[string]any)["deleted_ids"])
			for _, id := range want {
				if !slices.Contains(got, id) {
					t.Errorf("%s deleted_ids=%v, want %d in it", plural, got, id)
				}
			}
			if len(r.records(t, plural)) != 0 && plural == "conversations" {
				t.Errorf("deleted conversation still listed: %s", r.raw)
			}
		}
		r := e.do("GET", "/api/v3/inbox/conversations?updated_since=2099-01-01", e.token, nil).must(t, 200)
		if got := idList(t, r.body["meta"].(map[string]any)["deleted_ids"]); len(got) != 0 {
			t.Errorf("deleted_ids after 2099=%v", got)
		}
		// A deleted id asked for with updated_since is not a 404: it is in
		// deleted_ids.
		r = e.do("GET", fmt.Sprintf("/api/v3/inbox/conversations/%d?updated_since=", f.conversation), e.token, nil).must(t, 200)
		if got := idList(t, r.body["meta"].(map[string]any)["deleted_ids"]); !slices.Contains(got, f.conversation) {
			t.Errorf("deleted_ids=%v", got)
		}
		e.do("GET", fmt.Sprintf("/api/v3/inbox/conversations/%d", f.conversation), e.token, nil).must(t, 404)
	})
}
