package webhook

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/fetch"
)

// Headers every delivery carries besides its dialect's.
const (
	// EventIDHeader is the event's position in the outbox (inbox.Event.Seq):
	// it increases in commit order, per account as across them, and is the
	// same on every retry, so a receiver drops what it has seen and orders
	// by it.
	EventIDHeader = "X-Inboxd-Event-Id"
	// EventHeader is the dialect's event name.
	EventHeader = "X-Inboxd-Event"
)

// send POSTs a delivery once.
func (s *Service) send(o *app.Outgoing) app.Attempt {
	at := app.Attempt{At: time.Now()}
	if o.KeyErr != nil {
		at.Err = "cannot sign: " + o.KeyErr.Error()
		return at
	}
	req, err := http.NewRequest(http.MethodPost, o.Webhook.URL, bytes.NewReader(o.Delivery.Body))
	if err != nil {
		at.Err = "invalid URL"
		return at
	}
	h := req.Header
	h.Set("Content-Type", "application/json")
	h.Set(EventIDHeader, strconv.FormatInt(o.Delivery.EventSeq, 10))
	h.Set(EventHeader, o.Delivery.Event)
	switch o.Webhook.Dialect {
	case inbox.WebhookBookingSync:
		h.Set("User-Agent", "BookingSync Webhook Delivery")
		h.Set("X-Content-Signature", SignBookingSync(o.Key, o.Delivery.Body))
	default:
		ts := time.Now().Unix()
		h.Set("Accept", "application/json")
		h.Set("User-Agent", "inboxd Webhook Delivery")
		h.Set("X-Chatwoot-Signature", SignChatwoot(o.Key, ts, o.Delivery.Body))
		h.Set("X-Chatwoot-Timestamp", strconv.FormatInt(ts, 10))
		h.Set("X-Chatwoot-Delivery", o.Delivery.UUID)
	}
	start := time.Now()
	resp, err := s.client.Do(req)
	if err != nil {
		at.Latency = time.Since(start)
		at.Err, at.Timeout = describe(err)
		return at
	}
	_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, readLimit))
	resp.Body.Close()
	at.Latency = time.Since(start)
	at.Status = resp.StatusCode
	if at.Status < 200 || at.Status > 299 {
		at.Err = "HTTP " + strconv.Itoa(at.Status)
	} else if err != nil {
		// The status arrived; the body did not finish in time. The
		// receiver accepted the delivery.
		at.Err = ""
	}
	return at
}

// describe turns a request error into a short, loggable reason.
func describe(err error) (reason string, timeout bool) {
	var ne net.Error
	switch {
	case errors.Is(err, fetch.ErrRefused):
		return "refused: the destination address is not public", false
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout", true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return oe.Op + ": " + oe.Err.Error(), false
	}
	s := err.Error()
	if len(s) > 200 {
		s = s[:200]
	}
	return s, false
}
