package chatwoot

import (
	"net/http"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// Search (/search and /search/conversations|contacts|messages): full text
// over message content and contact names, e-mails, phone numbers and
// identifiers, best match first, 15 per page.

const searchPerPage = 15

// search serves one of the search endpoints.
func (a *API) search(kinds app.SearchKinds) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, err := readParams(r)
		var q string
		if err == nil {
			q, err = p.str("q")
		}
		var page inbox.Page
		if err == nil {
			page, _, err = pageOf(p, searchPerPage)
		}
		if err != nil {
			a.invalid(w, r, app.ConversationRef{}, err)
			return
		}
		all := kinds == app.SearchAll
		a.read(w, r, func(l *app.Loader) (any, error) {
			res, err := l.Search(q, kinds, page)
			if err != nil {
				return nil, err
			}
			var out searchPayload
			if kinds.Conversations {
				convs := make([]*searchConversation, len(res.Conversations))
				for i, h := range res.Conversations {
					convs[i] = searchConversationFrom(h, !all)
				}
				out.Payload.Conversations = &convs
			}
			if kinds.Contacts {
				contacts := make([]*searchContact, len(res.Contacts))
				for i, c := range res.Contacts {
					contacts[i] = searchContactFrom(c)
				}
				out.Payload.Contacts = &contacts
			}
			if kinds.Messages {
				msgs := make([]*searchMessage, len(res.Messages))
				for i, m := range res.Messages {
					msgs[i] = searchMessageFrom(m.MessageView, m.Inbox)
				}
				out.Payload.Messages = &msgs
			}
			return out, nil
		})
	}
}
