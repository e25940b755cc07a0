package app

import (
	"context"
	"io"

	inbox "github.com/inboxd/inbox"
)

// exportPage is how many records an export reads per query.
const exportPage = 500

// ExportAccount hands every contact, conversation and message of an
// account to emit, in that order and by ascending id, read in one
// transaction so the export is one consistent picture: what a tenant who
// leaves takes along, or what a data subject's request returns. Messages
// include internal notes and activity lines; attachments are named by id
// (their files are downloaded through their links).
func (ad *Admin) ExportAccount(ctx context.Context, accountID int64, emit func(kind string, record any) error) error {
	return ad.app.store.View(ctx, func(tx inbox.Tx) error {
		acc, err := tx.FindAccountByID(ctx, accountID)
		if err != nil {
			return err
		}
		if err := emit("account", acc); err != nil {
			return err
		}
		if err := exportAll(func(after int64) ([]*inbox.Client, error) {
			cs, _, err := tx.FindClients(ctx, accountID, inbox.ClientFilter{Page: keyset(after)})
			return cs, err
		}, func(c *inbox.Client) int64 { return c.ID }, func(c *inbox.Client) error { return emit("contact", c) }); err != nil {
			return err
		}
		return exportAll(func(after int64) ([]*inbox.Conversation, error) {
			cs, _, err := tx.FindConversations(ctx, accountID, inbox.ConversationFilter{Page: keyset(after)})
			return cs, err
		}, func(c *inbox.Conversation) int64 { return c.ID }, func(c *inbox.Conversation) error {
			if err := emit("conversation", c); err != nil {
				return err
			}
			return exportAll(func(after int64) ([]*inbox.Message, error) {
				ms, _, err := tx.FindMessages(ctx, accountID, inbox.MessageFilter{ConversationID: &c.ID, AfterID: after,
					Page: inbox.Page{Limit: exportPage, SkipTotal: true}})
				return ms, err
			}, func(m *inbox.Message) int64 { return m.ID }, func(m *inbox.Message) error { return emit("message", m) })
		})
	})
}

func keyset(after int64) inbox.Page {
	return inbox.Page{AfterID: after, Limit: exportPage, SkipTotal: true}
}

// exportAll pages through a listing by id, handing each record to fn.
func exportAll[T any](page func(after int64) ([]T, error), id func(T) int64, fn func(T) error) error {
	var after int64
	for {
		recs, err := page(after)
		if err != nil {
			return err
		}
		for _, r := range recs {
			if err := fn(r); err != nil {
				return err
			}
			after = id(r)
		}
		if len(recs) < exportPage {
			return nil
		}
	}
}

// FileKeys lists the stored content of every attachment (deleted ones
// included), in every account: what a backup copies.
func (ad *Admin) FileKeys(ctx context.Context) ([]string, error) {
	var keys []string
	err := ad.app.store.View(ctx, func(tx inbox.Tx) (err error) {
		keys, err = tx.FindFileKeys(ctx)
		return err
	})
	return keys, err
}

// OpenFile opens stored content by key (for backups).
func (ad *Admin) OpenFile(ctx context.Context, key string) (io.ReadSeekCloser, error) {
	return ad.app.files.Open(ctx, key)
}

// PutFile stores content and returns its key (for restores).
func (ad *Admin) PutFile(ctx context.Context, data []byte) (string, error) {
	return ad.app.files.Put(ctx, data)
}
