package app

import (
	"context"
	"io"
	"strconv"
	"strings"
	"time"

	inbox "github.com/inboxd/inbox"
)

// Download links.
//
// An attachment's URL carries a token signed with the server key (HMAC over
// the account, the attachment id, its stored content's key and an expiry),
// never anything derived from the content alone: a URL built from the
// content's hash let anyone fetch a low-entropy file (a door code) by
// trying hashes. Every read of an attachment signs a fresh token, so a
// client that re-reads a message gets a working link; one that stores links
// can use them for FileLinkTTL. Expiries are rounded up to a whole day, so a
// link read twice in a day is the same URL (caches and idempotent replays
// see equal bodies). Replacing an attachment's content or deleting it ends
// its links at once: the token names the content, and deleted attachments
// are never found.

// DefaultFileLinkTTL is how long a download link works, at least.
const DefaultFileLinkTTL = 30 * 24 * time.Hour

// ErrLinkExpired is OpenAttachmentFile's answer to a link that was genuine
// but has expired: the client should read the attachment again for a new one.
var ErrLinkExpired = inbox.Errorf(inbox.EFORBIDDEN, "This link has expired; read the attachment again for a new one.")

const linkPurpose = "attachment download"

// linkToken is "<expiry in Unix seconds>.<signature>".
func (a *App) linkToken(att *inbox.Attachment, expires int64) string {
	exp := strconv.FormatInt(expires, 10)
	return exp + "." + a.secret.Token(linkPurpose, strconv.FormatInt(att.AccountID, 10), strconv.FormatInt(att.ID, 10),
		att.FileKey, exp)
}

// signLink sets att.URLToken to a token valid for at least FileLinkTTL.
func (a *App) signLink(att *inbox.Attachment) {
	if att == nil {
		return
	}
	const day = 24 * time.Hour
	expires := time.Now().Add(a.fileLinkTTL + day - 1).Truncate(day)
	att.URLToken = a.linkToken(att, expires.Unix())
}

// checkLink verifies a token for an attachment at time now.
func (a *App) checkLink(att *inbox.Attachment, token string, now time.Time) error {
	exp, _, ok := strings.Cut(token, ".")
	expires, err := strconv.ParseInt(exp, 10, 64)
	if !ok || err != nil || !a.secret.Verify(strings.TrimPrefix(token, exp+"."), linkPurpose,
		strconv.FormatInt(att.AccountID, 10), strconv.FormatInt(att.ID, 10), att.FileKey, exp) {
		return inbox.NotFound("Attachment")
	}
	if now.Unix() >= expires {
		return ErrLinkExpired
	}
	return nil
}

// AttachmentFile is an attachment's content being downloaded.
type AttachmentFile struct {
	Attachment *inbox.Attachment
	// Content streams the bytes; Seek lets a server answer range requests.
	// The caller closes it.
	Content io.ReadSeekCloser
	// Expires is when the link used expires.
	Expires time.Time
}

// OpenAttachmentFile opens the content behind a download link: an
// attachment of the account, not deleted, and a token signed for it that
// has not expired. Anything else is ENOTFOUND (an expired genuine link is
// ErrLinkExpired), so a link reveals nothing about what it does not open.
func (a *App) OpenAttachmentFile(ctx context.Context, accountID, id int64, token string) (*AttachmentFile, error) {
	var att *inbox.Attachment
	err := a.store.View(ctx, func(tx inbox.Tx) (err error) {
		att, err = tx.FindAttachmentByID(ctx, accountID, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := a.checkLink(att, token, time.Now()); err != nil {
		return nil, err
	}
	r, err := a.files.Open(ctx, att.FileKey)
	if err != nil {
		return nil, err
	}
	exp, _, _ := strings.Cut(token, ".")
	sec, _ := strconv.ParseInt(exp, 10, 64)
	return &AttachmentFile{Attachment: att, Content: r, Expires: time.Unix(sec, 0)}, nil
}

// linkingStore signs a download link on every attachment the application
// reads or writes through the store, whichever use case or read model it
// serves, so that no path hands out an attachment without one.
type linkingStore struct {
	inbox.Store
	app *App
}

func (s linkingStore) Update(ctx context.Context, fn func(inbox.Tx) error) error {
	return s.Store.Update(ctx, func(tx inbox.Tx) error { return fn(linkingTx{tx, s.app}) })
}

func (s linkingStore) View(ctx context.Context, fn func(inbox.Tx) error) error {
	return s.Store.View(ctx, func(tx inbox.Tx) error { return fn(linkingTx{tx, s.app}) })
}

// linkingTx is a transaction whose attachments come back signed.
type linkingTx struct {
	inbox.Tx
	app *App
}

func (tx linkingTx) CreateAttachment(ctx context.Context, att *inbox.Attachment) error {
	if err := tx.Tx.CreateAttachment(ctx, att); err != nil {
		return err
	}
	tx.app.signLink(att)
	return nil
}

func (tx linkingTx) FindAttachmentByID(ctx context.Context, accountID, id int64) (*inbox.Attachment, error) {
	att, err := tx.Tx.FindAttachmentByID(ctx, accountID, id)
	tx.app.signLink(att)
	return att, err
}

func (tx linkingTx) FindAttachments(ctx context.Context, accountID int64, f inbox.AttachmentFilter) ([]*inbox.Attachment, int, error) {
	atts, n, err := tx.Tx.FindAttachments(ctx, accountID, f)
	for _, att := range atts {
		tx.app.signLink(att)
	}
	return atts, n, err
}

func (tx linkingTx) UpdateAttachment(ctx context.Context, accountID, id int64, u inbox.AttachmentUpdate) (*inbox.Attachment, error) {
	att, err := tx.Tx.UpdateAttachment(ctx, accountID, id, u)
	tx.app.signLink(att)
	return att, err
}
