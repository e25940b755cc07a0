package app

import "time"

// CanReply reports whether hosts may still reply in the conversation at now:
// false only when its inbox has a reply window (WhatsApp's 24 hours, for
// example) and the client's last message is older than that window, or there
// is none. The view must be loaded with Details (it needs the inbox).
func (v *ConversationView) CanReply(now time.Time) bool {
	if v.Inbox == nil || v.Inbox.ReplyWindowHours <= 0 {
		return true
	}
	if v.Stats == nil || v.Stats.LastIncomingAt == nil {
		return false
	}
	window := time.Duration(v.Inbox.ReplyWindowHours) * time.Hour
	return now.Sub(*v.Stats.LastIncomingAt) < window
}
