package app

import (
	"bytes"
	"context"
	"image"
	_ "image/gif"  // image dimensions of GIF attachments
	_ "image/jpeg" // image dimensions of JPEG attachments
	_ "image/png"  // image dimensions of PNG attachments
	"mime"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	inbox "github.com/inboxd/inbox"
)

// putFiles stores upload bytes (fetching remote ones) and returns their keys.
func (a *App) putFiles(ctx context.Context, files []inbox.FileUpload) ([]string, error) {
	keys := make([]string, len(files))
	for i := range files {
		if err := a.loadUpload(ctx, &files[i]); err != nil {
			return nil, err
		}
		key, err := a.files.Put(ctx, files[i].Data)
		if err != nil {
			return nil, err
		}
		keys[i] = key
	}
	return keys, nil
}

// loadUpload fetches a remote upload and fills in its content type.
func (a *App) loadUpload(ctx context.Context, f *inbox.FileUpload) error {
	if f.RemoteURL != "" {
		if a.fetcher == nil {
			return inbox.FieldError("remote_file_url", "remote files are not enabled")
		}
		data, ctype, err := a.fetcher.Fetch(ctx, f.RemoteURL, inbox.MaxAttachmentSize)
		if err != nil {
			return err
		}
		f.Data = data
		if f.ContentType == "" {
			f.ContentType = ctype
		}
		if f.Name == "" {
			f.Name = path.Base(strings.SplitN(f.RemoteURL, "?", 2)[0])
		}
	}
	if len(f.Data) > inbox.MaxAttachmentSize {
		return inbox.FieldError("file", "is too large (maximum is 10 MB)")
	}
	f.Name = cleanFileName(f.Name)
	// A client's content type is kept only when it is one (a multipart
	// header can hold any byte); otherwise it is detected.
	if mt, _, err := mime.ParseMediaType(f.ContentType); err == nil {
		f.ContentType = mt
	} else {
		f.ContentType = ""
	}
	if f.ContentType == "" || f.ContentType == "application/octet-stream" {
		if t := mime.TypeByExtension(path.Ext(f.Name)); t != "" {
			f.ContentType = t
		} else {
			f.ContentType = http.DetectContentType(f.Data)
		}
	}
	if i := strings.IndexByte(f.ContentType, ';'); i >= 0 {
		f.ContentType = strings.TrimSpace(f.ContentType[:i])
	}
	return nil
}

// cleanFileName keeps only the last path element, drops control characters
// and bytes that are not UTF-8, and keeps at most 255 bytes of whole
// characters, so a name can never point outside the file store or into
// another directory when downloaded, and every engine stores it.
func cleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Base("/" + name)
	if name == "/" || name == "." || name == ".." {
		return ""
	}
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) { // C0, DEL and C1 (U+009B is a terminal's CSI)
			return -1
		}
		return r
	}, name)
	if len(name) > 255 {
		cut := 255
		for cut > 0 && !utf8.RuneStart(name[cut]) {
			cut--
		}
		name = name[:cut]
	}
	return name
}

// newAttachment builds attachment metadata for stored bytes.
func newAttachment(accountID int64, f inbox.FileUpload, key string) (*inbox.Attachment, error) {
	att := &inbox.Attachment{AccountID: accountID, Name: f.Name, FileKey: key, FileSize: int64(len(f.Data)),
		ContentType: f.ContentType}
	if strings.HasPrefix(f.ContentType, "image/") {
		if cfg, _, err := image.DecodeConfig(bytes.NewReader(f.Data)); err == nil {
			att.ImageWidth, att.ImageHeight = ptr(cfg.Width), ptr(cfg.Height)
		}
	}
	return att, nil
}

// CreateAttachment stores a file (given inline or by remote URL).
func (a *App) CreateAttachment(ctx context.Context, f inbox.FileUpload) (*inbox.Attachment, error) {
	p, err := require(ctx, inbox.ScopeInboxWrite)
	if err != nil {
		return nil, err
	}
	if f.RemoteURL == "" && len(f.Data) == 0 {
		return nil, inbox.FieldError("file", inbox.MsgBlank)
	}
	files := []inbox.FileUpload{f}
	keys, err := a.putFiles(ctx, files)
	if err != nil {
		return nil, err
	}
	base, err := newAttachment(p.AccountID, files[0], keys[0])
	if err != nil {
		return nil, err
	}
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*inbox.Attachment, error) {
		att := *base // the store may run this function again
		if err := l.tx.CreateAttachment(l.ctx, &att); err != nil {
			return nil, err
		}
		return &att, emit(l.ctx, l.tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventAttachmentCreated, SubjectID: att.ID})
	})
}

// UpdateAttachment renames an attachment and/or replaces its content.
func (a *App) UpdateAttachment(ctx context.Context, id int64, name *string, f *inbox.FileUpload) (*inbox.Attachment, error) {
	p, err := require(ctx, inbox.ScopeInboxWrite)
	if err != nil {
		return nil, err
	}
	u := inbox.AttachmentUpdate{}
	if name != nil {
		u.Name = ptr(cleanFileName(*name))
	}
	if f != nil {
		files := []inbox.FileUpload{*f}
		keys, err := a.putFiles(ctx, files)
		if err != nil {
			return nil, err
		}
		att, _ := newAttachment(p.AccountID, files[0], keys[0])
		u.FileKey, u.FileSize, u.ContentType = &att.FileKey, &att.FileSize, &att.ContentType
		u.ImageWidth, u.ImageHeight = &att.ImageWidth, &att.ImageHeight
		if name == nil && files[0].Name != "" {
			u.Name = &att.Name
		}
	}
	return updateAs(ctx, a, inbox.ScopeInboxWrite, func(l *Loader, p *inbox.Principal) (*inbox.Attachment, error) {
		att, err := l.tx.UpdateAttachment(l.ctx, p.AccountID, id, u)
		if err != nil {
			return nil, err
		}
		return att, emit(l.ctx, l.tx, p, inbox.Event{AccountID: p.AccountID, Type: inbox.EventAttachmentUpdated, SubjectID: att.ID})
	})
}
