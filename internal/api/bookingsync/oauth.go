package bookingsync

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// oauthParams reads the parameters of an OAuth request from every place
// clients put them: the query string, a form or JSON body (the body wins),
// and the client credentials also from HTTP Basic (which wins).
func oauthParams(r *http.Request) (url.Values, bool, error) {
	v := url.Values{}
	for k, vs := range r.URL.Query() {
		v[k] = vs
	}
	body, err := httpx.ReadBody(r)
	if err != nil {
		return nil, false, err
	}
	body = bytes.TrimSpace(body)
	if len(body) > 0 {
		if body[0] == '{' {
			var m map[string]any
			if err := httpx.UnmarshalJSON(body, &m); err != nil {
				return nil, false, oauthErr("invalid_request", "The request body is not valid JSON.")
			}
			for k, val := range m {
				switch val := val.(type) {
				case string:
					v.Set(k, val)
				case json.Number, float64, bool:
					b, _ := json.Marshal(val)
					v.Set(k, string(b))
				}
			}
		} else {
			form, err := httpx.ParseForm(body)
			if err != nil {
				return nil, false, oauthErr("invalid_request", "The request body is not a valid form.")
			}
			for k, vs := range form {
				v[k] = vs
			}
		}
	}
	for _, vs := range v {
		for _, s := range vs {
			if strings.ContainsRune(s, 0) {
				return nil, false, oauthErr("invalid_request", "A parameter contains a NUL character.")
			}
			// A form value can hold any byte; PostgreSQL compares text only.
			if !utf8.ValidString(s) {
				return nil, false, oauthErr("invalid_request", "A parameter is not valid UTF-8.")
			}
		}
	}
	basic := false
	if id, secret, ok := r.BasicAuth(); ok {
		// RFC 6749 §2.3.1: both parts are form-encoded before Basic encoding.
		if u, err := url.QueryUnescape(id); err == nil {
			id = u
		}
		if s, err := url.QueryUnescape(secret); err == nil {
			secret = s
		}
		if strings.ContainsRune(id+secret, 0) || !utf8.ValidString(id+secret) {
			return nil, true, oauthErr("invalid_client", "Client authentication failed.")
		}
		v.Set("client_id", id)
		v.Set("client_secret", secret)
		basic = true
	}
	return v, basic, nil
}

func oauthErr(name, desc string) error {
	return &inbox.Error{Code: inbox.EINVALID, Field: name, Message: desc}
}

// oauthStatus maps RFC 6749 error names to statuses: client and grant
// failures are 401 (BookingSync documents 401 for token errors), a token of
// another client at revocation is 403 (Doorkeeper), the rest 400.
var oauthStatus = map[string]int{
	"invalid_client":      http.StatusUnauthorized,
	"invalid_grant":       http.StatusUnauthorized,
	"invalid_token":       http.StatusUnauthorized,
	"unauthorized_client": http.StatusForbidden,
}

// writeOAuthError answers {"error", "error_description"}.
func (a *API) writeOAuthError(w http.ResponseWriter, r *http.Request, err error, basic bool) {
	name, desc := inbox.ErrorField(err), inbox.ErrorMessage(err)
	status := http.StatusBadRequest
	switch {
	case errors.Is(err, httpx.ErrBodyTooLarge):
		name, desc, status = "invalid_request", "The request body is too large.", http.StatusRequestEntityTooLarge
	case inbox.ErrorCode(err) == inbox.ECANCELED:
		name, desc, status = "server_error", inbox.ErrorMessage(err), httpx.StatusClientClosedRequest
	case inbox.ErrorCode(err) == inbox.EINTERNAL || name == "":
		if inbox.ErrorCode(err) == inbox.EINTERNAL {
			a.log.Error("oauth", "path", r.URL.Path, "request_id", httpx.RequestID(r.Context()), "err", err)
		}
		name, desc, status = "server_error", "The authorization server encountered an unexpected condition.",
			http.StatusInternalServerError
	default:
		if s, ok := oauthStatus[name]; ok {
			status = s
		}
	}
	if name == "invalid_client" && basic {
		w.Header().Set("WWW-Authenticate", `Basic realm="Doorkeeper"`)
	}
	if name == "invalid_token" {
		w.Header().Set("WWW-Authenticate", `Bearer realm="Doorkeeper", error="invalid_token", error_description="The access token is invalid"`)
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	httpx.WriteJSON(w, status, contentTypeJSON, map[string]string{"error": name, "error_description": desc})
}

// tokenResponse is RFC 6749's access token response, as Doorkeeper sends it.
type tokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    *int64 `json:"expires_in,omitempty"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
	CreatedAt    int64  `json:"created_at"`
}

// token is POST /oauth/token: grants client_credentials, authorization_code
// (the code the web inbox's consent page gave) and refresh_token.
func (a *API) token(w http.ResponseWriter, r *http.Request) {
	v, basic, err := oauthParams(r)
	if err != nil {
		a.writeOAuthError(w, r, err, basic)
		return
	}
	var g *app.TokenGrant
	switch grant := v.Get("grant_type"); grant {
	case "client_credentials":
		g, err = a.app.ClientCredentials(r.Context(), v.Get("client_id"), v.Get("client_secret"), v.Get("scope"))
	case "refresh_token":
		if v.Get("refresh_token") == "" {
			err = oauthErr("invalid_request", "The request is missing the refresh_token parameter.")
			break
		}
		g, err = a.app.Refresh(r.Context(), v.Get("client_id"), v.Get("client_secret"), v.Get("refresh_token"), v.Get("scope"))
	case "authorization_code":
		g, err = a.app.ExchangeCode(r.Context(), v.Get("client_id"), v.Get("client_secret"), v.Get("code"),
			v.Get("redirect_uri"), v.Get("code_verifier"))
	case "":
		err = oauthErr("invalid_request", "The request is missing the grant_type parameter.")
	default:
		err = oauthErr("unsupported_grant_type", "The authorization grant type is not supported by the authorization server.")
	}
	if err != nil {
		a.writeOAuthError(w, r, err, basic)
		return
	}
	resp := tokenResponse{AccessToken: g.AccessToken, TokenType: "bearer", RefreshToken: g.RefreshToken,
		Scope: g.Scopes.String(), CreatedAt: g.CreatedAt.Unix()}
	if g.ExpiresIn > 0 {
		secs := int64(g.ExpiresIn / time.Second)
		resp.ExpiresIn = &secs
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	httpx.WriteJSON(w, http.StatusOK, contentTypeJSON, resp)
}

// revoke is POST /oauth/revoke (RFC 7009): unknown tokens are not an error.
func (a *API) revoke(w http.ResponseWriter, r *http.Request) {
	v, basic, err := oauthParams(r)
	if err == nil && v.Get("token") == "" {
		err = oauthErr("invalid_request", "The request is missing the token parameter.")
	}
	if err == nil {
		err = a.app.Revoke(r.Context(), v.Get("client_id"), v.Get("client_secret"), v.Get("token"))
	}
	if err != nil {
		a.writeOAuthError(w, r, err, basic)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, contentTypeJSON, struct{}{})
}

// tokenInfoResponse is Doorkeeper's token introspection.
type tokenInfoResponse struct {
	ResourceOwnerID int64              `json:"resource_owner_id"`
	Scope           []string           `json:"scope"`
	ExpiresIn       *int64             `json:"expires_in"`
	Application     *tokenInfoClientID `json:"application"`
	CreatedAt       int64              `json:"created_at"`
}

type tokenInfoClientID struct {
	UID string `json:"uid"`
}

// tokenInfo is GET /oauth/token/info for the Bearer token of the request.
// The resource owner is the token's account.
func (a *API) tokenInfo(w http.ResponseWriter, r *http.Request) {
	t, application, err := a.app.TokenInfo(r.Context(), httpx.BearerToken(r))
	if inbox.ErrorCode(err) == inbox.EUNAUTHORIZED {
		err = &inbox.Error{Code: inbox.EUNAUTHORIZED, Field: "invalid_token", Message: "The access token is invalid"}
	}
	if err != nil {
		a.writeOAuthError(w, r, err, false)
		return
	}
	resp := tokenInfoResponse{ResourceOwnerID: t.AccountID, Scope: strings.Fields(t.Scopes.String()),
		CreatedAt: t.CreatedAt.Unix()}
	if t.ExpiresAt != nil {
		secs := int64(time.Until(*t.ExpiresAt).Seconds())
		resp.ExpiresIn = &secs
	}
	if application != nil {
		resp.Application = &tokenInfoClientID{UID: application.ClientID}
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, contentTypeJSON, resp)
}
