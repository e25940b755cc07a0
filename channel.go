package inbox

import (
	"net/url"
	"slices"
	"time"
)

// Channel names. The first group is BookingSync's channel enum (plus the newer
// vrbo and expedia); the second are the further channel kinds an inbox can be.
const (
	ChannelAirbnb     = "airbnb"
	ChannelHomeaway   = "homeaway"
	ChannelEmail      = "email"
	ChannelBookingCom = "booking-com"
	ChannelVrbo       = "vrbo"
	ChannelExpedia    = "expedia"

	ChannelAPI       = "api"
	ChannelWebWidget = "web_widget"
	ChannelSMS       = "sms"
	ChannelWhatsApp  = "whatsapp"
)

// MessageChannels are the values a BookingSync message `channel` and a
// conversation `default_channel` may take.
var MessageChannels = []string{ChannelAirbnb, ChannelHomeaway, ChannelEmail, ChannelBookingCom, ChannelVrbo, ChannelExpedia}

// InboxChannels are the channel kinds an inbox may have.
var InboxChannels = []string{ChannelAPI, ChannelWebWidget, ChannelEmail, ChannelSMS, ChannelWhatsApp,
	ChannelAirbnb, ChannelHomeaway, ChannelBookingCom, ChannelVrbo, ChannelExpedia}

// MessageOrigins are the values a message `origin` may take.
var MessageOrigins = []string{"bookingsync_inbox", "airbnb_message", "airbnb_email", "booking-com", "homeaway",
	"tripadvisor", "email", "messenger", "whatsapp", "inquiry", "sms", "vrbo", "expedia"}

// ValidMessageChannel reports whether s is a message channel.
func ValidMessageChannel(s string) bool { return slices.Contains(MessageChannels, s) }

// ValidOrigin reports whether s is a message origin.
func ValidOrigin(s string) bool { return slices.Contains(MessageOrigins, s) }

// Inbox is one channel instance of an account (an Airbnb listing feed, an
// e-mail address, an API inbox). Every conversation lives in one inbox.
type Inbox struct {
	ID        int64
	AccountID int64
	Name      string
	Channel   string // one of InboxChannels
	// ReplyWindowHours, when positive, is how long after the client's last
	// message hosts may still reply (WhatsApp's 24 h window, for example).
	ReplyWindowHours int
	// WebhookURL receives the inbox's events (Chatwoot API channels).
	WebhookURL string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// InboxUpdate holds the inbox fields to change; nil leaves one unchanged.
type InboxUpdate struct {
	Name             *string
	WebhookURL       *string
	ReplyWindowHours *int
}

// Validate checks an inbox before it is stored.
func (i *Inbox) Validate() error {
	if isBlank(i.Name) {
		return FieldError("name", MsgBlank)
	} else if !slices.Contains(InboxChannels, i.Channel) {
		return FieldError("channel", MsgInclusion)
	} else if tooLong(i.Name, 255) {
		return FieldError("name", "is too long (maximum is 255 characters)")
	} else if i.ReplyWindowHours < 0 {
		return FieldError("reply_window_hours", MsgInvalid)
	} else if i.WebhookURL != "" && !ValidWebURL(i.WebhookURL) {
		return FieldError("webhook_url", MsgInvalid)
	}
	return nil
}

// ValidWebURL reports whether s is an absolute http or https URL with a host.
func ValidWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(s) <= 2048
}

// MessageOrigin is the BookingSync origin of a message that arrives in or
// leaves through an inbox of this channel without naming one.
func MessageOrigin(channel string) string {
	switch channel {
	case ChannelAirbnb:
		return "airbnb_message"
	case ChannelBookingCom, ChannelHomeaway, ChannelEmail, ChannelVrbo, ChannelExpedia, ChannelSMS, ChannelWhatsApp:
		return channel
	}
	return "bookingsync_inbox" // the API, the web widget: inboxd itself
}

// DefaultReplyWindow returns the reply window a new inbox of this channel gets.
func DefaultReplyWindow(channel string) int {
	if channel == ChannelWhatsApp {
		return 24
	}
	return 0
}
