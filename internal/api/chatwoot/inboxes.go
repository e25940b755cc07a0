package chatwoot

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// Inboxes and inbox members. Through Chatwoot, inboxd creates API channels
// only (the channel integrations create the others); an API inbox's
// webhook_url is kept for the inbox's events.

var inboxErrors = errorOptions{notFoundField: "id"}

// pathID reads a positive id path value; a malformed one is as unknown as a
// missing one.
func pathID(r *http.Request, name string) (int64, error) {
	n, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || n <= 0 {
		return 0, apiError(inbox.ENOTFOUND, name, msgNotFound)
	}
	return n, nil
}

// GET /inboxes: the inboxes the caller works in, by name.
func (a *API) listInboxes(w http.ResponseWriter, r *http.Request) {
	a.read(w, r, func(l *app.Loader) (any, error) {
		boxes, err := l.InboxesByName()
		return payload{inboxesFrom(boxes)}, err
	})
}

// GET /inboxes/{id}
func (a *API) showInbox(w http.ResponseWriter, r *http.Request) {
	id, good := a.recordID(w, r, "id")
	if !good {
		return
	}
	a.read(w, r, func(l *app.Loader) (any, error) {
		b, err := l.Inbox(id)
		if err != nil {
			return nil, err
		}
		return inboxFrom(b), nil
	}, inboxErrors)
}

// inboxChannel reads channel {type, webhook_url}: only the API type.
func inboxChannel(p *params) (webhook *string, err error) {
	ch, ok := p.sub("channel")
	if !ok {
		if p.has("channel") && !p.isNull("channel") {
			return nil, inbox.FieldError("channel", "must be an object")
		}
		return nil, nil
	}
	typ, err := ch.str("type")
	if err != nil {
		return nil, err
	}
	if t := strings.TrimSpace(typ); t != "" && t != "api" {
		return nil, inbox.FieldError("channel", "Invalid channel type: inboxd creates API inboxes only")
	}
	err = ch.setStrings(strField{"webhook_url", &webhook})
	return webhook, err
}

// POST /inboxes with name and channel {type: "api", webhook_url}
// (administrators).
func (a *API) createInbox(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	in := inbox.Inbox{Channel: inbox.ChannelAPI}
	if in.Name, err = p.str("name"); err == nil {
		var hook *string
		if hook, err = inboxChannel(p); hook != nil {
			in.WebhookURL = *hook
		}
	}
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	in.Name = strings.TrimSpace(in.Name)
	reply(a, w, r, func(ctx context.Context) (*inbox.Inbox, error) {
		return a.app.CreateInbox(ctx, in)
	}, func(b *inbox.Inbox) httpx.Response { return ok(inboxFrom(b)) }, inboxErrors)
}

// PATCH|PUT /inboxes/{id}: name and channel.webhook_url (administrators).
func (a *API) updateInbox(w http.ResponseWriter, r *http.Request) {
	id, p, good := a.recordParams(w, r, "id")
	if !good {
		return
	}
	var u inbox.InboxUpdate
	err := p.setStrings(strField{"name", &u.Name})
	if err == nil {
		u.WebhookURL, err = inboxChannel(p)
	}
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.Inbox, error) {
		return a.app.UpdateInbox(ctx, id, u)
	}, func(b *inbox.Inbox) httpx.Response { return ok(inboxFrom(b)) }, inboxErrors)
}

// GET /inbox_members/{inbox_id}: {"payload":[agents]}.
func (a *API) listInboxMembers(w http.ResponseWriter, r *http.Request) {
	id, good := a.recordID(w, r, "inbox_id")
	if !good {
		return
	}
	a.read(w, r, func(l *app.Loader) (any, error) {
		hosts, err := l.InboxAgents(id)
		return agentsPayload{agentsFrom(hosts)}, err
	}, errorOptions{notFoundField: "inbox_id"})
}

// POST (add), PATCH|PUT (set) and DELETE (remove) /inbox_members with
// inbox_id and user_ids (administrators). DELETE answers an empty 200, the
// others the inbox's agents.
func (a *API) changeInboxMembers(mode string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := readParams(r)
		if err != nil {
			a.invalid(w, r, app.ConversationRef{}, err)
			return
		}
		inboxID, err := p.id("inbox_id")
		if err == nil && inboxID == nil {
			err = missingParam("inbox_id")
		}
		var ids []int64
		if err == nil && !p.has("user_ids") {
			err = missingParam("user_ids")
		}
		if err == nil {
			ids, err = p.ids("user_ids")
		}
		if err != nil {
			a.invalid(w, r, app.ConversationRef{}, err)
			return
		}
		reply(a, w, r, func(ctx context.Context) ([]*inbox.Host, error) {
			return a.app.ChangeInboxAgents(ctx, *inboxID, mode, ids)
		}, func(hosts []*inbox.Host) httpx.Response {
			if mode == app.MembersRemove {
				return empty()
			}
			return ok(agentsPayload{agentsFrom(hosts)})
		}, errorOptions{notFoundField: "inbox_id"})
	}
}

// GET /agents: every agent of the account, by name (a plain array).
func (a *API) listAgents(w http.ResponseWriter, r *http.Request) {
	a.read(w, r, func(l *app.Loader) (any, error) {
		hosts, err := l.Agents()
		return agentsFrom(hosts), err
	})
}

// availability reads an agent's availability: Chatwoot's availability (or
// the OpenAPI file's availability_status), where "available" is online.
func availability(p *params) (*string, error) {
	for _, key := range []string{"availability", "availability_status"} {
		if !p.has(key) {
			continue
		}
		s, err := p.str(key)
		if err != nil {
			return nil, err
		}
		if s = strings.TrimSpace(s); s == "available" {
			s = "online"
		}
		return &s, nil
	}
	return nil, nil
}

// agentRole reads role (agent or administrator).
func agentRole(p *params) (*string, error) {
	if !p.has("role") {
		return nil, nil
	}
	s, err := p.str("role")
	if err != nil {
		return nil, err
	}
	s = strings.TrimSpace(s)
	if !inbox.ValidRole(s) {
		return nil, inbox.FieldError("role", inbox.MsgInclusion)
	}
	return &s, nil
}

// POST /agents with name, email, role, availability, auto_offline
// (administrators).
func (a *API) createAgent(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	in, err := agentCreate(p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.Host, error) {
		return a.app.CreateAgent(ctx, in)
	}, func(h *inbox.Host) httpx.Response { return ok(agentFrom(h)) }, inboxErrors)
}

func agentCreate(p *params) (app.AgentCreate, error) {
	var in app.AgentCreate
	var err error
	if in.Name, err = p.str("name"); err != nil {
		return in, err
	}
	if in.Email, err = p.str("email"); err != nil {
		return in, err
	}
	in.Name, in.Email = strings.TrimSpace(in.Name), strings.TrimSpace(in.Email)
	if in.Name == "" {
		return in, inbox.FieldError("name", inbox.MsgBlank)
	}
	if role, err := agentRole(p); err != nil {
		return in, err
	} else if role != nil {
		in.Role = *role
	}
	if av, err := availability(p); err != nil {
		return in, err
	} else if av != nil {
		in.Availability = *av
	}
	if in.AutoOffline, err = p.boolean("auto_offline"); err != nil {
		return in, err
	}
	return in, nil
}

// PATCH|PUT /agents/{id}: name, role, availability, auto_offline
// (administrators).
func (a *API) updateAgent(w http.ResponseWriter, r *http.Request) {
	id, p, good := a.recordParams(w, r, "id")
	if !good {
		return
	}
	var ch app.AgentChange
	err := p.setStrings(strField{"name", &ch.Name})
	if err == nil {
		ch.Role, err = agentRole(p)
	}
	if err == nil {
		if ch.Availability, err = availability(p); err == nil {
			ch.AutoOffline, err = p.boolean("auto_offline")
		}
	}
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.Host, error) {
		return a.app.UpdateAgent(ctx, id, ch)
	}, func(h *inbox.Host) httpx.Response { return ok(agentFrom(h)) }, inboxErrors)
}

// DELETE /agents/{id} (administrators): empty 200.
func (a *API) deleteAgent(w http.ResponseWriter, r *http.Request) {
	a.deleteRecord(w, r, a.app.DeleteAgent, inboxErrors)
}
