package app

import (
	"context"

	inbox "github.com/inboxd/inbox"
)

// The methods in this file serve the admin CLI's list, show and delete
// commands: like those of admin.go they act on an explicit account.

// FindApplication returns one application of an account.
func (ad *Admin) FindApplication(ctx context.Context, accountID, id int64) (*inbox.Application, error) {
	var app *inbox.Application
	err := ad.app.store.View(ctx, func(tx inbox.Tx) (err error) {
		app, err = tx.FindApplicationByID(ctx, accountID, id)
		return err
	})
	return app, err
}
