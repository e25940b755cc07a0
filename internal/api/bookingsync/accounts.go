package bookingsync

import (
	"net/http"
	"slices"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

func (a *API) listAccounts(w http.ResponseWriter, r *http.Request) { a.accounts(w, r, false) }

func (a *API) getAccounts(w http.ResponseWriter, r *http.Request) { a.accounts(w, r, true) }

// accounts lists the accounts the token may see: in inboxd an application
// belongs to one account, so that one.
func (a *API) accounts(w http.ResponseWriter, r *http.Request, byIDs bool) {
	list(a, w, r, byIDs, listSpec[*inbox.Account]{
		scope: inbox.ScopePublic, plural: "accounts",
		fetch: func(l *app.Loader, q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Account, int, error) {
			acc, err := l.Account()
			if err != nil {
				return nil, 0, err
			}
			if (ids != nil && !slices.Contains(ids, acc.ID)) || (q.since != nil && acc.UpdatedAt.Before(*q.since)) {
				return nil, 0, nil
			}
			if pg.AfterID >= acc.ID || pg.Offset > 0 {
				return nil, 1, nil
			}
			return []*inbox.Account{acc}, 1, nil
		},
		idOf: func(acc *inbox.Account) int64 { return acc.ID },
		render: func(l *app.Loader, items []*inbox.Account) ([]object, object, error) {
			inboxScope := l.Visibility().Has(inbox.ScopeInboxRead)
			return records(items, func(acc *inbox.Account) object { return accountRecord(acc, inboxScope) }), nil, nil
		},
	})
}
