package chatwoot

import (
	"context"
	"net/http"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// Account labels (/labels) and canned responses (/canned_responses).

// GET /labels: {"payload":[labels]}, by title.
func (a *API) listAccountLabels(w http.ResponseWriter, r *http.Request) {
	a.read(w, r, func(l *app.Loader) (any, error) {
		ls, err := l.Labels()
		out := make([]*label, len(ls))
		for i, x := range ls {
			out[i] = labelFrom(x)
		}
		return payload{out}, err
	})
}

// GET /labels/{id} (administrators)
func (a *API) showAccountLabel(w http.ResponseWriter, r *http.Request) {
	id, good := a.recordID(w, r, "id")
	if !good {
		return
	}
	a.read(w, r, func(l *app.Loader) (any, error) {
		x, err := l.Label(id)
		if err != nil {
			return nil, err
		}
		return labelFrom(x), nil
	}, inboxErrors)
}

// labelFields reads title, description, color and show_on_sidebar, at the
// top level or under label (Rails wraps JSON parameters either way).
func labelFields(p *params) (inbox.LabelUpdate, error) {
	if sub, ok := p.sub("label"); ok {
		p = sub
	}
	var u inbox.LabelUpdate
	if err := p.setStrings(strField{"title", &u.Title}, strField{"description", &u.Description}, strField{"color", &u.Color}); err != nil {
		return u, err
	}
	b, err := p.boolean("show_on_sidebar")
	u.ShowOnSidebar = b
	return u, err
}

// POST /labels (administrators)
func (a *API) createAccountLabel(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	u, err := labelFields(p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	var in inbox.Label
	for _, f := range []struct{ dst, src *string }{{&in.Title, u.Title}, {&in.Description, u.Description}, {&in.Color, u.Color}} {
		if f.src != nil {
			*f.dst = *f.src
		}
	}
	if u.ShowOnSidebar != nil {
		in.ShowOnSidebar = *u.ShowOnSidebar
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.Label, error) {
		return a.app.CreateLabel(ctx, in)
	}, func(x *inbox.Label) httpx.Response { return ok(labelFrom(x)) }, inboxErrors)
}

// PATCH|PUT /labels/{id} (administrators)
func (a *API) updateAccountLabel(w http.ResponseWriter, r *http.Request) {
	id, p, good := a.recordParams(w, r, "id")
	if !good {
		return
	}
	u, err := labelFields(p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.Label, error) {
		return a.app.UpdateLabel(ctx, id, u)
	}, func(x *inbox.Label) httpx.Response { return ok(labelFrom(x)) }, inboxErrors)
}

// DELETE /labels/{id} (administrators): empty 200.
func (a *API) deleteAccountLabel(w http.ResponseWriter, r *http.Request) {
	a.deleteRecord(w, r, a.app.DeleteLabel, inboxErrors)
}

// GET /canned_responses[?search=]: a plain array.
func (a *API) listCannedResponses(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	var search string
	if err == nil {
		search, err = p.str("search")
	}
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	a.read(w, r, func(l *app.Loader) (any, error) {
		cs, err := l.CannedResponses(search)
		out := make([]*cannedResponse, len(cs))
		for i, c := range cs {
			out[i] = cannedResponseFrom(c)
		}
		return out, err
	})
}

// cannedFields reads short_code and content, at the top level or under
// canned_response.
func cannedFields(p *params) (inbox.CannedResponseUpdate, error) {
	if sub, ok := p.sub("canned_response"); ok {
		p = sub
	}
	var u inbox.CannedResponseUpdate
	err := p.setStrings(strField{"short_code", &u.ShortCode}, strField{"content", &u.Content})
	return u, err
}

// POST /canned_responses (any member)
func (a *API) createCannedResponse(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	u, err := cannedFields(p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	var in inbox.CannedResponse
	if u.ShortCode != nil {
		in.ShortCode = *u.ShortCode
	}
	if u.Content != nil {
		in.Content = *u.Content
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.CannedResponse, error) {
		return a.app.CreateCannedResponse(ctx, in)
	}, func(c *inbox.CannedResponse) httpx.Response { return ok(cannedResponseFrom(c)) }, inboxErrors)
}

// PATCH|PUT /canned_responses/{id} (administrators)
func (a *API) updateCannedResponse(w http.ResponseWriter, r *http.Request) {
	id, p, good := a.recordParams(w, r, "id")
	if !good {
		return
	}
	u, err := cannedFields(p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.CannedResponse, error) {
		return a.app.UpdateCannedResponse(ctx, id, u)
	}, func(c *inbox.CannedResponse) httpx.Response { return ok(cannedResponseFrom(c)) }, inboxErrors)
}

// DELETE /canned_responses/{id} (administrators): empty 200.
func (a *API) deleteCannedResponse(w http.ResponseWriter, r *http.Request) {
	a.deleteRecord(w, r, a.app.DeleteCannedResponse, inboxErrors)
}
