package chatwoot

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

// counts is the meta object of the list and meta endpoints.
type counts struct {
	MineCount       int `json:"mine_count"`
	AssignedCount   int `json:"assigned_count"`
	UnassignedCount int `json:"unassigned_count"`
	AllCount        int `json:"all_count"`
}

func countsFrom(n inbox.ConversationCounts) counts {
	return counts{MineCount: n.Mine, AssignedCount: n.All - n.Unassigned, UnassignedCount: n.Unassigned, AllCount: n.All}
}

// conversationList is the list body: {"data":{"meta":…,"payload":[…]}}.
type conversationList struct {
	Data struct {
		Meta    counts          `json:"meta"`
		Payload []*conversation `json:"payload"`
	} `json:"data"`
}

// legacySorts maps Chatwoot's older sort_by names to current ones.
var legacySorts = map[string]string{
	"latest":                inbox.SortLastActivityDesc,
	"sort_on_created_at":    inbox.SortCreatedAtAsc,
	"sort_on_priority":      inbox.SortPriorityDesc,
	"sort_on_waiting_since": inbox.SortWaitingSinceAsc,
}

// listFilter maps the list and meta query (Chatwoot's ConversationFinder) to
// a conversation filter.
func listFilter(r *http.Request, p *params) (inbox.ConversationFilter, error) {
	f := inbox.ConversationFilter{Sort: inbox.SortLastActivityDesc}
	me := inbox.PrincipalFromContext(r.Context()).Host.ID
	status, err := p.str("status")
	if err != nil {
		return f, err
	}
	switch status = strings.TrimSpace(status); status {
	case "":
		f.Statuses = []string{inbox.StatusOpen}
	case "all":
	default:
		if !inbox.ValidStatus(status) {
			return f, inbox.FieldError("status", inbox.MsgInclusion)
		}
		f.Statuses = []string{status}
	}
	if f.Query, err = p.str("q"); err != nil {
		return f, err
	}
	if f.Query = strings.TrimSpace(f.Query); f.Query != "" {
		f.Statuses = nil // a search ignores the status
	}
	assigneeType, err := p.str("assignee_type")
	if err != nil {
		return f, err
	}
	switch assigneeType {
	case "me":
		f.AssigneeID = &me
	case "unassigned":
		f.Assigned = ptr(false)
	case "assigned":
		f.Assigned = ptr(true)
	}
	if f.InboxID, err = p.id("inbox_id"); err != nil {
		return f, err
	}
	if team, err := p.str("team_id"); err != nil {
		return f, err
	} else if strings.TrimSpace(team) != "" {
		// Teams are not modelled: every team id is unknown.
		return f, apiError(inbox.ENOTFOUND, "team_id", msgNotFound)
	}
	if f.Labels, err = p.list("labels"); err != nil {
		return f, err
	}
	if f.ContactSourceID, err = p.str("source_id"); err != nil {
		return f, err
	}
	convType, err := p.str("conversation_type")
	if err != nil {
		return f, err
	}
	switch convType {
	case "mention":
		// Mentions are not modelled: nobody is ever mentioned.
		f.DisplayIDs = []int64{}
	case "participating":
		f.ParticipantHostID = &me
	case "unattended":
		f.Unattended = true
	}
	sortBy, err := p.str("sort_by")
	if err != nil {
		return f, err
	}
	if s, ok := legacySorts[sortBy]; ok {
		f.Sort = s
	} else if sortBy != "" {
		for _, s := range inbox.ConversationSorts {
			if s == sortBy {
				f.Sort = s
			}
		}
	}
	within, err := p.str("updated_within")
	if err != nil {
		return f, err
	}
	if within = strings.TrimSpace(within); within != "" {
		secs, err := strconv.ParseInt(within, 10, 64)
		if err != nil || secs < 0 {
			return f, inbox.FieldError("updated_within", inbox.MsgInvalid)
		}
		f.UpdatedSince = ptr(time.Now().Add(-time.Duration(secs) * time.Second))
		f.Page = inbox.Page{Limit: updatedWithinLimit}
		return f, nil
	}
	f.Page, err = conversationPage(p)
	return f, err
}

// conversationsFrom renders conversation views loaded with Details.
func conversationsFrom(views []*app.ConversationView, base string) []*conversation {
	out := make([]*conversation, len(views))
	now := time.Now()
	for i, v := range views {
		out[i] = conversationFrom(v, base, now)
	}
	return out
}

// conversationResponse renders one conversation view loaded with Details.
func (a *API) conversationResponse(r *http.Request) func(*app.ConversationView) httpx.Response {
	base := a.base(r)
	return func(v *app.ConversationView) httpx.Response { return ok(conversationFrom(v, base, time.Now())) }
}

// details are the parts of a conversation Chatwoot renders.
var details = app.ViewOptions{Details: true}

// GET /conversations
func (a *API) listConversations(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	f, err := listFilter(r, p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	f.Page.SkipTotal = true // Chatwoot shows counters, not the page's total
	base := a.base(r)
	a.read(w, r, func(l *app.Loader) (any, error) {
		list, err := l.Conversations(app.ConversationQuery{Filter: f, View: details, Counts: true})
		if err != nil {
			return nil, err
		}
		var out conversationList
		out.Data.Payload = conversationsFrom(list.Items, base)
		out.Data.Meta = countsFrom(list.Counts)
		return out, nil
	})
}

// GET /conversations/meta
func (a *API) conversationMeta(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	f, err := listFilter(r, p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	a.read(w, r, func(l *app.Loader) (any, error) {
		n, err := l.ConversationCounts(f)
		return struct {
			Meta counts `json:"meta"`
		}{countsFrom(n)}, err
	})
}

// GET /conversations/{conversation_id}
func (a *API) showConversation(w http.ResponseWriter, r *http.Request) {
	ref, err := conversationRef(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	base := a.base(r)
	a.read(w, r, func(l *app.Loader) (any, error) {
		v, err := l.Conversation(ref, details)
		if err != nil {
			return nil, err
		}
		return conversationFrom(v, base, time.Now()), nil
	})
}

// POST /conversations
func (a *API) createConversation(w http.ResponseWriter, r *http.Request) {
	p, err := readParams(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	in, err := a.conversationCreate(r, p)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err, errorOptions{notFoundField: "source_id"})
		return
	}
	in.View = details
	reply(a, w, r, func(ctx context.Context) (*app.ConversationView, error) {
		return a.app.CreateConversation(ctx, in)
	}, a.conversationResponse(r))
}

// conversationCreate maps a create request. The contact is given by inbox_id
// and contact_id, or, without contact_id, by the source_id of an existing
// contact identity (with or without inbox_id), as Chatwoot's controller
// looks it up.
func (a *API) conversationCreate(r *http.Request, p *params) (app.ConversationCreate, error) {
	var in app.ConversationCreate
	var err error
	if in.ContactSourceID, err = p.str("source_id"); err != nil {
		return in, err
	}
	in.ContactSourceID = strings.TrimSpace(in.ContactSourceID)
	if in.InboxID, err = p.id("inbox_id"); err != nil {
		return in, err
	}
	if in.ClientID, err = p.id("contact_id"); err != nil {
		return in, err
	}
	switch {
	case in.ClientID == nil && in.ContactSourceID != "":
		// An existing contact identity (in inbox_id when given):
		// internal/app finds its contact and inbox.
	case in.InboxID == nil:
		return in, missingParam("inbox_id")
	case in.ClientID == nil:
		return in, missingParam("contact_id")
	}
	if hv, err := p.boolean("hmac_verified"); err != nil {
		return in, err
	} else if hv != nil {
		in.HMACVerified = *hv
	}
	if in.Status, err = p.str("status"); err != nil {
		return in, err
	}
	if in.AssigneeID, err = p.id("assignee_id"); err != nil {
		return in, err
	}
	if in.Priority, err = p.str("priority"); err != nil {
		return in, err
	}
	if in.AdditionalAttributes, _, err = p.object("additional_attributes"); err != nil {
		return in, err
	}
	if in.CustomAttributes, _, err = p.object("custom_attributes"); err != nil {
		return in, err
	}
	if in.SnoozedUntil, err = p.unixOrISO("snoozed_until"); err != nil {
		return in, err
	}
	if mp, ok := p.sub("message"); ok {
		msg, err := messageCreate(mp)
		if err != nil {
			return in, err
		}
		in.Message = &msg
	} else if p.has("message") && !p.isNull("message") {
		return in, inbox.FieldError("message", "must be an object")
	}
	return in, nil
}

// missingParam is Rails' ParameterMissing.
func missingParam(name string) error {
	return inbox.FieldError(name, "param is missing or the value is empty: "+name)
}

// PATCH|PUT /conversations/{conversation_id}: priority only.
func (a *API) updateConversation(w http.ResponseWriter, r *http.Request) {
	ref, p, good := a.conversationParams(w, r)
	if !good {
		return
	}
	var ch app.ConversationChange
	if p.has("priority") {
		s, err := p.str("priority")
		if err != nil {
			a.invalid(w, r, ref, err)
			return
		}
		ch.Priority = &s
	}
	reply(a, w, r, func(ctx context.Context) (*app.ConversationView, error) {
		return a.app.UpdateConversation(ctx, ref, ch, details)
	}, a.conversationResponse(r))
}

// DELETE /conversations/{conversation_id} (administrators only)
func (a *API) deleteConversation(w http.ResponseWriter, r *http.Request) {
	ref, err := conversationRef(r)
	if err != nil {
		a.invalid(w, r, app.ConversationRef{}, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (none, error) {
		return none{}, a.app.DeleteConversation(ctx, ref)
	}, func(none) httpx.Response { return empty() })
}
