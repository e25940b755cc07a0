package inbox_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	inbox "github.com/inboxd/inbox"
)

// A canceled context (the client went away) has a code of its own, so that
// no dialect reports it as an internal failure; an *Error in the chain still
// wins, and a deadline is not a cancellation.
func TestErrorCode_Canceled(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("query: %w", context.Canceled), inbox.ECANCELED},
		{fmt.Errorf("query: %w", errors.Join(inbox.Errorf(inbox.ENOTFOUND, "Not found."), context.Canceled)), inbox.ENOTFOUND},
		{fmt.Errorf("query: %w", context.DeadlineExceeded), inbox.EINTERNAL},
		{errors.New("disk on fire"), inbox.EINTERNAL},
	} {
		if got := inbox.ErrorCode(c.err); got != c.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", c.err, got, c.want)
		}
	}
	if got := inbox.ErrorMessage(fmt.Errorf("x: %w", context.Canceled)); got != "The request was canceled." {
		t.Errorf("ErrorMessage = %q", got)
	}
}
