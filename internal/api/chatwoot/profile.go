package chatwoot

import "net/http"

// GET /api/v1/profile: the caller as a Chatwoot user, with its pubsub_token
// (derived from the server key; see app.PubSubToken).
func (a *API) showProfile(w http.ResponseWriter, r *http.Request) {
	pr, err := a.app.GetProfile(r.Context())
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ok(profileFrom(pr, accessToken(r))).Write(w)
}
