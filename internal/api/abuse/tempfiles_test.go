package abuse_test

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A multipart part larger than the parser's in-memory budget (8 MiB) is
// spooled to a multipart-* file in TMPDIR. Every request removes its files
// however it ends: a stored message, an error answer, a body over the
// limit, a client that goes away mid-upload.
//
// Each case points TMPDIR at a directory of its own (so the test cannot
// run in parallel with others).
func TestMultipartTempFilesRemoved(t *testing.T) {
	e := newEnv(t, nil)
	var tmp string
	setTmp := func(t *testing.T) {
		tmp = t.TempDir()
		t.Setenv("TMPDIR", tmp)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 9<<20/16) // 9 MiB: spooled to disk

	upload := func(t *testing.T, path string, fields map[string]string, file []byte) response {
		t.Helper()
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		for k, v := range fields {
			mw.WriteField(k, v)
		}
		w, err := mw.CreateFormFile("attachments[]", "big.bin")
		if err != nil {
			t.Fatal(err)
		}
		w.Write(file)
		mw.Close()
		return e.cw("POST", path, mw.FormDataContentType(), buf.Bytes())
	}
	messages := fmt.Sprintf("/conversations/%d/messages", e.conv.DisplayID)

	t.Run("Stored", func(t *testing.T) {
		setTmp(t)
		r := upload(t, messages, map[string]string{"content": "the big file"}, big)
		if r.status != http.StatusOK {
			t.Fatalf("upload: %s", r)
		}
		noTempFiles(t, tmp)
	})
	t.Run("InvalidParameter", func(t *testing.T) {
		setTmp(t)
		r := upload(t, messages, map[string]string{"content": "x", "message_type": "sideways"}, big)
		cwError(t, r, http.StatusUnprocessableEntity, "message_type")
		noTempFiles(t, tmp)
	})
	t.Run("FileTooLarge", func(t *testing.T) {
		setTmp(t)
		r := upload(t, messages, map[string]string{"content": "x"}, bytes.Repeat([]byte("x"), 11<<20))
		if r.status != http.StatusUnprocessableEntity {
			t.Fatalf("11 MiB file: %s", r)
		}
		noTempFiles(t, tmp)
	})
	t.Run("BodyOverLimit", func(t *testing.T) {
		setTmp(t)
		r := upload(t, messages, map[string]string{"content": "x"}, bytes.Repeat([]byte("x"), 17<<20))
		cwError(t, r, http.StatusRequestEntityTooLarge, "body")
		noTempFiles(t, tmp)
	})
	t.Run("ClientGone", func(t *testing.T) {
		setTmp(t)
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		mw.WriteField("content", "never finished")
		w, _ := mw.CreateFormFile("attachments[]", "big.bin")
		w.Write(big)
		w.Write(big[:1<<20])
		mw.Close()
		body := buf.Bytes()
		conn, err := net.Dial("tcp", e.srv.Listener.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		fmt.Fprintf(conn, "POST /api/v1/accounts/%d%s HTTP/1.1\r\nHost: inboxd\r\napi_access_token: %s\r\n"+
			"Content-Type: %s\r\nContent-Length: %d\r\n\r\n", e.account.ID, messages, e.cwToken, mw.FormDataContentType(), len(body))
		// Send all but the last MiB, wait until the server has spooled the
		// file part to disk, then go away.
		if _, err := conn.Write(body[:len(body)-1<<20]); err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(10 * time.Second); len(tempFiles(t, tmp)) == 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the server never spooled the upload to TMPDIR")
			}
		}
		conn.Close()
		noTempFiles(t, tmp)
	})
}

// tempFiles lists the multipart spool files in dir.
func tempFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, en := range entries {
		if strings.HasPrefix(en.Name(), "multipart-") {
			out = append(out, filepath.Join(dir, en.Name()))
		}
	}
	return out
}

// noTempFiles fails unless dir holds no multipart spool file. The server
// removes them when the handler returns, which may be a moment after the
// client has read the answer, so it waits up to 5 s.
func noTempFiles(t *testing.T, dir string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		files := tempFiles(t, dir)
		if len(files) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d multipart files left in TMPDIR: %v", len(files), files)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
