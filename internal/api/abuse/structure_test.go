package abuse_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/inboxd/inbox/internal/httpx"
)

// Bodies are bounded in depth and in number of values before anything is
// decoded: over the bounds, each dialect answers 400 in its own format,
// naming the bound, and nothing is written. At the bounds, requests are
// decoded as usual.
func TestBodyStructureBounds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	before := e.state()
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	values := func(n int) string { return "[" + strings.TrimSuffix(strings.Repeat("1,", n), ",") + "]" }
	messages := fmt.Sprintf("/conversations/%d/messages", e.conv.DisplayID)

	for _, tc := range []struct {
		name, value, want string
	}{
		{"TooDeep", deep(httpx.MaxJSONDepth), "nests too deeply"},
		{"TooDeep10000", deep(10_000), "nests too deeply"},
		{"TooManyValues", values(httpx.MaxValues + 1), "too many values"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.bs("POST", "/api/v3/inbox/conversations", `{"conversations":[{"subject":"x","pad":`+tc.value+`}]}`)
			if got := bsError(t, r, http.StatusBadRequest, "bad_request", ""); !strings.Contains(got["title"], tc.want) {
				t.Errorf("BookingSync title %q, want it to say %q", got["title"], tc.want)
			}
			r = e.cw("POST", messages, "application/json", `{"content":"x","pad":`+tc.value+`}`)
			if msg := cwError(t, r, http.StatusBadRequest, "body"); !strings.Contains(msg, tc.want) {
				t.Errorf("Chatwoot message %q, want it to say %q", msg, tc.want)
			}
		})
	}
	t.Run("TooManyFormFields", func(t *testing.T) {
		r := e.cw("POST", messages, "application/x-www-form-urlencoded",
			"content=x&"+strings.Repeat("pad[]=1&", httpx.MaxValues))
		if msg := cwError(t, r, http.StatusBadRequest, "body"); !strings.Contains(msg, "too many values") {
			t.Errorf("message %q", msg)
		}
	})
	e.unchanged(before, "bodies over the structure bounds")

	t.Run("AtTheBounds", func(t *testing.T) {
		// The body itself is one level: the pad nests one less.
		r := e.cw("POST", messages, "application/json", `{"content":"at the bounds","pad":`+deep(httpx.MaxJSONDepth-1)+`}`)
		if r.status != http.StatusOK {
			t.Fatalf("depth %d: %s", httpx.MaxJSONDepth, r)
		}
		r = e.cw("POST", messages, "application/json", `{"content":"at the bounds","pad":`+values(httpx.MaxValues-10)+`}`)
		if r.status != http.StatusOK {
			t.Fatalf("%d values: %s", httpx.MaxValues, r)
		}
	})
}
