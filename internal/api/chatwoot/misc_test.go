package chatwoot_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/server"
)

// TestChannels checks meta.channel for every inbox channel and can_reply for
// an inbox with a reply window.
func TestChannels(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for channel, class := range map[string]string{
		inbox.ChannelAPI: "Channel::Api", inbox.ChannelWebWidget: "Channel::WebWidget", inbox.ChannelEmail: "Channel::Email",
		inbox.ChannelWhatsApp: "Channel::Whatsapp", inbox.ChannelSMS: "Channel::Sms", inbox.ChannelAirbnb: "Channel::Api",
		inbox.ChannelBookingCom: "Channel::Api", inbox.ChannelHomeaway: "Channel::Api", inbox.ChannelVrbo: "Channel::Api",
		inbox.ChannelExpedia: "Channel::Api",
	} {
		box := e.mustInbox(channel+" inbox", channel)
		c := e.show(e.adminTk, e.createConversation(map[string]any{"inbox_id": box.ID}))
		if got := get(t, c, "meta", "channel"); got != class {
			t.Errorf("%s: meta.channel=%v, want %s", channel, got, class)
		}
		// WhatsApp has a 24 h reply window and the guest has not written.
		if want := channel != inbox.ChannelWhatsApp; c["can_reply"] != want {
			t.Errorf("%s: can_reply=%v, want %v", channel, c["can_reply"], want)
		}
	}
}

// asHost returns a context acting as the host of a token, for set-ups the
// Chatwoot API cannot make (BookingSync can).
func (e *env) asHost(token string) context.Context {
	e.t.Helper()
	p, err := e.app.Authenticate(ctx, token)
	if err != nil {
		e.t.Fatal(err)
	}
	return inbox.NewContextWithPrincipal(ctx, p)
}

func TestCanReply(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	box := e.mustInbox("WhatsApp", inbox.ChannelWhatsApp)
	conv := e.createConversation(map[string]any{"inbox_id": box.ID})
	if e.show(e.adminTk, conv)["can_reply"] != false {
		t.Fatalf("can_reply=true before the guest wrote")
	}
	// The guest writes through the channel (a participant message, as
	// BookingSync posts it): the 24 h window opens.
	as := e.asHost(e.adminTk)
	c, err := app.View(as, e.app, inbox.ScopeInboxRead, func(l *app.Loader) (*app.ConversationView, error) {
		return l.Conversation(app.ByDisplayID(conv), app.ViewOptions{})
	})
	if err != nil {
		t.Fatal(err)
	}
	pts, err := app.View(as, e.app, inbox.ScopeInboxRead, func(l *app.Loader) ([]*inbox.Participant, error) {
		pts, _, err := l.Participants(inbox.ParticipantFilter{ConversationID: &c.ID})
		return pts, err
	})
	if err != nil || len(pts) != 1 {
		t.Fatalf("participants=%v err=%v, want the contact's", pts, err)
	}
	content := "Hola"
	if _, err := e.app.CreateMessage(as, app.MessageCreate{ConversationID: c.ID, SenderParticipantID: &pts[0].ID,
		Content: &content}); err != nil {
		t.Fatal(err)
	}
	show := e.show(e.adminTk, conv)
	if show["can_reply"] != true || get(t, show, "messages", 0, "message_type") != jsonNum(0) {
		t.Fatalf("can_reply=%v after the guest wrote, want true", show["can_reply"])
	}
}

func TestWithoutContact(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// A conversation without a contact, as BookingSync creates one.
	c, err := e.app.CreateConversation(e.asHost(e.adminTk), app.ConversationCreate{InboxID: &e.apiBox.ID})
	if err != nil {
		t.Fatal(err)
	}
	show := e.show(e.adminTk, c.DisplayID)
	if _, ok := get(t, show, "meta").(map[string]any)["sender"]; ok {
		t.Fatalf("meta=%v, want no sender", show["meta"])
	}
	if show["muted"] != false {
		t.Fatalf("muted=%v, want false", show["muted"])
	}
	wantError(t, e.request("POST", e.path("/conversations/%d/mute", c.DisplayID), e.adminTk, nil), 422, "invalid",
		"The conversation has no contact to mute.")
	wantError(t, e.request("POST", e.path("/conversations/%d/messages", c.DisplayID), e.adminTk,
		map[string]any{"content": "x", "message_type": "incoming"}), 422, "invalid", "")
	msgs := e.must("GET", e.path("/conversations/%d/messages", c.DisplayID), e.adminTk, nil).obj(t)
	if get(t, msgs, "meta", "contact") != nil {
		t.Fatalf("meta.contact=%v, want null", get(t, msgs, "meta", "contact"))
	}
	// Deleted and malformed ids are unknown.
	e.must("DELETE", e.path("/conversations/%d", c.DisplayID), e.adminTk, nil)
	wantError(t, e.request("POST", e.path("/conversations/%d/mute", c.DisplayID), e.adminTk, nil), 404, "not_found", "")
	for _, path := range []string{"/conversations/x", "/conversations/1.5/messages", "/conversations/-1/labels"} {
		wantError(t, e.request("GET", e.path("%s", path), e.adminTk, nil), 404, "not_found", "Resource could not be found")
	}
}

func TestBodyErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	small := httptest.NewServer(server.New(server.Deps{App: e.app, MaxBody: 1024,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}))
	t.Cleanup(small.Close)
	conv := e.createConversation(map[string]any{})
	limited := *e
	limited.srv = small
	res := limited.request("POST", e.path("/conversations/%d/messages", conv), e.adminTk,
		map[string]any{"content": strings.Repeat("x", 2000)})
	wantError(t, res, 413, "invalid", "Request body is too large")
	body, ct := multipartBody(t, [][2]string{{"content", strings.Repeat("x", 2000)}}, nil)
	wantError(t, limited.request("POST", e.path("/conversations/%d/messages", conv), e.adminTk, body, ct), 413, "invalid",
		"Request body is too large")
	wantError(t, e.request("POST", e.path("/conversations/%d/messages", conv), e.adminTk, "content=%zz",
		"application/x-www-form-urlencoded"), 400, "invalid", "Request body is not valid form data")
	wantError(t, e.request("POST", e.path("/conversations/%d/messages", conv), e.adminTk, "--x\r\nbroken",
		"multipart/form-data; boundary=x"), 400, "invalid", "Request body is not valid multipart/form-data")
	// Bodies of GET requests are ignored.
	e.must("GET", e.path("/conversations/%d", conv), e.adminTk, "{not json")
}
