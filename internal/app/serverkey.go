package app

import (
	"context"
	"errors"
	"fmt"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/auth"
	"github.com/inboxd/inbox/internal/secret"
)

// settingKeyFingerprint names the setting that records the fingerprint of
// the server key the database's sealed secrets were made with.
const settingKeyFingerprint = "server_key_fingerprint"

// KeyMismatchError is CheckServerKey's answer when the server key is not the
// one the database was first used with.
type KeyMismatchError struct {
	Current  string // fingerprint of this process's key
	Recorded string // fingerprint recorded in the database
}

func (e *KeyMismatchError) Error() string {
	return fmt.Sprintf("the server key (fingerprint %s) is not the key this database's secrets are sealed with (fingerprint %s)",
		e.Current, e.Recorded)
}

// CheckServerKey records the server key's fingerprint the first time a
// database is used, and afterwards returns *KeyMismatchError for any other
// key: a node with the wrong key must not start and then fail on every
// sealed secret.
func (ad *Admin) CheckServerKey(ctx context.Context) error {
	current := ad.app.secret.Fingerprint()
	recorded, err := ad.recordedFingerprint(ctx)
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		err = ad.app.store.Update(ctx, func(tx inbox.Tx) error {
			return tx.CreateSetting(ctx, settingKeyFingerprint, current)
		})
		if inbox.ErrorCode(err) != inbox.ECONFLICT {
			return err
		}
		// Another node recorded its key first: compare with that one.
		recorded, err = ad.recordedFingerprint(ctx)
	}
	if err != nil {
		return err
	}
	if recorded != current {
		return &KeyMismatchError{Current: current, Recorded: recorded}
	}
	return nil
}

func (ad *Admin) recordedFingerprint(ctx context.Context) (string, error) {
	var fp string
	err := ad.app.store.View(ctx, func(tx inbox.Tx) (err error) {
		fp, err = tx.FindSetting(ctx, settingKeyFingerprint)
		return err
	})
	return fp, err
}

// ServerKeyFingerprints returns the fingerprint of this process's key and
// the one recorded in the database ("" when none is yet).
func (ad *Admin) ServerKeyFingerprints(ctx context.Context) (current, recorded string, err error) {
	recorded, err = ad.recordedFingerprint(ctx)
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		err = nil
	}
	return ad.app.secret.Fingerprint(), recorded, err
}

// AdoptServerKey makes this process's key the database's key, for when the
// old key is lost. Secrets sealed under the old key stay unreadable (they
// answer errNoClientSecret until rotated); it returns the fingerprint it
// replaced ("" when none was recorded).
func (ad *Admin) AdoptServerKey(ctx context.Context) (previous string, err error) {
	current := ad.app.secret.Fingerprint()
	err = ad.app.store.Update(ctx, func(tx inbox.Tx) error {
		previous, err = tx.FindSetting(ctx, settingKeyFingerprint)
		if inbox.ErrorCode(err) == inbox.ENOTFOUND {
			previous = ""
			return tx.CreateSetting(ctx, settingKeyFingerprint, current)
		} else if err != nil {
			return err
		}
		return tx.UpdateSetting(ctx, settingKeyFingerprint, current)
	})
	return previous, err
}

// clientSecretPurpose binds a sealed client secret to its application, so a
// sealed value copied onto another application does not open there.
func clientSecretPurpose(clientID string) string { return "application client secret " + clientID }

// newClientSecret makes a client secret and sets the application's hash and
// sealed copy of it.
func (a *App) newClientSecret(app *inbox.Application) string {
	secret, hash := auth.NewSecret()
	app.SecretHash = hash
	app.SecretSealed = a.secret.Seal([]byte(secret), clientSecretPurpose(app.ClientID))
	return secret
}

// ErrNoClientSecret is returned by ClientSecret when an application's secret
// cannot be recovered: it was created before inboxd kept a sealed copy, or
// sealed under a server key that is no longer in use.
var ErrNoClientSecret = errors.New("the application's client secret cannot be recovered: give it a new one with \"inboxd apps rotate-secret\"")

// ClientSecret returns an application's client secret in clear, for signing
// what is sent on its behalf (its BookingSync webhooks). It fails with
// ErrNoClientSecret when only the hash is kept.
func (a *App) ClientSecret(app *inbox.Application) (string, error) {
	if len(app.SecretSealed) == 0 {
		return "", ErrNoClientSecret
	}
	b, err := a.secret.Open(app.SecretSealed, clientSecretPurpose(app.ClientID))
	if errors.Is(err, secret.ErrOpen) {
		return "", ErrNoClientSecret
	} else if err != nil {
		return "", err
	}
	return string(b), nil
}

// RotateApplicationSecret gives an application a new client secret, returned
// in clear once. The old secret stops authenticating at once; tokens already
// issued keep working.
func (ad *Admin) RotateApplicationSecret(ctx context.Context, accountID, id int64) (*inbox.Application, string, error) {
	var app *inbox.Application
	var secret string
	err := ad.app.store.Update(ctx, func(tx inbox.Tx) (err error) {
		if app, err = tx.FindApplicationByID(ctx, accountID, id); err != nil {
			return err
		}
		secret = ad.app.newClientSecret(app)
		app.UpdatedAt = tx.Now()
		return tx.SetApplicationSecret(ctx, accountID, id, app.SecretHash, app.SecretSealed)
	})
	if err != nil {
		return nil, "", err
	}
	return app, secret, nil
}
