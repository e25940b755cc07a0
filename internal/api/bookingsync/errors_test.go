package bookingsync_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// ctxAs returns a context acting as the holder of token, for calling the
// application directly where no API exists (activity lines, deletions).
func (e *env) ctxAs(token string) context.Context {
	e.t.Helper()
	p, err := e.app.Authenticate(context.Background(), token)
	if err != nil {
		e.t.Fatal(err)
	}
	return inbox.NewContextWithPrincipal(context.Background(), p)
}

// errCase is one bad request and the error it must give.
type errCase struct {
	name   string
	method string
	path   string
	token  string // "" sends none
	body   any
	status int
	code   string
	field  string // checked when set
	title  string // checked when set (substring)
	// fields lists every field the errors must name, in order, when set.
	fields []string
}

func (c errCase) run(t *testing.T, e *env) {
	t.Helper()
	r := e.do(c.method, c.path, c.token, c.body)
	if r.status != c.status {
		t.Fatalf("status=%d, want %d; body: %s", r.status, c.status, r.raw)
	}
	wantCT := "application/vnd.api+json; charset=utf-8"
	if c.status == 401 {
		wantCT = "application/json; charset=utf-8"
	}
	if got := r.header.Get("Content-Type"); got != wantCT {
		t.Errorf("Content-Type=%q, want %q", got, wantCT)
	}
	if r.header.Get("X-Updated-Since-Request-Synced-At") == "" {
		t.Error("no X-Updated-Since-Request-Synced-At on an error")
	}
	got := r.firstError(t)
	if got["code"] != c.code {
		t.Errorf("code=%v, want %s; body: %s", got["code"], c.code, r.raw)
	}
	if c.field != "" && got["field"] != c.field {
		t.Errorf("field=%v, want %s; body: %s", got["field"], c.field, r.raw)
	}
	if title, _ := got["title"].(string); c.title != "" && !strings.Contains(title, c.title) {
		t.Errorf("title=%q, want %q; body: %s", title, c.title, r.raw)
	}
	if c.fields != nil {
		var fields []string
		for _, v := range r.body["errors"].([]any) {
			fields = append(fields, v.(map[string]any)["field"].(string))
		}
		if strings.Join(fields, ",") != strings.Join(c.fields, ",") {
			t.Errorf("fields=%v, want %v", fields, c.fields)
		}
	}
}

const (
	blank     = "can't be blank"
	inclusion = "is not included in the list"
	isInvalid = "is invalid"
)

func TestBadInputs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{rateLimit: 1000})
	f := e.fixture()
	tok := e.token
	// Another account with its own records: its ids must behave as unknown.
	acc2, app2, _, _ := e.newAccount()
	o := e.fixtureWith(e.newToken(acc2.ID, allScopes, &app2, 0))

	conv := fmt.Sprintf("/api/v3/inbox/conversations/%d", f.conversation)
	otherConv := fmt.Sprintf("/api/v3/inbox/conversations/%d", o.conversation)
	msg := fmt.Sprintf("/api/v3/inbox/messages/%d", f.hostMessage)
	part := fmt.Sprintf("/api/v3/inbox/participants/%d", f.hostParticipant)
	att := fmt.Sprintf("/api/v3/inbox/attachments/%d", f.attachments[0])
	msgAttrs := func(extra map[string]any) map[string]any {
		m := map[string]any{"content": "Hi", "origin": "email", "visibility": "external",
			"conversation_id": f.conversation, "sender_id": f.hostParticipant}
		for k, v := range extra {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return wrap("messages", m)
	}

	// An activity line (from closing) exists but BookingSync never shows it.
	if _, err := e.app.UpdateConversation(e.ctxAs(tok), app.ByID(f.conversation), appClose(), app.ViewOptions{}); err != nil {
		t.Fatal(err)
	}
	activity := activityID(t, e, tok, f.conversation)
	// A second host, whose e-mail may not become the first one's.
	otherHost := id(t, e.do("POST", "/api/v3/hosts", tok, wrap("hosts", map[string]any{
		"firstname": "Eva", "lastname": "Nowak", "email": "eva@example.com"})).must(t, 201).one(t, "hosts"), "id")

	cases := []errCase{
		// Envelope and JSON.
		{name: "MalformedJSON", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: `{"conversations": [`, status: 400, code: "bad_request"},
		{name: "BodyIsArray", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: `[]`, status: 400, code: "bad_request"},
		{name: "MissingRootKey", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: `{"conversation": [{}]}`, status: 400, code: "bad_request", title: "conversations"},
		{name: "EmptyRootArray", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: `{"conversations": []}`, status: 400, code: "bad_request"},
		{name: "RootNotRecords", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: `{"conversations": "x"}`, status: 400, code: "bad_request"},
		{name: "EmptyBody", method: "PUT", path: conv, token: tok, body: "", status: 400, code: "bad_request"},
		{name: "TrailingGarbage", method: "PUT", path: conv, token: tok, body: `{"conversations":[{}]} x`, status: 400, code: "bad_request"},

		// Conversations.
		{name: "ConvBadChannel", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: wrap("conversations", map[string]any{"default_channel": "telegram"}), status: 422, code: "validation_failed", field: "default_channel", title: inclusion},
		{name: "ConvAssigneeNotID", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: wrap("conversations", map[string]any{"assignee_id": "abc"}), status: 422, code: "validation_failed", field: "assignee_id", title: isInvalid},
		{name: "ConvAssigneeUnknown", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: wrap("conversations", map[string]any{"assignee_id": 999999}), status: 422, code: "validation_failed", field: "assignee_id", title: isInvalid},
		{name: "ConvAssigneeOtherAccount", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: wrap("conversations", map[string]any{"assignee_id": o.host}), status: 422, code: "validation_failed", field: "assignee_id", title: isInvalid},
		{name: "ConvSourceOtherAccount", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: wrap("conversations", map[string]any{"source_id": o.source}), status: 422, code: "validation_failed", field: "source_id", title: isInvalid},
		{name: "ConvUnknownAttribute", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: wrap("conversations", map[string]any{"subject": "x", "colour": "red"}), status: 422, code: "validation_failed", field: "colour", title: "not an attribute"},
		{name: "ConvReadOnlyAttribute", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: wrap("conversations", map[string]any{"closed_at": "2030-01-01T00:00:00Z"}), status: 422, code: "validation_failed", field: "closed_at", title: "read-only"},
		{name: "ConvClosedNotBool", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: wrap("conversations", map[string]any{"closed": "maybe"}), status: 422, code: "validation_failed", field: "closed", title: isInvalid},
		{name: "ConvSubjectNotString", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: wrap("conversations", map[string]any{"subject": 12}), status: 422, code: "validation_failed", field: "subject", title: isInvalid},
		{name: "ConvBadDeadline", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: wrap("conversations", map[string]any{"deadline_response_at": "soon"}), status: 422, code: "validation_failed", field: "deadline_response_at", title: isInvalid},
		{name: "ConvSubjectOnUpdate", method: "PUT", path: conv, token: tok, body: wrap("conversations", map[string]any{"subject": "New"}), status: 422, code: "validation_failed", field: "subject", title: "only be set on create"},
		{name: "ConvSeveralWrong", method: "PATCH", path: conv, token: tok, body: wrap("conversations", map[string]any{"subject": "New", "closed": 3}), status: 422, code: "validation_failed", fields: []string{"subject"}},
		{name: "ConvUpdateBadAssignee", method: "PATCH", path: conv, token: tok, body: wrap("conversations", map[string]any{"assignee_id": o.host}), status: 422, code: "validation_failed", field: "assignee_id", title: isInvalid},
		{name: "ConvUpdateUnknown", method: "PUT", path: "/api/v3/inbox/conversations/999999", token: tok, body: wrap("conversations", map[string]any{"closed": true}), status: 404, code: "not_found"},
		{name: "ConvUpdateOtherAccount", method: "PUT", path: otherConv, token: tok, body: wrap("conversations", map[string]any{"closed": true}), status: 404, code: "not_found"},
		{name: "ConvUpdateBadID", method: "PUT", path: "/api/v3/inbox/conversations/abc", token: tok, body: wrap("conversations", map[string]any{}), status: 404, code: "not_found"},
		{name: "ConvUpdateIDList", method: "PUT", path: fmt.Sprintf("/api/v3/inbox/conversations/%d,%d", f.conversation, f.conversation), token: tok, body: wrap("conversations", map[string]any{}), status: 404, code: "not_found"},
		{name: "ConvGetUnknown", method: "GET", path: "/api/v3/inbox/conversations/999999", token: tok, status: 404, code: "not_found"},
		{name: "ConvGetOtherAccount", method: "GET", path: otherConv, token: tok, status: 404, code: "not_found"},
		{name: "ConvGetBadSegment", method: "GET", path: "/api/v3/inbox/conversations/1,x", token: tok, status: 404, code: "not_found"},
		{name: "ConvGetZero", method: "GET", path: "/api/v3/inbox/conversations/0", token: tok, status: 404, code: "not_found"},
		{name: "ConvBadUpdatedSince", method: "GET", path: "/api/v3/inbox/conversations?updated_since=yesterday", token: tok, status: 422, code: "validation_failed", field: "updated_since", title: isInvalid},
		{name: "ConnectUnknownBooking", method: "PUT", path: conv + "/connect_booking", token: tok, body: wrap("bookings", map[string]any{"id": 999999}), status: 422, code: "validation_failed", field: "bookings", title: isInvalid},
		{name: "ConnectOtherAccountBooking", method: "PUT", path: conv + "/connect_booking", token: tok, body: wrap("bookings", map[string]any{"id": o.booking}), status: 422, code: "validation_failed", field: "bookings", title: isInvalid},
		{name: "ConnectMissingID", method: "PATCH", path: conv + "/connect_booking", token: tok, body: wrap("bookings", map[string]any{}), status: 422, code: "validation_failed", field: "bookings", title: blank},
		{name: "ConnectBadID", method: "PUT", path: conv + "/connect_booking", token: tok, body: wrap("bookings", map[string]any{"id": "fifteen"}), status: 422, code: "validation_failed", field: "bookings", title: isInvalid},
		{name: "ConnectExtraAttribute", method: "PUT", path: conv + "/connect_booking", token: tok, body: wrap("bookings", map[string]any{"id": f.booking, "status": "Booked"}), status: 422, code: "validation_failed", field: "status"},
		{name: "ConnectNoRoot", method: "PUT", path: conv + "/connect_booking", token: tok, body: map[string]any{"id": f.booking}, status: 400, code: "bad_request"},
		{name: "ConnectUnknownConversation", method: "PUT", path: "/api/v3/inbox/conversations/999999/connect_booking", token: tok, body: wrap("bookings", map[string]any{"id": f.booking}), status: 404, code: "not_found"},
		{name: "DisconnectOtherAccount", method: "PUT", path: otherConv + "/disconnect_booking", token: tok, body: wrap("bookings", map[string]any{"id": f.booking}), status: 404, code: "not_found"},

		// Participants.
		{name: "PartMissingAll", method: "POST", path: "/api/v3/inbox/participants", token: tok, body: wrap("participants", map[string]any{}), status: 422, code: "validation_failed", fields: []string{"conversation_id", "member_id", "member_type"}},
		{name: "PartBadMemberType", method: "POST", path: "/api/v3/inbox/participants", token: tok, body: wrap("participants", map[string]any{"conversation_id": f.conversation, "member_id": f.host, "member_type": "Guest"}), status: 422, code: "validation_failed", field: "member_type", title: inclusion},
		{name: "PartUnknownMember", method: "POST", path: "/api/v3/inbox/participants", token: tok, body: wrap("participants", map[string]any{"conversation_id": f.conversation, "member_id": 999999, "member_type": "Client"}), status: 422, code: "validation_failed", field: "member_id", title: isInvalid},
		{name: "PartOtherAccountMember", method: "POST", path: "/api/v3/inbox/participants", token: tok, body: wrap("participants", map[string]any{"conversation_id": f.conversation, "member_id": o.client, "member_type": "Client"}), status: 422, code: "validation_failed", field: "member_id", title: isInvalid},
		{name: "PartOtherAccountConversation", method: "POST", path: "/api/v3/inbox/participants", token: tok, body: wrap("participants", map[string]any{"conversation_id": o.conversation, "member_id": f.host, "member_type": "Host"}), status: 422, code: "validation_failed", field: "conversation_id", title: isInvalid},
		{name: "PartReadNotBool", method: "POST", path: "/api/v3/inbox/participants", token: tok, body: wrap("participants", map[string]any{"conversation_id": f.conversation, "member_id": f.host, "member_type": "Host", "read": "yes please"}), status: 422, code: "validation_failed", field: "read", title: isInvalid},
		{name: "PartMemberIDNotID", method: "POST", path: "/api/v3/inbox/participants", token: tok, body: wrap("participants", map[string]any{"conversation_id": f.conversation, "member_id": []int{1}, "member_type": "Host"}), status: 422, code: "validation_failed", field: "member_id", title: isInvalid},
		{name: "PartUpdateMember", method: "PUT", path: part, token: tok, body: wrap("participants", map[string]any{"member_id": f.host}), status: 422, code: "validation_failed", field: "member_id", title: "only be set on create"},
		{name: "PartUpdateReadNull", method: "PUT", path: part, token: tok, body: wrap("participants", map[string]any{"read": nil}), status: 422, code: "validation_failed", field: "read"},
		{name: "PartUpdateUnknown", method: "PATCH", path: "/api/v3/inbox/participants/999999", token: tok, body: wrap("participants", map[string]any{"read": true}), status: 404, code: "not_found"},
		{name: "PartGetOtherAccount", method: "GET", path: fmt.Sprintf("/api/v3/inbox/participants/%d", o.hostParticipant), token: tok, status: 404, code: "not_found"},

		// Messages.
		{name: "MsgMissingAll", method: "POST", path: "/api/v3/inbox/messages", token: tok, body: wrap("messages", map[string]any{}), status: 422, code: "validation_failed", fields: []string{"content", "origin", "visibility", "conversation_id", "sender_id"}},
		{name: "MsgBlankContent", method: "POST", path: "/api/v3/inbox/messages", token: tok, body: msgAttrs(map[string]any{"content": "   "}), status: 422, code: "validation_failed", field: "content", title: blank},
		{name: "MsgBadOrigin", method: "POST", path: "/api/v3/inbox/messages", token: tok, body: msgAttrs(map[string]any{"origin": "fax"}), status: 422, code: "validation_failed", field: "origin", title: inclusion},
		{name: "MsgBadVisibility", method: "POST", path: "/api/v3/inbox/messages", token: tok, body: msgAttrs(map[string]any{"visibility": "public"}), status: 422, code: "validation_failed", field: "visibility", title: inclusion},
		{name: "MsgBadChannel", method: "POST", path: "/api/v3/inbox/messages", token: tok, body: msgAttrs(map[string]any{"channel": "telegram"}), status: 422, code: "validation_failed", field: "channel", title: inclusion},
		{name: "MsgInternalFromClient", method: "POST", path: "/api/v3/inbox/messages", token: tok, body: msgAttrs(map[string]any{"visibility": "internal", "sender_id": f.clientParticipant}), status: 422, code: "validation_failed", field: "visibility"},
		{name: "MsgInternalWithChannel", method: "POST", path: "/api/v3/inbox/messages", token: tok, body: msgAttrs(map[string]any{"visibility": "internal", "channel": "email"}), status: 422, code: "validation_failed", field: "visibility"},
		{name: "MsgSenderOtherConversation", method: "POST", path: "/api/v3/inbox/messages", token: tok, body: msgAttrs(map[string]any{"sender_id": o.hostParticipant}), status: 422, code: "validation_failed", field: "sender_id", title: isInvalid},
		{name: "MsgConversationOtherAccount", method: "POST", path: "/api/v3/inbox/messages", token: tok, body: msgAttrs(map[string]any{"conversation_id": o.conversation}), status: 422, code: "validation_failed", field: "conversation_id", title: isInvalid},
		{name: "MsgConversationAsString", method: "POST", path: "/api/v3/inbox/messages", token: tok, body: msgAttrs(map[string]any{"conversation_id": "seven"}), status: 422, code: "validation_failed", field: "conversation_id", title: isInvalid},
		{name: "MsgUnknownAttachment", method: "POST", path: "/api/v3/inbox/messages", token: tok, body: msgAttrs(map[string]any{"attachment_ids": []int64{999999}}), status: 422, code: "validation_failed", field: "attachment_ids", title: isInvalid},
		{name: "MsgOtherAccountAttachment", method: "POST", path: "/api/v3/inbox/messages", token: tok, body: msgAttrs(map[string]any{"attachment_ids": []int64{o.attachments[0]}}), status: 422, code: "validation_failed", field: "attachment_ids", title: isInvalid},
		{name: "MsgAttachmentIDsNotArray", method: "POST", path: "/api/v3/inbox/messages", token: tok, body: msgAttrs(map[string]any{"attachment_ids": "1,2"}), status: 422, code: "validation_failed", field: "attachment_ids", title: isInvalid},
		{name: "MsgBadSentAt", method: "POST", path: "/api/v3/inbox/messages", token: tok, body: msgAttrs(map[string]any{"sent_at": "noon"}), status: 422, code: "validation_failed", field: "sent_at", title: isInvalid},
		{name: "MsgUpdateConversation", method: "PUT", path: msg, token: tok, body: wrap("messages", map[string]any{"conversation_id": f.conversation}), status: 422, code: "validation_failed", field: "conversation_id", title: "only be set on create"},
		{name: "MsgUpdateBlankContent", method: "PUT", path: msg, token: tok, body: wrap("messages", map[string]any{"content": ""}), status: 422, code: "validation_failed", field: "content", title: blank},
		{name: "MsgUpdateInternalWithChannel", method: "PUT", path: msg, token: tok, body: wrap("messages", map[string]any{"visibility": "internal"}), status: 422, code: "validation_failed", field: "visibility"},
		{name: "MsgUpdateUnknown", method: "PUT", path: "/api/v3/inbox/messages/999999", token: tok, body: wrap("messages", map[string]any{"content": "x"}), status: 404, code: "not_found"},
		{name: "MsgUpdateActivity", method: "PUT", path: fmt.Sprintf("/api/v3/inbox/messages/%d", activity), token: tok, body: wrap("messages", map[string]any{"origin": "email"}), status: 404, code: "not_found"},
		{name: "MsgGetActivity", method: "GET", path: fmt.Sprintf("/api/v3/inbox/messages/%d", activity), token: tok, status: 404, code: "not_found"},
		{name: "MsgGetOtherAccount", method: "GET", path: fmt.Sprintf("/api/v3/inbox/messages/%d", o.hostMessage), token: tok, status: 404, code: "not_found"},
		{name: "AddAttachmentUnknown", method: "PUT", path: msg + "/add_attachment", token: tok, body: wrap("attachments", map[string]any{"id": 999999}), status: 422, code: "validation_failed", field: "attachments", title: isInvalid},
		{name: "AddAttachmentOtherAccount", method: "PATCH", path: msg + "/add_attachment", token: tok, body: wrap("attachments", map[string]any{"id": o.attachments[0]}), status: 422, code: "validation_failed", field: "attachments", title: isInvalid},
		{name: "AddAttachmentMissing", method: "PUT", path: msg + "/add_attachment", token: tok, body: wrap("attachments", map[string]any{}), status: 422, code: "validation_failed", field: "attachments", title: blank},
		{name: "AddAttachmentToActivity", method: "PUT", path: fmt.Sprintf("/api/v3/inbox/messages/%d/add_attachment", activity), token: tok, body: wrap("attachments", map[string]any{"id": f.attachments[0]}), status: 404, code: "not_found"},

		// Attachments.
		{name: "AttNoFile", method: "POST", path: "/api/v3/inbox/attachments", token: tok, body: wrap("attachments", map[string]any{"name": "x.txt"}), status: 422, code: "validation_failed", field: "file", title: blank},
		{name: "AttBoth", method: "POST", path: "/api/v3/inbox/attachments", token: tok, body: wrap("attachments", map[string]any{"file": pngBase64, "remote_file_url": "https://example.com/x.png"}), status: 422, code: "validation_failed", field: "file"},
		{name: "AttBadBase64", method: "POST", path: "/api/v3/inbox/attachments", token: tok, body: wrap("attachments", map[string]any{"file": "here goes encoded file"}), status: 422, code: "validation_failed", field: "file", title: "Base64"},
		{name: "AttBadDataURI", method: "POST", path: "/api/v3/inbox/attachments", token: tok, body: wrap("attachments", map[string]any{"file": "data:text/plain,hello"}), status: 422, code: "validation_failed", field: "file"},
		{name: "AttFileNotString", method: "POST", path: "/api/v3/inbox/attachments", token: tok, body: wrap("attachments", map[string]any{"file": 42}), status: 422, code: "validation_failed", field: "file", title: isInvalid},
		{name: "AttBadScheme", method: "POST", path: "/api/v3/inbox/attachments", token: tok, body: wrap("attachments", map[string]any{"remote_file_url": "ftp://example.com/x.png"}), status: 422, code: "validation_failed", field: "remote_file_url"},
		{name: "AttNotAURL", method: "POST", path: "/api/v3/inbox/attachments", token: tok, body: wrap("attachments", map[string]any{"remote_file_url": "not a url"}), status: 422, code: "validation_failed", field: "remote_file_url"},
		{name: "AttURLRead", method: "POST", path: "/api/v3/inbox/attachments", token: tok, body: wrap("attachments", map[string]any{"url": "https://example.com/x.png"}), status: 422, code: "validation_failed", field: "url", title: "read-only"},
		{name: "AttUpdateUnknown", method: "PUT", path: "/api/v3/inbox/attachments/999999", token: tok, body: wrap("attachments", map[string]any{"name": "y"}), status: 404, code: "not_found"},
		{name: "AttUpdateOtherAccount", method: "PUT", path: fmt.Sprintf("/api/v3/inbox/attachments/%d", o.attachments[0]), token: tok, body: wrap("attachments", map[string]any{"name": "y"}), status: 404, code: "not_found"},
		{name: "AttUpdateBadBase64", method: "PUT", path: att, token: tok, body: wrap("attachments", map[string]any{"file": "%%%"}), status: 422, code: "validation_failed", field: "file"},

		// Hosts.
		{name: "HostMissingNames", method: "POST", path: "/api/v3/hosts", token: tok, body: wrap("hosts", map[string]any{"email": "a@example.com"}), status: 422, code: "validation_failed", fields: []string{"firstname", "lastname"}},
		{name: "HostBadEmail", method: "POST", path: "/api/v3/hosts", token: tok, body: wrap("hosts", map[string]any{"firstname": "A", "lastname": "B", "email": "nope"}), status: 422, code: "validation_failed", field: "email", title: isInvalid},
		{name: "HostOtherAccountSource", method: "POST", path: "/api/v3/hosts", token: tok, body: wrap("hosts", map[string]any{"firstname": "A", "lastname": "B", "source_id": o.source}), status: 422, code: "validation_failed", field: "source_id", title: isInvalid},
		{name: "HostEmailTaken", method: "POST", path: "/api/v3/hosts", token: tok, body: wrap("hosts", map[string]any{"firstname": "A", "lastname": "B", "email": "JAN@example.com"}), status: 422, code: "validation_failed", field: "email", title: "has already been taken"},
		{name: "HostUpdateEmailTaken", method: "PUT", path: fmt.Sprintf("/api/v3/hosts/%d", otherHost), token: tok, body: wrap("hosts", map[string]any{"email": "jan@EXAMPLE.com"}), status: 422, code: "validation_failed", field: "email", title: "has already been taken"},
		{name: "HostUpdateUnknown", method: "PUT", path: "/api/v3/hosts/999999", token: tok, body: wrap("hosts", map[string]any{"firstname": "A"}), status: 404, code: "not_found"},
		{name: "HostUpdateBlankName", method: "PUT", path: fmt.Sprintf("/api/v3/hosts/%d", f.host), token: tok, body: wrap("hosts", map[string]any{"firstname": ""}), status: 422, code: "validation_failed", field: "firstname", title: blank},
		{name: "HostGetOtherAccount", method: "GET", path: fmt.Sprintf("/api/v3/hosts/%d", o.host), token: tok, status: 404, code: "not_found"},

		// Clients.
		{name: "ClientNoName", method: "POST", path: "/api/v3/clients", token: tok, body: wrap("clients", map[string]any{"firstname": "Only"}), status: 422, code: "validation_failed", field: "fullname", title: blank},
		{name: "ClientTwoEmails", method: "POST", path: "/api/v3/clients", token: tok, body: wrap("clients", map[string]any{"fullname": "A B", "emails": []any{map[string]any{"email": "a@example.com"}, map[string]any{"email": "b@example.com"}}}), status: 422, code: "validation_failed", field: "emails"},
		{name: "ClientEmailsNotArray", method: "POST", path: "/api/v3/clients", token: tok, body: wrap("clients", map[string]any{"fullname": "A B", "emails": "a@example.com"}), status: 422, code: "validation_failed", field: "emails", title: isInvalid},
		{name: "ClientBadEmail", method: "POST", path: "/api/v3/clients", token: tok, body: wrap("clients", map[string]any{"fullname": "A B", "emails": []any{map[string]any{"email": "nope"}}}), status: 422, code: "validation_failed", field: "email", title: isInvalid},
		{name: "ClientPassport", method: "POST", path: "/api/v3/clients", token: tok, body: wrap("clients", map[string]any{"fullname": "A B", "passport": "X123"}), status: 422, code: "validation_failed", field: "passport"},
		{name: "ClientUpdateOtherAccount", method: "PUT", path: fmt.Sprintf("/api/v3/clients/%d", o.client), token: tok, body: wrap("clients", map[string]any{"notes": "x"}), status: 404, code: "not_found"},

		// Sources.
		{name: "SourceNoName", method: "POST", path: "/api/v3/sources", token: tok, body: wrap("sources", map[string]any{"position": 1}), status: 422, code: "validation_failed", field: "name", title: blank},
		{name: "SourceNegativePosition", method: "POST", path: "/api/v3/sources", token: tok, body: wrap("sources", map[string]any{"name": "x", "position": -1}), status: 422, code: "validation_failed", field: "position", title: isInvalid},
		{name: "SourceInternal", method: "PATCH", path: fmt.Sprintf("/api/v3/sources/%d", f.source), token: tok, body: wrap("sources", map[string]any{"internal": true}), status: 422, code: "validation_failed", field: "internal", title: "read-only"},
		{name: "SourceUpdateUnknown", method: "PUT", path: "/api/v3/sources/999999", token: tok, body: wrap("sources", map[string]any{"name": "x"}), status: 404, code: "not_found"},

		// Bookings.
		{name: "BookingMissingDates", method: "POST", path: "/api/v3/rentals/1/bookings", token: tok, body: wrap("bookings", map[string]any{}), status: 422, code: "validation_failed", fields: []string{"start_at", "end_at"}},
		{name: "BookingEndBeforeStart", method: "POST", path: "/api/v3/rentals/1/bookings", token: tok, body: wrap("bookings", map[string]any{"start_at": "2030-01-05", "end_at": "2030-01-01"}), status: 422, code: "validation_failed", field: "end_at"},
		{name: "BookingBadStatus", method: "POST", path: "/api/v3/rentals/1/bookings", token: tok, body: wrap("bookings", map[string]any{"start_at": "2030-01-01", "end_at": "2030-01-05", "status": "Maybe"}), status: 422, code: "validation_failed", field: "status", title: inclusion},
		{name: "BookingOtherAccountClient", method: "POST", path: "/api/v3/rentals/1/bookings", token: tok, body: wrap("bookings", map[string]any{"start_at": "2030-01-01", "end_at": "2030-01-05", "client_id": o.client}), status: 422, code: "validation_failed", field: "client_id", title: isInvalid},
		{name: "BookingBadRental", method: "POST", path: "/api/v3/rentals/abc/bookings", token: tok, body: wrap("bookings", map[string]any{"start_at": "2030-01-01", "end_at": "2030-01-05"}), status: 404, code: "not_found"},
		{name: "BookingCancelUnknown", method: "DELETE", path: "/api/v3/bookings/999999", token: tok, status: 404, code: "not_found"},
		{name: "BookingCancelOtherAccount", method: "DELETE", path: fmt.Sprintf("/api/v3/bookings/%d", o.booking), token: tok, status: 404, code: "not_found"},
		{name: "BookingCanceledAt", method: "PUT", path: fmt.Sprintf("/api/v3/bookings/%d", f.booking), token: tok, body: wrap("bookings", map[string]any{"canceled_at": "2030-01-01T00:00:00Z"}), status: 422, code: "validation_failed", field: "canceled_at", title: "read-only"},

		// Inquiries.
		{name: "InquiryNoName", method: "POST", path: "/api/v3/inquiries", token: tok, body: wrap("inquiries", map[string]any{"email": "a@example.com"}), status: 422, code: "validation_failed", field: "lastname", title: blank},
		{name: "InquiryNegativeAdults", method: "POST", path: "/api/v3/inquiries", token: tok, body: wrap("inquiries", map[string]any{"lastname": "X", "adults": -2}), status: 422, code: "validation_failed", field: "adults", title: isInvalid},
		{name: "InquiryOtherAccountConversation", method: "POST", path: "/api/v3/inquiries", token: tok, body: wrap("inquiries", map[string]any{"lastname": "X", "conversation_id": o.conversation}), status: 422, code: "validation_failed", field: "conversation_id", title: isInvalid},
		{name: "InquiryUpdateUnknown", method: "PUT", path: "/api/v3/inquiries/999999", token: tok, body: wrap("inquiries", map[string]any{"lastname": "X"}), status: 404, code: "not_found"},

		// Text the database cannot hold.
		{name: "NulInString", method: "POST", path: "/api/v3/inbox/conversations", token: tok, body: wrap("conversations", map[string]any{"subject": "a\x00b"}), status: 422, code: "validation_failed", field: "subject", title: isInvalid},
		{name: "NulInEmail", method: "POST", path: "/api/v3/clients", token: tok, body: wrap("clients", map[string]any{"fullname": "A B", "emails": []any{map[string]any{"email": "a\x00@example.com"}}}), status: 422, code: "validation_failed", field: "emails"},
		{name: "TooManyIDs", method: "GET", path: "/api/v3/inbox/messages/" + strings.TrimSuffix(strings.Repeat("1,", 1001), ","), token: tok, status: 404, code: "not_found"},

		// Accounts and routes.
		{name: "OtherAccount", method: "GET", path: fmt.Sprintf("/api/v3/accounts/%d", acc2.ID), token: tok, status: 404, code: "not_found"},
		{name: "UnknownRoute", method: "GET", path: "/api/v3/rentals", token: tok, status: 404, code: "not_found"},
		{name: "UnknownMethod", method: "DELETE", path: conv, token: tok, status: 404, code: "not_found"},
		{name: "UsersAreOnlyTemplates", method: "GET", path: "/api/v3/users/1", token: tok, status: 404, code: "not_found"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { c.run(t, e) })
	}
}

// TestAuthAndScopes tries every route without a token, with bad, expired
// and personal tokens, and with tokens that lack the route's scope.
func TestAuthAndScopes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, options{rateLimit: 1000})
	f := e.fixture()
	expired := e.newToken(e.account.ID, allScopes, &e.appID, time.Millisecond)
	personal, err := app.NewAdmin(e.app).CreateHostWithToken(context.Background(),
		&inbox.Host{AccountID: e.account.ID, Firstname: "Agent", Lastname: "Smith", Role: inbox.RoleAdministrator}, nil)
	if err != nil {
		t.Fatal(err)
	}
	public := e.newToken(e.account.ID, inbox.Scopes{}, &e.appID, 0)
	inboxRead := e.newToken(e.account.ID, inbox.Scopes{inbox.ScopeInboxRead}, &e.appID, 0)
	clientsOnly := e.newToken(e.account.ID, inbox.Scopes{inbox.ScopeClientsWrite}, &e.appID, 0)
	time.Sleep(5 * time.Millisecond) // let the expired token expire

	type route struct {
		method, path string
		body         any
		// needs names tokens that lack the route's scope.
		lacking []string
	}
	c, pt, m, a := f.conversation, f.hostParticipant, f.hostMessage, f.attachments[0]
	routes := []route{
		{"GET", "/api/v3/inbox/conversations", nil, []string{"public", "clientsOnly"}},
		{"GET", fmt.Sprintf("/api/v3/inbox/conversations/%d", c), nil, []string{"public"}},
		{"POST", "/api/v3/inbox/conversations", wrap("conversations", map[string]any{}), []string{"public", "inboxRead", "clientsOnly"}},
		{"PUT", fmt.Sprintf("/api/v3/inbox/conversations/%d", c), wrap("conversations", map[string]any{}), []string{"inboxRead"}},
		{"PATCH", fmt.Sprintf("/api/v3/inbox/conversations/%d", c), wrap("conversations", map[string]any{}), []string{"inboxRead"}},
		{"PUT", fmt.Sprintf("/api/v3/inbox/conversations/%d/connect_booking", c), wrap("bookings", map[string]any{"id": f.booking}), []string{"inboxRead"}},
		{"PUT", fmt.Sprintf("/api/v3/inbox/conversations/%d/disconnect_booking", c), wrap("bookings", map[string]any{"id": f.booking}), []string{"inboxRead"}},
		{"GET", "/api/v3/inbox/participants", nil, []string{"public"}},
		{"GET", fmt.Sprintf("/api/v3/inbox/participants/%d", pt), nil, []string{"clientsOnly"}},
		{"POST", "/api/v3/inbox/participants", wrap("participants", map[string]any{}), []string{"inboxRead"}},
		{"PUT", fmt.Sprintf("/api/v3/inbox/participants/%d", pt), wrap("participants", map[string]any{"read": true}), []string{"inboxRead"}},
		{"GET", "/api/v3/inbox/messages", nil, []string{"public"}},
		{"GET", fmt.Sprintf("/api/v3/inbox/messages/%d", m), nil, []string{"public"}},
		{"POST", "/api/v3/inbox/messages", wrap("messages", map[string]any{}), []string{"inboxRead"}},
		{"PATCH", fmt.Sprintf("/api/v3/inbox/messages/%d", m), wrap("messages", map[string]any{}), []string{"inboxRead"}},
		{"PUT", fmt.Sprintf("/api/v3/inbox/messages/%d/add_attachment", m), wrap("attachments", map[string]any{"id": a}), []string{"inboxRead"}},
		{"GET", "/api/v3/inbox/attachments", nil, []string{"public"}},
		{"GET", fmt.Sprintf("/api/v3/inbox/attachments/%d", a), nil, []string{"clientsOnly"}},
		{"POST", "/api/v3/inbox/attachments", wrap("attachments", map[string]any{}), []string{"inboxRead"}},
		{"PUT", fmt.Sprintf("/api/v3/inbox/attachments/%d", a), wrap("attachments", map[string]any{}), []string{"inboxRead"}},
		{"GET", "/api/v3/hosts", nil, []string{"public", "clientsOnly"}},
		{"GET", fmt.Sprintf("/api/v3/hosts/%d", f.host), nil, []string{"public"}},
		{"POST", "/api/v3/hosts", wrap("hosts", map[string]any{}), []string{"inboxRead"}},
		{"PUT", fmt.Sprintf("/api/v3/hosts/%d", f.host), wrap("hosts", map[string]any{}), []string{"inboxRead"}},
		{"GET", "/api/v3/clients", nil, []string{"public", "inboxRead"}},
		{"GET", fmt.Sprintf("/api/v3/clients/%d", f.client), nil, []string{"inboxRead"}},
		{"POST", "/api/v3/clients", wrap("clients", map[string]any{}), []string{"inboxRead"}},
		{"PATCH", fmt.Sprintf("/api/v3/clients/%d", f.client), wrap("clients", map[string]any{}), []string{"inboxRead"}},
		{"GET", "/api/v3/sources", nil, []string{"public", "inboxRead"}},
		{"GET", fmt.Sprintf("/api/v3/sources/%d", f.source), nil, []string{"clientsOnly"}},
		{"POST", "/api/v3/sources", wrap("sources", map[string]any{}), []string{"inboxRead"}},
		{"PUT", fmt.Sprintf("/api/v3/sources/%d", f.source), wrap("sources", map[string]any{}), []string{"inboxRead"}},
		{"GET", "/api/v3/bookings", nil, nil},
		{"GET", fmt.Sprintf("/api/v3/bookings/%d", f.booking), nil, nil},
		{"POST", "/api/v3/rentals/3/bookings", wrap("bookings", map[string]any{}), []string{"inboxRead", "public"}},
		{"PUT", fmt.Sprintf("/api/v3/bookings/%d", f.booking), wrap("bookings", map[string]any{}), []string{"inboxRead"}},
		{"DELETE", fmt.Sprintf("/api/v3/bookings/%d", f.booking), nil, []string{"clientsOnly"}},
		{"GET", "/api/v3/inquiries", nil, []string{"public", "inboxRead"}},
		{"GET", "/api/v3/inquiries/1", nil, []string{"clientsOnly"}},
		{"POST", "/api/v3/inquiries", wrap("inquiries", map[string]any{}), []string{"inboxRead"}},
		{"PUT", "/api/v3/inquiries/1", wrap("inquiries", map[string]any{}), []string{"inboxRead"}},
		{"GET", "/api/v3/accounts", nil, nil},
		{"GET", fmt.Sprintf("/api/v3/accounts/%d", e.account.ID), nil, nil},
	}
	tokens := map[string]string{"public": public, "inboxRead": inboxRead, "clientsOnly": clientsOnly}
	for _, rt := range routes {
		name := rt.method + " " + rt.path
		t.Run(name, func(t *testing.T) {
			for _, bad := range []struct{ name, token string }{{"NoToken", ""}, {"Unknown", "deadbeef"},
				{"Expired", expired}, {"PersonalToken", personal}} {
				r := e.do(rt.method, rt.path, bad.token, rt.body)
				if r.status != 401 || r.firstError(t)["code"] != "unauthorized" || r.header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s: status=%d body=%s", bad.name, r.status, r.raw)
				}
			}
			for _, lacking := range rt.lacking {
				r := e.do(rt.method, rt.path, tokens[lacking], rt.body)
				if r.status != 403 || r.firstError(t)["code"] != "forbidden" {
					t.Errorf("%s token: status=%d body=%s", lacking, r.status, r.raw)
				}
			}
		})
	}
}

func appClose() app.ConversationChange {
	closed := true
	return app.ConversationChange{Closed: &closed}
}

// activityID finds an activity line of a conversation through the
// application (BookingSync never lists them).
func activityID(t *testing.T, e *env, token string, conversationID int64) int64 {
	t.Helper()
	msgs, err := app.View(e.ctxAs(token), e.app, inbox.ScopeInboxRead, func(l *app.Loader) ([]*inbox.Message, error) {
		msgs, _, err := l.Messages(inbox.MessageFilter{ConversationID: &conversationID, Page: inbox.Page{Limit: 100}})
		return msgs, err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Kind == inbox.KindActivity {
			return m.ID
		}
	}
	t.Fatal("no activity message")
	return 0
}
