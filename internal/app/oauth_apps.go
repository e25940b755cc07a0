package app

import (
	"context"
	"strings"

	inbox "github.com/inboxd/inbox"
)

// validateRedirectURIs checks an application's registered redirect URIs
// (one a line, or separated by spaces).
func validateRedirectURIs(list string) error {
	for _, u := range strings.Fields(list) {
		if err := inbox.ValidateRedirectURI(u); err != nil {
			return err
		}
	}
	return nil
}

// UpdateApplication changes an application's name, scopes, redirect URIs
// or kind (public or confidential). Tokens already issued keep their
// scopes.
func (ad *Admin) UpdateApplication(ctx context.Context, accountID, id int64, u inbox.ApplicationUpdate) (*inbox.Application, error) {
	if u.Name != nil {
		if isBlank(*u.Name) {
			return nil, inbox.FieldError("name", inbox.MsgBlank)
		}
		name := strings.TrimSpace(*u.Name)
		u.Name = &name
	}
	if u.RedirectURI != nil {
		if err := validateRedirectURIs(*u.RedirectURI); err != nil {
			return nil, err
		}
		joined := strings.Join(strings.Fields(*u.RedirectURI), "\n")
		u.RedirectURI = &joined
	}
	if u.Scopes != nil && len(*u.Scopes) == 0 {
		return nil, inbox.FieldError("scopes", inbox.MsgBlank)
	}
	var out *inbox.Application
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) (err error) {
		out, err = tx.UpdateApplication(ctx, accountID, id, u)
		return err
	})
	return out, err
}
