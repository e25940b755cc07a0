package bookingsync

import (
	"context"
	"net/http"
	"slices"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
	"github.com/inboxd/inbox/internal/httpx"
)

var participantSchema = schema{
	create:   []string{"conversation_id", "member_id", "member_type", "read", "last_message_sent_at"},
	update:   []string{"read"},
	readOnly: []string{"read_at"},
}

func (a *API) listParticipants(w http.ResponseWriter, r *http.Request) { a.participants(w, r, false) }

func (a *API) getParticipants(w http.ResponseWriter, r *http.Request) { a.participants(w, r, true) }

func (a *API) participants(w http.ResponseWriter, r *http.Request, byIDs bool) {
	list(a, w, r, byIDs, a.participantSpec(r))
}

// participantSpec describes the GET of participants, also the stored record a write compares
// read-only attributes with.
func (a *API) participantSpec(r *http.Request) listSpec[*inbox.Participant] {
	return listSpec[*inbox.Participant]{
		scope: inbox.ScopeInboxRead, resource: inbox.ResourceParticipants, plural: "participants",
		fetch: func(l *app.Loader, q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Participant, int, error) {
			return l.Participants(inbox.ParticipantFilter{IDs: ids, UpdatedSince: q.since, Page: pg})
		},
		idOf: func(p *inbox.Participant) int64 { return p.ID },
		render: func(l *app.Loader, items []*inbox.Participant) ([]object, object, error) {
			return records(items, participantRecord), participantTemplates(a.base(r)), nil
		},
	}
}

// participantResponse renders a write's answer: the participant as it is
// now (201 with its Location when created).
func (a *API) participantResponse(r *http.Request, created bool) func(*app.ParticipantView) httpx.Response {
	tpl := participantTemplates(a.base(r))
	return func(v *app.ParticipantView) httpx.Response {
		if created {
			return a.created(r, "/inbox/participants", v.ID, tpl, "participants", participantRecord(v.Participant))
		}
		return a.updated(tpl, "participants", participantRecord(v.Participant))
	}
}

func (a *API) createParticipant(w http.ResponseWriter, r *http.Request) {
	at, err := readRecord(r, "participants")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := participantSchema.check(at, true); err != nil {
		a.writeError(w, r, err)
		return
	}
	var errs fieldErrors
	at.require(&errs, "conversation_id", "member_id", "member_type")
	in := app.ParticipantCreate{}
	in.ConversationID, _ = at.ID(&errs, "conversation_id")
	in.MemberID, _ = at.ID(&errs, "member_id")
	if t, ok := at.String(&errs, "member_type"); ok && t != "" {
		// The docs call member_type an Integer; it is the class name.
		if !slices.Contains([]string{inbox.MemberClient, inbox.MemberHost}, t) {
			errs.add(invalid("member_type", inbox.MsgInclusion))
		}
		in.MemberType = t
	}
	if v, ok := at.Bool(&errs, "read"); ok {
		in.Read = &v
	}
	in.LastMessageSentAt, _ = at.OptTime(&errs, "last_message_sent_at")
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.ParticipantView, error) {
		return a.app.CreateParticipant(ctx, in)
	}, a.participantResponse(r, true))
}

func (a *API) updateParticipant(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	at, err := readRecord(r, "participants")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ro, err := participantSchema.checkUpdate(at)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	r = guardReadOnly(r, a.participantSpec(r), id, ro)
	var errs fieldErrors
	var read *bool
	if at.has("read") {
		v, ok := at.Bool(&errs, "read")
		if !ok && len(errs) == 0 {
			errs.add(invalid("read", inbox.MsgInvalid))
		}
		read = &v
	}
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*app.ParticipantView, error) {
		return a.app.UpdateParticipant(ctx, id, read)
	}, a.participantResponse(r, false))
}
