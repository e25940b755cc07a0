package inbox

import (
	"net/url"
	"slices"
	"strings"
	"time"
)

// Webhook dialects: the wire format a subscription's payloads, signature and
// headers follow.
const (
	WebhookChatwoot    = "chatwoot"
	WebhookBookingSync = "bookingsync"
)

// ChatwootWebhookEvents are the event names a Chatwoot account webhook may
// subscribe to (Chatwoot's list). inboxd sends the conversation, message,
// contact and inbox ones; it has no typing or web widget events, so those
// names are accepted and never sent.
var ChatwootWebhookEvents = []string{"conversation_created", "conversation_updated", "conversation_status_changed",
	"message_created", "message_updated", "conversation_typing_on", "conversation_typing_off",
	"contact_created", "contact_updated", "inbox_created", "inbox_updated", "webwidget_triggered"}

// ChatwootInboxWebhookEvents are what an API inbox's webhook_url receives:
// every conversation and message event of the inbox.
var ChatwootInboxWebhookEvents = []string{"conversation_created", "conversation_updated", "conversation_status_changed",
	"message_created", "message_updated", "conversation_typing_on", "conversation_typing_off"}

// BookingSyncWebhookEvents are the event names a BookingSync subscription
// may list (spec/bookingsync-v3.md §11). inboxd sends the inbox, client,
// booking and inquiry created/updated ones and client_destroyed; the other
// destroy events and the account ones are accepted and never sent (inboxd
// deletes none of those records through its APIs).
var BookingSyncWebhookEvents = []string{"inbox_conversation_created", "inbox_conversation_updated",
	"inbox_message_created", "inbox_message_updated",
	"booking_created", "booking_updated", "booking_destroyed",
	"client_created", "client_updated", "client_destroyed",
	"inquiry_created", "inquiry_updated", "inquiry_destroyed",
	"account_updated", "account_destroyed"}

// BookingSyncEventScope is the scope an application needs for an event:
// inbox events need inbox_read, the others their resource's read scope.
func BookingSyncEventScope(event string) Scope {
	switch {
	case strings.HasPrefix(event, "inbox_"):
		return ScopeInboxRead
	case strings.HasPrefix(event, "booking_"):
		return ScopeBookingsRead
	case strings.HasPrefix(event, "client_"):
		return ScopeClientsRead
	case strings.HasPrefix(event, "inquiry_"):
		return ScopeInquiriesRead
	}
	return ScopePublic
}

// Webhook is a subscription: the events of an account, POSTed to a URL in
// one dialect's shape and signed.
//
//   - Chatwoot account webhooks are the account's (administrators manage
//     them); each has its own generated secret.
//   - A Chatwoot API inbox with a webhook_url gets one webhook with InboxID
//     set, kept in step with the inbox by inboxd; it receives every
//     conversation and message event of that inbox, signed with its own
//     secret.
//   - BookingSync subscriptions belong to an application and are signed
//     with its client secret.
type Webhook struct {
	ID        int64
	AccountID int64
	Dialect   string // WebhookChatwoot or WebhookBookingSync
	// ApplicationID is the owning application (BookingSync).
	ApplicationID *int64
	// InboxID is the API inbox whose webhook_url this is (Chatwoot).
	InboxID *int64
	Name    string
	URL     string
	Events  []string
	// SecretSealed is the signing secret sealed under the server key
	// (Chatwoot); BookingSync signs with the application's secret.
	SecretSealed []byte
	// DisabledAt is set when the webhook stopped receiving events: after
	// failing without a success for WebhookDisableAfter, or by its owner.
	DisabledAt     *time.Time
	DisabledReason string
	// FailingSince is the first failed attempt since the last success.
	FailingSince  *time.Time
	LastSuccessAt *time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Enabled reports whether the webhook receives events.
func (w *Webhook) Enabled() bool { return w.DisabledAt == nil }

// WebhookUpdate holds the fields to change; nil leaves one unchanged.
type WebhookUpdate struct {
	Name   *string
	URL    *string
	Events *[]string
	// Enabled re-enables (clearing the reason and the failure clock) or
	// disables the webhook.
	Enabled *bool
}

// WebhookFilter selects webhooks of an account.
type WebhookFilter struct {
	Dialect       string
	ApplicationID *int64
	InboxID       *int64
	// Enabled keeps webhooks that receive events.
	Enabled bool
}

// WebhookDisableAfter is how long a webhook may fail without a success
// before it is disabled.
const WebhookDisableAfter = 72 * time.Hour

// Validate checks a webhook before it is stored: an http(s) URL (whether
// its host may be private is the application's decision) and event names
// of its dialect.
func (w *Webhook) Validate() error {
	// Each dialect names the event list its own way.
	allowed, field := ChatwootWebhookEvents, "subscriptions"
	switch w.Dialect {
	case WebhookChatwoot:
		if w.InboxID != nil {
			allowed = ChatwootInboxWebhookEvents
		}
	case WebhookBookingSync:
		allowed, field = BookingSyncWebhookEvents, "events"
		if w.ApplicationID == nil {
			return FieldError("application", MsgBlank)
		}
	default:
		return FieldError("dialect", MsgInclusion)
	}
	if w.URL == "" {
		return FieldError("url", MsgBlank)
	} else if u, err := url.Parse(w.URL); err != nil || !ValidWebURL(w.URL) || u.User != nil {
		return FieldError("url", MsgInvalid)
	}
	if len(w.Name) > 255 {
		return FieldError("name", "is too long (maximum is 255 characters)")
	}
	if len(w.Events) == 0 {
		return FieldError(field, MsgBlank)
	}
	for _, e := range w.Events {
		if !slices.Contains(allowed, e) {
			return FieldError(field, MsgInclusion)
		}
	}
	return nil
}

// Delivery states.
const (
	WebhookPending   = "pending"
	WebhookDelivered = "delivered"
	WebhookFailed    = "failed"
)

// Delivery is one event for one webhook: a row created from the outbox,
// sent until a 2xx answers or its retry window closes.
type Delivery struct {
	ID        int64
	AccountID int64
	WebhookID int64
	// EventSeq is the event's position in the outbox (Event.Seq): the
	// event id receivers see.
	EventSeq int64
	// Event is the dialect's event name.
	Event string
	// UUID identifies the delivery across retries (X-Chatwoot-Delivery).
	UUID string
	Body []byte
	// State is WebhookPending, WebhookDelivered or WebhookFailed.
	State         string
	Attempts      int
	NextAttemptAt time.Time
	// RetryUntil is when retrying stops: a failure after it fails the
	// delivery.
	RetryUntil time.Time
	// LeaseOwner, when set on a new delivery, stores it leased to that
	// node until LeaseUntil (a node sending what it just made).
	LeaseOwner  string
	LeaseUntil  time.Time
	LastStatus  int
	LastError   string
	LastLatency time.Duration
	CreatedAt   time.Time
	UpdatedAt   time.Time
	DeliveredAt *time.Time
}

// DeliveryAttempt is one POST of a delivery.
type DeliveryAttempt struct {
	ID         int64
	AccountID  int64
	DeliveryID int64
	WebhookID  int64
	At         time.Time
	// Status is the HTTP status (0 when none came back).
	Status  int
	Latency time.Duration
	Error   string
	// Node is the node that made the attempt (its lease owner name; ""
	// for attempts recorded before nodes were).
	Node string
}

// DeliveryFilter selects deliveries of an account, newest first.
type DeliveryFilter struct {
	WebhookID *int64
	State     string
	// Since keeps deliveries created at or after it.
	Since *time.Time
	Limit int
}
