package chatwoot_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Chatwoot's OpenAPI document (testdata/openapi.json, a byte-identical copy
// of swagger/swagger.json at 4.10.0) with the JSON Patch of the spec's
// openapi-patches.md (testdata/openapi-patches.json: where the document
// disagrees with real Chatwoot) and inboxd's own for the account resources
// (testdata/openapi-patches-account.json, each operation explained in
// testdata/README.md).
var openAPI struct {
	once   sync.Once
	router routers.Router
	err    error
}

func openAPIRouter(t *testing.T) routers.Router {
	t.Helper()
	openAPI.once.Do(func() {
		var doc any
		if openAPI.err = json.Unmarshal(golden(t, "openapi.json"), &doc); openAPI.err != nil {
			return
		}
		for _, name := range []string{"openapi-patches.json", "openapi-patches-account.json"} {
			var ops []patchOp
			if openAPI.err = json.Unmarshal(golden(t, name), &ops); openAPI.err != nil {
				return
			}
			for _, op := range ops {
				if doc, openAPI.err = op.apply(doc); openAPI.err != nil {
					openAPI.err = fmt.Errorf("%s: %v", name, openAPI.err)
					return
				}
			}
		}
		b, _ := json.Marshal(doc)
		loader := openapi3.NewLoader()
		var spec *openapi3.T
		if spec, openAPI.err = loader.LoadFromData(b); openAPI.err != nil {
			return
		}
		spec.Servers = nil // match the paths on any host
		openAPI.router, openAPI.err = legacy.NewRouter(spec, openapi3.DisableExamplesValidation())
	})
	if openAPI.err != nil {
		t.Fatalf("OpenAPI document: %v", openAPI.err)
	}
	return openAPI.router
}

// assertOpenAPI validates a response against the patched document's schema
// for the operation (the request's method and path, without the query).
func assertOpenAPI(t *testing.T, method, path string, res response) {
	t.Helper()
	if err := openAPIError(t, method, path, res); err != nil {
		t.Fatalf("OpenAPI: %s %s answered %d, which the document refuses:\n%v\nbody: %s", method, path, res.status, err, res.body)
	}
}

// openAPIError is what the document says of a response.
func openAPIError(t *testing.T, method, path string, res response) error {
	t.Helper()
	router := openAPIRouter(t)
	if i := strings.IndexByte(path, '?'); i >= 0 {
		path = path[:i]
	}
	req, _ := http.NewRequest(method, "http://inboxd.test"+path, nil)
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatalf("OpenAPI: no operation for %s %s: %v", method, path, err)
	}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
		Options: &openapi3filter.Options{ExcludeRequestBody: true, IncludeResponseStatus: true, MultiError: true,
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	header := res.header.Clone()
	header.Set("Content-Type", "application/json")
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: res.status, Header: header,
		Body: io.NopCloser(bytes.NewReader(res.body)), Options: in.Options}
	return openapi3filter.ValidateResponse(context.Background(), out)
}

// patchOp is one RFC 6902 operation (add, replace, remove, move).
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	From  string `json:"from"`
	Value any    `json:"value"`
}

func (op patchOp) apply(doc any) (any, error) {
	switch op.Op {
	case "add", "replace":
		return setPointer(doc, op.Path, op.Value, op.Op == "add")
	case "remove":
		return setPointer(doc, op.Path, nil, false, true)
	case "move":
		v, err := getPointer(doc, op.From)
		if err != nil {
			return nil, err
		}
		if doc, err = setPointer(doc, op.From, nil, false, true); err != nil {
			return nil, err
		}
		return setPointer(doc, op.Path, v, true)
	}
	return nil, fmt.Errorf("unsupported patch op %q", op.Op)
}

func pointer(p string) []string {
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, s := range parts {
		parts[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~1", "/"), "~0", "~")
	}
	return parts
}

func getPointer(doc any, p string) (any, error) {
	cur := doc
	for _, k := range pointer(p) {
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[k]
			if !ok {
				return nil, fmt.Errorf("%s: no %q", p, k)
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(k)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("%s: bad index %q", p, k)
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("%s: %q is not in a container", p, k)
		}
	}
	return cur, nil
}

// setPointer sets (or, with remove, deletes) the member at p; the parent
// must exist, and the member too unless add.
func setPointer(doc any, p string, v any, add bool, remove ...bool) (any, error) {
	parts := pointer(p)
	parent, err := getPointer(doc, "/"+strings.Join(escape(parts[:len(parts)-1]), "/"))
	if len(parts) == 1 {
		parent, err = doc, nil
	}
	if err != nil {
		return nil, err
	}
	last := parts[len(parts)-1]
	switch c := parent.(type) {
	case map[string]any:
		if _, ok := c[last]; !ok && !add {
			return nil, fmt.Errorf("%s: no %q to replace", p, last)
		}
		if len(remove) > 0 {
			delete(c, last)
		} else {
			c[last] = v
		}
	case []any:
		i, err := strconv.Atoi(last)
		if err != nil || i < 0 || i >= len(c) {
			return nil, fmt.Errorf("%s: bad index %q", p, last)
		}
		c[i] = v
	default:
		return nil, fmt.Errorf("%s: parent is not a container", p)
	}
	return doc, nil
}

func escape(parts []string) []string {
	out := make([]string, len(parts))
	for i, s := range parts {
		out[i] = strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
	}
	return out
}

// TestOpenAPIConversationBodies checks the validator itself on endpoints
// the spec's patches cover: a real body passes, a broken one does not.
func TestOpenAPIValidator(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	display := e.createConversation(map[string]any{})
	path := e.path("/conversations/%d", display)
	res := e.must("GET", path, e.adminTk, nil)
	assertOpenAPI(t, "GET", path, res)
	broken := res
	broken.body = bytes.Replace(res.body, []byte(`"status":"open"`), []byte(`"status":7`), 1)
	if err := openAPIError(t, "GET", path, broken); err == nil {
		t.Fatal("a conversation whose status is a number passed the OpenAPI check")
	}
}
