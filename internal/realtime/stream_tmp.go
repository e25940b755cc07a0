package realtime

import (
	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

func renderStream(l *app.Loader, e *inbox.Event, base string) (*streamEvent, error) { return nil, nil }
