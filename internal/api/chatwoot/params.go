package chatwoot

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/httpx"
)

// params is a request's parameters merged the way Rails merges them: body,
// then query (wins over body), then path (wins over both). Values are what
// encoding/json produces (json.Number for numbers) plus []any and
// map[string]any built from form keys such as labels[]=a or
// content_attributes[in_reply_to]=1. Casting is lenient, as Rails casts.
type params struct {
	values map[string]any
	files  []*multipart.FileHeader
}

// maxMemory is how much of a multipart body is kept in memory; the rest goes
// to temporary files (the body itself is bounded by the server).
const maxMemory = 8 << 20

// readParams decodes the query, the body (JSON, form-encoded or multipart,
// chunked or not) and the path values named in pathKeys. Bodies of GET
// requests are ignored.
func readParams(r *http.Request, pathKeys ...string) (*params, error) {
	p := &params{values: map[string]any{}}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if err := p.readBody(r); err != nil {
			return nil, err
		}
	}
	for k, v := range formValues(r.URL.Query()) {
		p.values[k] = v
	}
	for _, k := range pathKeys {
		p.values[k] = r.PathValue(k)
	}
	return p, nil
}

func (p *params) readBody(r *http.Request) error {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "multipart/form-data":
		err := r.ParseMultipartForm(maxMemory)
		if form := r.MultipartForm; form != nil {
			// Parts over maxMemory went to temporary files: remove them
			// when the request is over, however it ends.
			httpx.AfterRequest(r.Context(), func() { form.RemoveAll() })
		}
		if err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return httpx.ErrBodyTooLarge
			}
			return &bodyError{status: http.StatusBadRequest, msg: "Request body is not valid multipart/form-data"}
		}
		p.values = formValues(url.Values(r.MultipartForm.Value))
		for _, key := range []string{"attachments[]", "attachments"} {
			p.files = append(p.files, r.MultipartForm.File[key]...)
		}
		return nil
	case "application/x-www-form-urlencoded":
		b, err := httpx.ReadBody(r)
		if err != nil {
			return err
		}
		vals, err := httpx.ParseForm(b)
		var le *httpx.LimitError
		if errors.As(err, &le) {
			return err
		} else if err != nil {
			return &bodyError{status: http.StatusBadRequest, msg: "Request body is not valid form data"}
		}
		p.values = formValues(vals)
		return nil
	}
	var v any
	if err := httpx.DecodeJSON(r, &v); err != nil {
		return err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return &bodyError{status: http.StatusBadRequest, msg: "Request body must be a JSON object"}
	}
	p.values = obj
	return nil
}

// formValues builds nested parameters from form keys the way Rack does:
// "a[]" appends to an array, "a[b]" sets a key of an object, and a plain key
// given more than once becomes an array (Rack would keep the last; Chatwoot's
// SDK repeats keys for arrays, so all are kept).
func formValues(vals url.Values) map[string]any {
	out := map[string]any{}
	for key, vs := range vals {
		path := splitKey(key)
		for _, v := range vs {
			setPath(out, path, v, len(vs) > 1)
		}
	}
	return out
}

// splitKey splits "a[b][]" into ["a", "b", ""].
func splitKey(key string) []string {
	i := strings.IndexByte(key, '[')
	if i <= 0 || !strings.HasSuffix(key, "]") {
		return []string{key}
	}
	parts := []string{key[:i]}
	for _, p := range strings.Split(key[i+1:len(key)-1], "][") {
		parts = append(parts, p)
	}
	return parts
}

func setPath(m map[string]any, path []string, v string, repeated bool) {
	head := path[0]
	if len(path) == 1 {
		if old, ok := m[head]; ok && repeated {
			if arr, ok := old.([]any); ok {
				m[head] = append(arr, v)
			} else {
				m[head] = []any{old, v}
			}
			return
		}
		m[head] = v
		return
	}
	if path[1] == "" && len(path) == 2 {
		arr, _ := m[head].([]any)
		m[head] = append(arr, v)
		return
	}
	child, ok := m[head].(map[string]any)
	if !ok {
		child = map[string]any{}
		m[head] = child
	}
	setPath(child, path[1:], v, repeated)
}

// sub returns the nested object under key as params (message: {...}).
func (p *params) sub(key string) (*params, bool) {
	m, ok := p.values[key].(map[string]any)
	if !ok {
		return nil, false
	}
	return &params{values: m}, true
}

// has reports whether key was sent, even as null.
func (p *params) has(key string) bool {
	_, ok := p.values[key]
	return ok
}

// isNull reports whether key was sent as JSON null.
func (p *params) isNull(key string) bool {
	v, ok := p.values[key]
	return ok && v == nil
}

// scalar renders a single value as a string; arrays give their last element
// (Rails keeps the last of repeated keys), objects are not scalars.
func scalar(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case []any:
		if len(v) == 0 {
			return "", true
		}
		return scalar(v[len(v)-1])
	}
	return "", false
}

// str returns key as a string; "" when absent or null.
func (p *params) str(key string) (string, error) {
	v, ok := p.values[key]
	if !ok || v == nil {
		return "", nil
	}
	s, ok := scalar(v)
	if !ok {
		return "", inbox.FieldError(key, "must be a string")
	}
	return text(key, s)
}

// text rejects what no store keeps as text: NUL and invalid UTF-8 (a form
// value can hold any byte; PostgreSQL refuses both).
func text(key, s string) (string, error) {
	if strings.ContainsRune(s, 0) || !utf8.ValidString(s) {
		return "", inbox.FieldError(key, inbox.MsgInvalid)
	}
	return s, nil
}

// optStr returns key as a string, nil when absent or null.
func (p *params) optStr(key string) (*string, error) {
	if v, ok := p.values[key]; !ok || v == nil {
		return nil, nil
	}
	s, err := p.str(key)
	return &s, err
}

// id returns key as an id: a JSON number or a numeric string. Absent, null
// and "" give nil.
func (p *params) id(key string) (*int64, error) {
	s, err := p.str(key)
	if err != nil || strings.TrimSpace(s) == "" {
		return nil, err
	}
	n, err := parseID(s)
	if err != nil {
		return nil, inbox.FieldError(key, inbox.MsgInvalid)
	}
	return &n, nil
}

func parseID(s string) (int64, error) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, nil
	}
	// JSON clients sometimes send 3.0.
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != float64(int64(f)) {
		return 0, errors.New("not an integer")
	}
	return int64(f), nil
}

// ids returns key as a list of ids (array, repeated key, key[] or a comma
// separated string).
func (p *params) ids(key string) ([]int64, error) {
	ss, err := p.list(key)
	if err != nil {
		return nil, err
	}
	out := []int64{}
	for _, s := range ss {
		n, err := parseID(s)
		if err != nil {
			return nil, inbox.FieldError(key, inbox.MsgInvalid)
		}
		out = append(out, n)
	}
	return out, nil
}

// list returns key as a list of strings: a JSON array, repeated or bracketed
// form keys, or one comma-separated string. Blank items are dropped.
func (p *params) list(key string) ([]string, error) {
	v, ok := p.values[key]
	if !ok || v == nil {
		return nil, nil
	}
	var raw []any
	switch v := v.(type) {
	case []any:
		raw = v
	case map[string]any:
		return nil, inbox.FieldError(key, "must be a list")
	default:
		s, _ := scalar(v)
		for _, part := range strings.Split(s, ",") {
			raw = append(raw, part)
		}
	}
	out := []string{}
	for _, item := range raw {
		s, ok := scalar(item)
		if !ok {
			return nil, inbox.FieldError(key, "must be a list of strings")
		}
		if s, err := text(key, strings.TrimSpace(s)); err != nil {
			return nil, err
		} else if s != "" {
			out = append(out, s)
		}
	}
	return out, nil
}

// boolean casts key as Rails casts booleans; nil when absent, null or "".
func (p *params) boolean(key string) (*bool, error) {
	v, ok := p.values[key]
	if !ok || v == nil {
		return nil, nil
	}
	if b, ok := v.(bool); ok {
		return &b, nil
	}
	s, _ := scalar(v)
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "":
		return nil, nil
	case "true", "t", "1", "on", "yes", "y":
		t := true
		return &t, nil
	case "false", "f", "0", "off", "no", "n":
		f := false
		return &f, nil
	}
	return nil, inbox.FieldError(key, "is not a boolean")
}

// object returns key as attributes: a JSON object, form keys key[sub]=v, or a
// string holding a JSON object. An unparsable string gives an empty object,
// as Chatwoot's message builder does.
func (p *params) object(key string) (inbox.Attributes, bool, error) {
	v, ok := p.values[key]
	if !ok {
		return nil, false, nil
	}
	switch v := v.(type) {
	case nil:
		return inbox.Attributes{}, true, nil
	case map[string]any:
		return inbox.Attributes(normalize(v).(map[string]any)), true, nil
	case string:
		var m map[string]any
		if err := httpx.UnmarshalJSON([]byte(v), &m); err != nil || m == nil {
			return inbox.Attributes{}, true, nil
		}
		return inbox.Attributes(m), true, nil
	}
	return nil, true, inbox.FieldError(key, "must be an object")
}

// normalize turns json.Number into float64 so attribute values are what the
// domain expects.
func normalize(v any) any {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		if err != nil {
			return v.String()
		}
		return f
	case map[string]any:
		for k, x := range v {
			v[k] = normalize(x)
		}
		return v
	case []any:
		for i, x := range v {
			v[i] = normalize(x)
		}
		return v
	}
	return v
}

// The Unix seconds of 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
const (
	minUnix = -62135596800
	maxUnix = 253402300799
)

// unixOrISO reads a time given as Unix seconds (number or numeric string) or
// as an ISO 8601 string; nil when absent, null or "".
func (p *params) unixOrISO(key string) (*time.Time, error) {
	s, err := p.str(key)
	if err != nil || strings.TrimSpace(s) == "" {
		return nil, err
	}
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		// Only years 1 to 9999, as ISO 8601 gives: a float beyond int64
		// has no Unix time, and the store keeps microseconds in an int64.
		if !(f >= minUnix && f <= maxUnix) {
			return nil, inbox.FieldError(key, inbox.MsgInvalid)
		}
		sec := int64(f)
		t := time.Unix(sec, int64((f-float64(sec))*1e9)).UTC()
		return &t, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t, nil
		}
	}
	return nil, inbox.FieldError(key, inbox.MsgInvalid)
}

// uploads reads the multipart files (attachments[] and attachments).
func (p *params) uploads() ([]inbox.FileUpload, error) {
	var out []inbox.FileUpload
	for _, fh := range p.files {
		f, err := fh.Open()
		if err != nil {
			return nil, err
		}
		data, err := io.ReadAll(f)
		f.Close()
		if err != nil {
			return nil, err
		}
		out = append(out, inbox.FileUpload{Name: fh.Filename, ContentType: fh.Header.Get("Content-Type"), Data: data})
	}
	return out, nil
}

// strField is a string parameter and where to put it.
type strField struct {
	key string
	dst **string
}

// setStrings sets each field's destination to its value, trimmed, when the
// key was sent.
func (p *params) setStrings(fields ...strField) error {
	for _, f := range fields {
		if !p.has(f.key) {
			continue
		}
		s, err := p.str(f.key)
		if err != nil {
			return err
		}
		s = strings.TrimSpace(s)
		*f.dst = &s
	}
	return nil
}
