package chatwoot_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/auth"
	"github.com/inboxd/inbox/internal/inboxtest"
)

// TestMessageCreate_SDKReplay sends the captured bytes of
// @figuro/chatwoot-sdk's messages.create (chunked multipart, private as
// "false", content_attributes as a JSON string, one attachments[] file) over
// a raw connection, unchanged: account 1, conversation 42, the captured
// token.
func TestMessageCreate_SDKReplay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	if e.account.ID != 1 {
		t.Fatalf("account id=%d, want 1 (the captured request names account 1)", e.account.ID)
	}
	const sdkToken = "XfE3hZ7q2kLmN9pR4sT6vW8y"
	err := e.store.Update(ctx, func(tx inbox.Tx) error {
		return tx.CreateAccessToken(ctx, &inbox.AccessToken{AccountID: e.account.ID, Kind: inbox.TokenPersonal,
			HostID: &e.admin.ID, TokenHash: auth.Hash(sdkToken)})
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 42; i++ {
		inboxtest.MustCreateConversation(t, e.store, e.account.ID, e.apiBox.ID)
	}
	if id := e.createConversation(map[string]any{}); id != 42 {
		t.Fatalf("display id=%d, want 42", id)
	}
	incoming := e.postMessage(42, e.adminTk, map[string]any{"content": "Hi", "message_type": "incoming"})

	raw := golden(t, "message-create-request.sdk.http")
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write(raw); err != nil {
		t.Fatal(err)
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status=%d, want 200; body %s", res.StatusCode, body)
	}
	r := response{status: res.StatusCode, header: res.Header, body: body}
	m := r.obj(t)
	for _, tc := range []struct {
		path []any
		want any
	}{
		{[]any{"content"}, "Sure, let me check booking 123."},
		{[]any{"private"}, false},
		{[]any{"message_type"}, jsonNum(1)},
		{[]any{"conversation_id"}, jsonNum(42)},
		{[]any{"content_attributes", "in_reply_to"}, jsonNum(1001)},
		{[]any{"sender", "id"}, jsonNum(e.admin.ID)},
		{[]any{"attachments", 0, "file_type"}, "file"},
		{[]any{"attachments", 0, "extension"}, ".txt"},
		{[]any{"attachments", 0, "file_size"}, jsonNum(12)},
		{[]any{"attachments", 0, "message_id"}, m["id"]},
		{[]any{"attachments", 0, "thumb_url"}, ""},
	} {
		if got := get(t, m, tc.path...); got != tc.want {
			t.Errorf("%v=%v, want %v", tc.path, got, tc.want)
		}
	}
	// The message is stored: it is the newest of the conversation and its
	// file downloads.
	list := e.must("GET", e.path("/conversations/42/messages"), e.adminTk, nil).obj(t)
	last := get(t, list, "payload", 1)
	if get(t, last, "id") != m["id"] || num(t, get(t, list, "payload", 0, "id")) != incoming {
		t.Fatalf("messages=%v, want the incoming message then the SDK's", get(t, list, "payload"))
	}
	file, err := http.Get(get(t, last, "attachments", 0, "data_url").(string))
	if err != nil {
		t.Fatal(err)
	}
	data, _ := io.ReadAll(file.Body)
	file.Body.Close()
	if file.StatusCode != http.StatusOK || string(data) != "hello world\n" {
		t.Fatalf("attachment download: status=%d body=%q, want the file", file.StatusCode, data)
	}
}

func jsonNum(n int64) any { return json.Number(fmt.Sprint(n)) }

// multipartBody builds a multipart form with fields and files
// (name, filename, content type, data).
func multipartBody(t *testing.T, fields [][2]string, files [][4]string) (string, string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range fields {
		if err := w.WriteField(f[0], f[1]); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range files {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name=%q; filename=%q`, f[0], f[1]))
		h.Set("Content-Type", f[2])
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		part.Write([]byte(f[3]))
	}
	w.Close()
	return buf.String(), w.FormDataContentType()
}

func TestMessageCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conv := e.createConversation(map[string]any{})
	url := e.path("/conversations/%d/messages", conv)

	t.Run("FormEncoded", func(t *testing.T) {
		res := e.must("POST", url, e.adminTk, "content=Hello+there&private=t&echo_id=abc&content_attributes%5Bin_reply_to%5D=7",
			"application/x-www-form-urlencoded")
		m := res.obj(t)
		if m["content"] != "Hello there" || m["private"] != true || m["echo_id"] != "abc" ||
			get(t, m, "content_attributes", "in_reply_to") != "7" {
			t.Fatalf("message=%s, want the form's fields", res.body)
		}
	})

	t.Run("MultipartAttachments", func(t *testing.T) {
		var img bytes.Buffer
		if err := png.Encode(&img, image.NewRGBA(image.Rect(0, 0, 2, 3))); err != nil {
			t.Fatal(err)
		}
		body, ct := multipartBody(t, [][2]string{{"content", "photos"}, {"private", "false"}},
			[][4]string{{"attachments[]", "a.png", "image/png", img.String()}, {"attachments", "b.txt", "text/plain", "b"}})
		res := e.must("POST", url, e.adminTk, body, ct)
		m := res.obj(t)
		if get(t, m, "attachments", 0, "file_type") != "image" || get(t, m, "attachments", 1, "file_type") != "file" {
			t.Fatalf("attachments=%v, want an image and a file", m["attachments"])
		}
		if get(t, m, "attachments", 0, "width") != jsonNum(2) || get(t, m, "attachments", 0, "height") != jsonNum(3) {
			t.Fatalf("image size=%v×%v, want 2×3", get(t, m, "attachments", 0, "width"), get(t, m, "attachments", 0, "height"))
		}
		if get(t, m, "attachments", 0, "thumb_url") == "" {
			t.Fatalf("image thumb_url is empty, want a URL")
		}
	})

	t.Run("AttachmentOnly", func(t *testing.T) {
		body, ct := multipartBody(t, nil, [][4]string{{"attachments[]", "c.txt", "text/plain", "c"}})
		m := e.must("POST", url, e.adminTk, body, ct).obj(t)
		if m["content"] != nil {
			t.Fatalf("content=%v, want null for an attachment-only message", m["content"])
		}
	})

	t.Run("ContentAttributesString", func(t *testing.T) {
		m := e.must("POST", url, e.adminTk, map[string]any{"content": "x", "content_attributes": `{"in_reply_to":3}`}).obj(t)
		if get(t, m, "content_attributes", "in_reply_to") != jsonNum(3) {
			t.Fatalf("content_attributes=%v, want the parsed JSON string", m["content_attributes"])
		}
		m = e.must("POST", url, e.adminTk, map[string]any{"content": "x", "content_attributes": `{not json`}).obj(t)
		if len(m["content_attributes"].(map[string]any)) != 0 {
			t.Fatalf("content_attributes=%v, want {} for an unparsable string", m["content_attributes"])
		}
	})

	t.Run("ExternalCreatedAtAndTemplate", func(t *testing.T) {
		m := e.must("POST", url, e.adminTk, map[string]any{"content": "t", "message_type": "template",
			"external_created_at": 1717236000, "campaign_id": "9"}).obj(t)
		if m["message_type"] != jsonNum(3) || get(t, m, "content_attributes", "external_created_at") != jsonNum(1717236000) {
			t.Fatalf("message=%v, want a template with external_created_at", m)
		}
	})

	t.Run("IncomingReopens", func(t *testing.T) {
		c := e.createConversation(map[string]any{"status": "resolved"})
		m := e.must("POST", e.path("/conversations/%d/messages", c), e.adminTk,
			map[string]any{"content": "back again", "message_type": "incoming"}).obj(t)
		if m["message_type"] != jsonNum(0) || get(t, m, "sender", "type") != "contact" {
			t.Fatalf("message=%v, want incoming from the contact", m)
		}
		show := e.must("GET", e.path("/conversations/%d", c), e.adminTk, nil).obj(t)
		if show["status"] != "open" {
			t.Fatalf("status=%v, want open after an incoming message", show["status"])
		}
		if got := get(t, show, "messages", 0, "content"); got != "System reopened the conversation due to a new incoming message." {
			t.Fatalf("newest message=%v, want the reopen activity", got)
		}
	})

	t.Run("ErrTooLong", func(t *testing.T) {
		res := e.request("POST", url, e.adminTk, map[string]any{"content": strings.Repeat("a", 150001)})
		wantError(t, res, 422, "invalid", "Validation failed: Content is too long (maximum is 150000 characters)")
	})

	t.Run("ErrIncomingNotAPIInbox", func(t *testing.T) {
		box := e.mustInbox("Site chat", inbox.ChannelWebWidget)
		c := e.createConversation(map[string]any{"inbox_id": box.ID})
		res := e.request("POST", e.path("/conversations/%d/messages", c), e.adminTk,
			map[string]any{"content": "x", "message_type": "incoming"})
		wantError(t, res, 422, "invalid", "Incoming messages are only allowed in Api inboxes")
	})

	t.Run("ErrBadInput", func(t *testing.T) {
		for _, body := range []map[string]any{
			{"content": "x", "message_type": "activity"},
			{"content": "x", "private": "maybe"},
			{"content": "x", "content_type": "hologram"},
			{"content": "x", "content_attributes": []any{1}},
			{"content": "x", "sender_type": "AgentBot", "sender_id": 1},
			{"content": map[string]any{"a": 1}},
		} {
			res := e.request("POST", url, e.adminTk, body)
			wantError(t, res, 422, "invalid", "")
		}
		res := e.request("POST", url, e.adminTk, `{"content":`)
		wantError(t, res, 400, "invalid", "Request body is not valid JSON")
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		res := e.request("POST", e.path("/conversations/999/messages"), e.adminTk, map[string]any{"content": "x"})
		wantError(t, res, 404, "not_found", "Resource could not be found")
	})
}

func TestMessagesList(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conv := e.createConversation(map[string]any{})
	var ids []int64
	for i := 0; i < 25; i++ {
		body := map[string]any{"content": fmt.Sprintf("m%d", i)}
		if i%5 == 0 {
			body["private"] = true
		}
		ids = append(ids, e.postMessage(conv, e.adminTk, body))
	}
	// An activity line: resolving.
	e.must("POST", e.path("/conversations/%d/toggle_status", conv), e.adminTk, map[string]any{"status": "resolved"})
	url := e.path("/conversations/%d/messages", conv)
	payloadIDs := func(q string) []int64 {
		t.Helper()
		body := e.must("GET", url+q, e.adminTk, nil).obj(t)
		var out []int64
		for _, m := range body["payload"].([]any) {
			out = append(out, num(t, m.(map[string]any)["id"]))
		}
		return out
	}
	all := append(append([]int64(nil), ids...), ids[len(ids)-1]+1) // the activity is the newest
	for _, tc := range []struct {
		name, query string
		want        []int64
	}{
		{"Newest", "", all[len(all)-20:]},
		{"Before", fmt.Sprintf("?before=%d", ids[22]), ids[2:22]},
		{"After", fmt.Sprintf("?after=%d", ids[3]), all[4:]},
		{"Between", fmt.Sprintf("?after=%d&before=%d", ids[3], ids[8]), ids[3:8]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := payloadIDs(tc.query); fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("ids=%v, want %v", got, tc.want)
			}
		})
	}
	t.Run("FilterInternal", func(t *testing.T) {
		got := payloadIDs("?filter_internal_messages=true&after=0")
		var want []int64
		for i, id := range ids {
			if i%5 != 0 {
				want = append(want, id)
			}
		}
		if fmt.Sprint(got[len(got)-len(want[len(want)-10:]):]) != fmt.Sprint(want[len(want)-10:]) || len(got) != 20 {
			t.Fatalf("ids=%v, want the newest 20 public non-activity messages %v", got, want)
		}
	})
	t.Run("ErrBadCursor", func(t *testing.T) {
		wantError(t, e.request("GET", url+"?before=abc", e.adminTk, nil), 422, "invalid", "Before is invalid")
	})
}

func TestMessageUpdateDelete(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	conv := e.createConversation(map[string]any{})
	id := e.postMessage(conv, e.adminTk, map[string]any{"content": "hello"})
	url := e.path("/conversations/%d/messages/%d", conv, id)

	t.Run("Status", func(t *testing.T) {
		m := e.must("PATCH", url, e.adminTk, map[string]any{"status": "delivered"}).obj(t)
		if m["status"] != "delivered" {
			t.Fatalf("status=%v, want delivered", m["status"])
		}
		m = e.must("PATCH", url, e.adminTk, map[string]any{"status": "read"}).obj(t)
		if m["status"] != "read" {
			t.Fatalf("status=%v, want read", m["status"])
		}
		// read never goes back to delivered.
		m = e.must("PATCH", url, e.adminTk, map[string]any{"status": "delivered"}).obj(t)
		if m["status"] != "read" {
			t.Fatalf("status=%v, want read kept", m["status"])
		}
		m = e.must("PUT", url, e.adminTk, map[string]any{"status": "failed", "external_error": "Channel rejected it"}).obj(t)
		if m["status"] != "failed" || get(t, m, "content_attributes", "external_error") != "Channel rejected it" {
			t.Fatalf("message=%v, want failed with the external error", m)
		}
		// Multipart, as the SDK's messages.update sends it.
		body, ct := multipartBody(t, [][2]string{{"status", "sent"}, {"source_reply_id", "x"}}, nil)
		m = e.must("PATCH", url, e.adminTk, body, ct).obj(t)
		if m["status"] != "sent" {
			t.Fatalf("status=%v, want sent", m["status"])
		}
		if _, ok := get(t, m, "content_attributes").(map[string]any)["external_error"]; ok {
			t.Fatalf("external_error kept after leaving failed: %v", m["content_attributes"])
		}
	})

	t.Run("ErrBadStatus", func(t *testing.T) {
		wantError(t, e.request("PATCH", url, e.adminTk, map[string]any{"status": "lost"}), 422, "invalid", "Status is not included in the list")
	})

	t.Run("ErrNotAPIInbox", func(t *testing.T) {
		box := e.mustInbox("Mail", inbox.ChannelEmail)
		c := e.createConversation(map[string]any{"inbox_id": box.ID})
		mid := e.postMessage(c, e.adminTk, map[string]any{"content": "hi"})
		res := e.request("PATCH", e.path("/conversations/%d/messages/%d", c, mid), e.adminTk, map[string]any{"status": "read"})
		wantError(t, res, 403, "forbidden", "Message status update is only allowed for API inboxes")
	})

	t.Run("ErrOtherConversation", func(t *testing.T) {
		other := e.createConversation(map[string]any{})
		for _, method := range []string{"PATCH", "DELETE"} {
			res := e.request(method, e.path("/conversations/%d/messages/%d", other, id), e.adminTk, map[string]any{"status": "read"})
			wantError(t, res, 404, "not_found", "Resource could not be found")
		}
		res := e.request("DELETE", e.path("/conversations/%d/messages/99999", conv), e.adminTk, nil)
		wantError(t, res, 404, "not_found", "Resource could not be found")
	})

	t.Run("Delete", func(t *testing.T) {
		m := e.must("DELETE", url, e.adminTk, nil).obj(t)
		if m["content"] != "This message was deleted" || get(t, m, "content_attributes", "deleted") != true {
			t.Fatalf("message=%v, want soft-deleted", m)
		}
		// An interactive message loses its items and becomes text.
		body, ct := multipartBody(t, [][2]string{{"content", "Pick one"}, {"content_type", "input_select"},
			{"content_attributes", `{"items":[{"title":"A","value":"a"}]}`}}, [][4]string{{"attachments[]", "f.txt", "text/plain", "f"}})
		sel := e.must("POST", e.path("/conversations/%d/messages", conv), e.adminTk, body, ct).obj(t)
		if sel["content_type"] != "input_select" || len(sel["attachments"].([]any)) != 1 {
			t.Fatalf("message=%v, want an input_select with a file", sel)
		}
		m = e.must("DELETE", e.path("/conversations/%d/messages/%d", conv, num(t, sel["id"])), e.adminTk, nil).obj(t)
		if m["content_type"] != "text" || fmt.Sprint(m["content_attributes"]) != "map[deleted:true]" || m["attachments"] != nil {
			t.Fatalf("deleted message=%v, want text, only deleted:true, no attachments", m)
		}
		listed := e.must("GET", e.path("/conversations/%d/messages", conv), e.adminTk, nil).obj(t)
		for _, x := range listed["payload"].([]any) {
			if num(t, x.(map[string]any)["id"]) == id && x.(map[string]any)["content"] != "This message was deleted" {
				t.Fatalf("listed message=%v, want the deleted content", x)
			}
		}
	})
}
