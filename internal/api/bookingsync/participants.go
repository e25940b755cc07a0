package bookingsync

import (
	"net/http"
	"slices"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

var participantSchema = schema{
	create:   []string{"conversation_id", "member_id", "member_type", "read", "last_message_sent_at"},
	update:   []string{"read"},
	readOnly: []string{"read_at"},
}

func (a *API) listParticipants(w http.ResponseWriter, r *http.Request) { a.participants(w, r, false) }

func (a *API) getParticipants(w http.ResponseWriter, r *http.Request) { a.participants(w, r, true) }

func (a *API) participants(w http.ResponseWriter, r *http.Request, byIDs bool) {
	q, items, total, ok := listing(a, w, r, byIDs, func(q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Participant, int, error) {
		return a.app.ListParticipants(r.Context(), inbox.ParticipantFilter{IDs: ids, UpdatedSince: q.since, Page: pg})
	}, func(p *inbox.Participant) int64 { return p.ID })
	if !ok {
		return
	}
	recs := make([]object, len(items))
	for i, p := range items {
		recs[i] = participantRecord(p)
	}
	a.respondList(w, r, q, total, inbox.ResourceParticipants, participantTemplates(a.base(r)), "participants", recs)
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
	p, err := a.app.CreateParticipant(r.Context(), in)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeCreated(w, r, "/inbox/participants", p.ID, participantTemplates(a.base(r)), "participants", participantRecord(p))
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
	if err := participantSchema.check(at, false); err != nil {
		a.writeError(w, r, err)
		return
	}
	var p *inbox.Participant
	if !at.has("read") {
		// Nothing to change: answer the participant as it is.
		p, err = a.app.GetParticipant(r.Context(), id)
	} else {
		var errs fieldErrors
		read, ok := at.Bool(&errs, "read")
		if !ok && len(errs) == 0 {
			errs.add(invalid("read", inbox.MsgInvalid))
		}
		if err := errs.err(); err != nil {
			a.writeError(w, r, err)
			return
		}
		p, err = a.app.SetParticipantRead(r.Context(), id, read)
	}
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	a.writeEnvelope(w, http.StatusOK, participantTemplates(a.base(r)), "participants", []object{participantRecord(p)}, nil)
}
