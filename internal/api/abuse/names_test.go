package abuse_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	inbox "github.com/inboxd/inbox"
)

// trickyNames are attachment names that try to escape a directory, smuggle
// control characters into headers, or break storage.
var trickyNames = []struct {
	label, name string
	want        string // the stored name when it is predictable
}{
	{"dot-dot", "../../etc/passwd", "passwd"},
	{"deep dot-dot", "../../../../../../../../tmp/inboxd-escape", "inboxd-escape"},
	{"backslashes", `..\..\x`, "x"},
	{"windows path", `C:\Windows\System32\cmd.exe`, "cmd.exe"},
	{"absolute", "/absolute", "absolute"},
	{"trailing slash", "/etc/", "etc"},
	{"control characters", "a\x01b\x1f\x7fc.txt", "abc.txt"},
	{"C1 controls", "a\u0085b\u009b[31mc.txt", "ab[31mc.txt"},
	{"header injection", "x.txt\r\nX-Injected: 1", "x.txtX-Injected: 1"},
	{"percent-encoded dot-dot", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "%2e%2e%2f%2e%2e%2fetc%2fpasswd"},
	{"very long", strings.Repeat("a", 5000) + ".txt", strings.Repeat("a", 255)},
	{"very long multibyte", strings.Repeat("é", 300), strings.Repeat("é", 127)},
	{"very long emoji", strings.Repeat("😀", 100), strings.Repeat("😀", 63)},
	{"only dots", "..", ""},
	{"quotes and semicolons", `a"; filename="evil.html`, `a"; filename="evil.html`},
}

// safeName fails unless a stored name is harmless anywhere it is used: one
// path element, no control characters, valid UTF-8, at most 255 bytes.
func safeName(t *testing.T, name string) {
	t.Helper()
	if strings.ContainsAny(name, `/\`) || name == "." || name == ".." || len(name) > 255 || !utf8.ValidString(name) ||
		strings.IndexFunc(name, unicode.IsControl) >= 0 {
		t.Errorf("unsafe stored name %q", name)
	}
}

// download fetches an attachment URL and checks the bytes and the
// Content-Disposition name.
func (e *env) download(t *testing.T, fileURL, wantName string, want []byte) {
	t.Helper()
	if !strings.HasPrefix(fileURL, e.srv.URL+"/files/") {
		t.Fatalf("download URL %q is not the server's", fileURL)
	}
	u, err := url.Parse(fileURL)
	if err != nil {
		t.Fatal(err)
	}
	// The name in the URL is one escaped path segment.
	if seg := strings.Split(strings.TrimPrefix(u.EscapedPath(), "/files/"), "/"); len(seg) != 4 {
		t.Fatalf("download URL %q has %d segments", fileURL, len(seg))
	}
	r := e.send("GET", fileURL, nil, nil)
	if r.status != 200 || !bytes.Equal(r.body, want) {
		t.Fatalf("download %s: %d, %d bytes", fileURL, r.status, len(r.body))
	}
	cd := r.header.Get("Content-Disposition")
	if wantName == "" {
		return
	}
	disp, params, err := mime.ParseMediaType(cd)
	if err != nil || disp != "attachment" || params["filename"] != wantName {
		t.Errorf("Content-Disposition %q, want the file name %q", cd, wantName)
	}
}

// inStore fails unless content is stored in the file store under its hash.
func (e *env) inStore(t *testing.T, content []byte) {
	t.Helper()
	sum := sha256.Sum256(content)
	key := hex.EncodeToString(sum[:])
	if b, err := os.ReadFile(filepath.Join(e.filesDir, key[:2], key)); err != nil || !bytes.Equal(b, content) {
		t.Errorf("content not in the file store under %s: %v", key, err)
	}
}

// Attachment names with path tricks are stored as a safe name (the last
// path element, without control characters, cut to 255 bytes of whole
// characters); the bytes land in the file store under their hash whatever
// the name, and the download URL works. BookingSync refuses a name with a
// NUL character as it refuses NUL in every text attribute.
func TestAttachmentNamesBookingSync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	for i, c := range trickyNames {
		t.Run(c.label, func(t *testing.T) {
			content := []byte(fmt.Sprintf("file %d: %s", i, c.label))
			before := e.state()
			r := e.bs("POST", "/api/v3/inbox/attachments", map[string]any{"attachments": []map[string]any{
				{"name": c.name, "file": base64.StdEncoding.EncodeToString(content)}}})
			var body struct{ Attachments []map[string]any }
			decode(t, r, &body)
			if r.status != 201 || len(body.Attachments) != 1 {
				t.Fatalf("create: %s", r)
			}
			att := body.Attachments[0]
			name, _ := att["name"].(string)
			safeName(t, name)
			if name != c.want {
				t.Errorf("stored name %q, want %q", name, c.want)
			}
			e.inStore(t, content)
			e.download(t, att["url"].(string), name, content)
			after := e.state()
			if after.Attachments != before.Attachments+1 || after.Files != before.Files+1 {
				t.Errorf("one attachment and one file expected: before %+v, after %+v", before, after)
			}
			// Renaming goes through the same cleaning.
			r = e.bs("PUT", fmt.Sprintf("/api/v3/inbox/attachments/%v", att["id"]), map[string]any{
				"attachments": []map[string]any{{"name": c.name}}})
			decode(t, r, &body)
			if r.status != 200 || len(body.Attachments) != 1 {
				t.Fatalf("rename: %s", r)
			}
			if renamed, _ := body.Attachments[0]["name"].(string); renamed != c.want {
				t.Errorf("renamed to %q, want %q", renamed, c.want)
			}
		})
	}
	t.Run("NUL", func(t *testing.T) {
		before := e.state()
		r := e.bs("POST", "/api/v3/inbox/attachments", map[string]any{"attachments": []map[string]any{
			{"name": "a\x00b/../../x", "file": base64.StdEncoding.EncodeToString([]byte("nul"))}}})
		bsError(t, r, http.StatusUnprocessableEntity, "validation_failed", "name")
		e.unchanged(before, "a NUL name")
	})
	e.storedFiles() // nothing outside the file store
}

// multipartMessage builds a Chatwoot message with one file whose
// Content-Disposition filename is written verbatim (as a hostile client
// writes it, without the escaping mime/multipart applies).
func multipartMessage(t *testing.T, rawFilename, partType string, content []byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("content", "see attached")
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="attachments[]"; filename="`+rawFilename+`"`)
	h.Set("Content-Type", partType)
	w, err := mw.CreatePart(h)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(content)
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// Chatwoot multipart uploads: whatever the filename, the attachment is
// stored with a safe name, its bytes in the file store, and its data_url
// downloads them. Part headers with control characters (NUL included) are
// not MIME: the whole body is a 400 and nothing is created. A filename the
// multipart parser cannot read at all makes the part a plain field: the
// message is created without a file.
func TestAttachmentNamesChatwoot(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	cases := []struct {
		label, raw, partType string
		refused              bool
	}{
		{"dot-dot", "../../etc/passwd", "text/plain", false},
		{"backslashes", `..\..\x`, "text/plain", false},
		{"absolute", "/absolute", "text/plain", false},
		{"DEL", "a\x7fb.txt", "text/plain", true},
		{"C1 control", "a\u0085b\u009bc.txt", "text/plain", false},
		{"control characters", "a\x01b\x1fc.txt", "text/plain", true},
		{"NUL", "a\x00b.txt", "text/plain", true},
		{"very long", strings.Repeat("b", 5000) + ".txt", "text/plain", false},
		{"very long multibyte", strings.Repeat("é", 300), "text/plain", false},
		{"invalid UTF-8", "caf\xe9\xff.txt", "text/plain", false},
		{"RFC 5987 dot-dot", `x"; filename*=UTF-8''..%2F..%2Fetc%2Fpasswd; x="`, "text/plain", false},
		{"part type not UTF-8", "ok.txt", "te\xffxt/pl\xe9ain", false},
		{"part type with controls", "ok.txt", "text/\x01plain", true},
	}
	for i, c := range cases {
		t.Run(c.label, func(t *testing.T) {
			content := []byte(fmt.Sprintf("upload %d: %s", i, c.label))
			before := e.state()
			ct, body := multipartMessage(t, c.raw, c.partType, content)
			r := e.cw("POST", fmt.Sprintf("/conversations/%d/messages", e.conv.DisplayID), ct, body)
			if c.refused {
				cwError(t, r, http.StatusBadRequest, "body")
				e.unchanged(before, "a refused multipart body")
				return
			}
			var msg struct {
				ID          int64
				Attachments []struct {
					DataURL  string `json:"data_url"`
					FileSize int64  `json:"file_size"`
				}
			}
			decode(t, r, &msg)
			if r.status != 200 || msg.ID == 0 {
				t.Fatalf("create message: %s", r)
			}
			after := e.state()
			if after.Messages != before.Messages+1 {
				t.Errorf("%d messages, want %d", after.Messages, before.Messages+1)
			}
			if len(msg.Attachments) == 0 {
				// Only a filename Go's multipart reader cannot parse may
				// turn the file into a field; then nothing was stored.
				if after.Attachments != before.Attachments || after.Files != before.Files {
					t.Errorf("no attachment in the answer but state changed: %+v → %+v", before, after)
				}
				t.Logf("%q: the part was read as a field, not a file", c.raw)
				return
			}
			if len(msg.Attachments) != 1 || after.Attachments != before.Attachments+1 || after.Files != before.Files+1 {
				t.Fatalf("one attachment and one file expected: %s; state %+v → %+v", r, before, after)
			}
			var stored []*inbox.Attachment
			e.store.View(ctx, func(tx inbox.Tx) (err error) {
				stored, _, err = tx.FindAttachments(ctx, e.account.ID, inbox.AttachmentFilter{MessageID: &msg.ID})
				return err
			})
			if len(stored) != 1 {
				t.Fatalf("%d attachments stored for the message", len(stored))
			}
			name := stored[0].Name
			safeName(t, name)
			if strings.Contains(c.raw, "passwd") && name != "passwd" && !strings.HasPrefix(name, "x") {
				t.Errorf("stored name %q", name)
			}
			if !utf8.ValidString(stored[0].ContentType) || strings.IndexFunc(stored[0].ContentType, unicode.IsControl) >= 0 {
				t.Errorf("stored content type %q", stored[0].ContentType)
			}
			u, _ := url.Parse(msg.Attachments[0].DataURL)
			if got := path.Base(u.Path); name != "" && got != name {
				t.Errorf("data_url names %q, stored name %q", got, name)
			}
			e.inStore(t, content)
			e.download(t, msg.Attachments[0].DataURL, name, content)
		})
	}
	e.storedFiles()
}
