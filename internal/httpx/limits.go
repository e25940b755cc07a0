package httpx

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// AnonymousBodyLimit is how much of a request body may be read before the
// request is authenticated: enough for any OAuth token request, too little
// for a body to cost memory. Middleware applies it to every request; an
// authenticating wrapper lifts it with LiftBodyLimit.
const AnonymousBodyLimit = 8 << 10

// LiftBodyLimit raises r's body limit from AnonymousBodyLimit to the
// server's whole-body limit, and its time to arrive from the server's read
// header timeout to its read timeout. Call it once r is authenticated,
// before anything reads the body.
func LiftBodyLimit(r *http.Request) {
	s := getState(r.Context())
	if s == nil || s.fullBody == nil {
		return
	}
	r.Body = s.fullBody
	if s.liftDeadline != nil {
		s.liftDeadline()
	}
}

// anonymousDeadline gives an unauthenticated request's body as long to
// arrive as its headers had (the server's ReadHeaderTimeout), not the
// minutes an authenticated upload may take (ReadTimeout): a client
// dribbling a body to an endpoint without a token holds its connection no
// longer than one dribbling headers. (net/http clears the deadline once the
// body is read, before it watches the connection in the background.)
func (s *state) anonymousDeadline(w http.ResponseWriter, r *http.Request) {
	srv, _ := r.Context().Value(http.ServerContextKey).(*http.Server)
	if srv == nil || srv.ReadHeaderTimeout <= 0 || srv.ReadTimeout > 0 && srv.ReadTimeout <= srv.ReadHeaderTimeout {
		return
	}
	rc := http.NewResponseController(w)
	if rc.SetReadDeadline(s.start.Add(srv.ReadHeaderTimeout)) != nil {
		return
	}
	s.liftDeadline = func() {
		var d time.Time
		if srv.ReadTimeout > 0 {
			d = s.start.Add(srv.ReadTimeout)
		}
		rc.SetReadDeadline(d)
	}
}

// Bounds of a decoded request body. Each is checked on the raw bytes
// before anything is decoded, so a body over them costs no more than its
// own bytes: json.Unmarshal into interfaces takes about 15 times a body's
// size, and a form about as much.
const (
	// MaxJSONDepth is how deeply a JSON body may nest (attributes nest
	// at most 32 levels inside their request).
	MaxJSONDepth = 64
	// MaxValues is how many values (JSON object members and array
	// elements, or form fields) a body may hold: ten times the largest
	// list a request takes (a filter's 10,000 values).
	MaxValues = 100_000
)

// LimitError is a body over one of the bounds of this file. Dialects answer
// it as a bad request, with its message.
type LimitError struct{ msg string }

func (e *LimitError) Error() string { return e.msg }

var (
	errTooDeep = &LimitError{fmt.Sprintf("Request body nests too deeply (maximum is %d levels)", MaxJSONDepth)}
	errTooMany = &LimitError{fmt.Sprintf("Request body holds too many values (maximum is %d)", MaxValues)}
)

// CheckJSON checks the nesting depth and the number of values of a JSON
// document without decoding it, in one pass that allocates nothing. It does
// not validate the syntax: the decoder that runs next does.
func CheckJSON(b []byte) error {
	depth, values := 0, 0
	inString := false
	for i := 0; i < len(b); i++ {
		c := b[i]
		if inString {
			switch c {
			case '\\':
				i++ // the escaped byte cannot end the string
			case '"':
				inString = false
			}
			continue
		}
		switch c {
		case '"':
			inString = true
		case '{', '[':
			if depth++; depth > MaxJSONDepth {
				return errTooDeep
			}
			values++
		case '}', ']':
			depth--
		case ',':
			values++
		}
		if values > MaxValues {
			return errTooMany
		}
	}
	return nil
}

// UnmarshalJSON is json.Unmarshal after CheckJSON.
func UnmarshalJSON(b []byte, v any) error {
	if err := CheckJSON(b); err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// ParseForm parses a form-encoded body after checking how many fields it
// holds.
func ParseForm(b []byte) (url.Values, error) {
	if bytes.Count(b, []byte("&"))+bytes.Count(b, []byte(";")) >= MaxValues {
		return nil, errTooMany
	}
	return url.ParseQuery(string(b))
}
