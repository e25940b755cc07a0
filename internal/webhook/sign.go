package webhook

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strconv"
)

// SignBookingSync returns BookingSync's X-Content-Signature of a body:
// hex(HMAC-SHA1(key = the application's client secret, data =
// MIME-Base64(body))), as BookingSync's own receiver verifies it.
func SignBookingSync(secret, body []byte) string {
	mac := hmac.New(sha1.New, secret)
	mac.Write(mimeBase64(body))
	return hex.EncodeToString(mac.Sum(nil))
}

// mimeBase64 encodes like Ruby's Base64.encode64: standard padded Base64 in
// lines of 60 characters, every line (the last included) ending in "\n";
// nothing at all for an empty input.
func mimeBase64(b []byte) []byte {
	enc := base64.StdEncoding.EncodeToString(b)
	out := make([]byte, 0, len(enc)+len(enc)/60+1)
	for len(enc) > 60 {
		out = append(out, enc[:60]...)
		out = append(out, '\n')
		enc = enc[60:]
	}
	if enc != "" {
		out = append(out, enc...)
		out = append(out, '\n')
	}
	return out
}

// SignChatwoot returns Chatwoot's X-Chatwoot-Signature of a body sent at a
// time (X-Chatwoot-Timestamp, Unix seconds): "sha256=" +
// hex(HMAC-SHA256(key = the webhook's secret, data = "<timestamp>.<body>")).
func SignChatwoot(secret []byte, timestamp int64, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(strconv.FormatInt(timestamp, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}
