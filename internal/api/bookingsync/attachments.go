package bookingsync

import (
	"context"
	"encoding/base64"
	"mime"
	"net/http"
	"strings"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

var attachmentSchema = schema{
	create: []string{"name", "file", "remote_file_url"},
	update: []string{"name", "file", "remote_file_url"},
	readOnly: []string{"url", "file_size", "file_content_type", "image_width", "image_height",
		"messages", "account"},
}

func (a *API) listAttachments(w http.ResponseWriter, r *http.Request) { a.attachments(w, r, false) }

func (a *API) getAttachments(w http.ResponseWriter, r *http.Request) { a.attachments(w, r, true) }

func (a *API) attachments(w http.ResponseWriter, r *http.Request, byIDs bool) {
	list(a, w, r, byIDs, a.attachmentSpec(r))
}

// attachmentSpec describes the GET of attachments, also the stored record a write compares
// read-only attributes with.
func (a *API) attachmentSpec(r *http.Request) listSpec[*inbox.Attachment] {
	return listSpec[*inbox.Attachment]{
		scope: inbox.ScopeInboxRead, plural: "attachments",
		fetch: func(l *app.Loader, q listQuery, ids []int64, pg inbox.Page) ([]*inbox.Attachment, int, error) {
			return l.Attachments(inbox.AttachmentFilter{IDs: ids, UpdatedSince: q.since, Page: pg})
		},
		idOf: func(at *inbox.Attachment) int64 { return at.ID },
		render: func(l *app.Loader, items []*inbox.Attachment) ([]object, object, error) {
			base := a.base(r)
			return records(items, func(at *inbox.Attachment) object { return attachmentRecord(base, at) }),
				templates(base, "attachments", attachmentRels...), nil
		},
	}
}

// decodeFile reads the file attribute: Base64, either as a data URI
// (data:<mime>;base64,<data>) or raw and possibly line-wrapped (what the ruby
// client sends). The decoded size is bounded by inbox.MaxAttachmentSize.
func decodeFile(s string) (data []byte, contentType string, err error) {
	s = strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(s, "data:"); ok {
		meta, payload, found := strings.Cut(rest, ",")
		if !found || !strings.HasSuffix(meta, ";base64") {
			return nil, "", invalid("file", "is not a Base64 data URI")
		}
		contentType = strings.TrimSuffix(meta, ";base64")
		if contentType != "" {
			if mt, _, err := mime.ParseMediaType(contentType); err == nil {
				contentType = mt
			} else {
				contentType = ""
			}
		}
		s = payload
	}
	s = strings.Map(func(r rune) rune {
		switch r {
		case '\n', '\r':
			return -1
		}
		return r
	}, s)
	if base64.StdEncoding.DecodedLen(len(s)) > inbox.MaxAttachmentSize+3 {
		return nil, "", invalid("file", "is too large (maximum is 10 MB)")
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if data, err = enc.DecodeString(s); err == nil {
			break
		}
	}
	if err != nil {
		return nil, "", invalid("file", "is not valid Base64")
	}
	if len(data) == 0 {
		return nil, "", invalid("file", inbox.MsgBlank)
	}
	if len(data) > inbox.MaxAttachmentSize {
		return nil, "", invalid("file", "is too large (maximum is 10 MB)")
	}
	return data, contentType, nil
}

// upload reads file / remote_file_url; nil when neither was sent.
func upload(at attrs, errs *fieldErrors, name string) *inbox.FileUpload {
	file, hasFile := at.String(errs, "file")
	remote, hasRemote := at.String(errs, "remote_file_url")
	switch {
	case hasFile && hasRemote:
		errs.add(invalid("file", "can't be given together with remote_file_url"))
		return nil
	case hasRemote:
		if strings.TrimSpace(remote) == "" {
			errs.add(invalid("remote_file_url", inbox.MsgBlank))
			return nil
		}
		return &inbox.FileUpload{Name: name, RemoteURL: strings.TrimSpace(remote)}
	case hasFile:
		data, ctype, err := decodeFile(file)
		if err != nil {
			errs.add(err)
			return nil
		}
		return &inbox.FileUpload{Name: name, ContentType: ctype, Data: data}
	}
	return nil
}

func (a *API) createAttachment(w http.ResponseWriter, r *http.Request) {
	at, err := readRecord(r, "attachments")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	if err := attachmentSchema.check(at, true); err != nil {
		a.writeError(w, r, err)
		return
	}
	var errs fieldErrors
	name, _ := at.String(&errs, "name")
	f := upload(at, &errs, name)
	if f == nil && len(errs) == 0 {
		errs.add(invalid("file", inbox.MsgBlank))
	}
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.Attachment, error) {
		return a.app.CreateAttachment(ctx, *f)
	}, recordResponse(a, r, true, "/inbox/attachments", "attachments", templates(a.base(r), "attachments", attachmentRels...),
		func(at *inbox.Attachment) int64 { return at.ID }, func(at *inbox.Attachment) object { return attachmentRecord(a.base(r), at) }))
}

func (a *API) updateAttachment(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok {
		a.notFound(w, r)
		return
	}
	at, err := readRecord(r, "attachments")
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	ro, err := attachmentSchema.checkUpdate(at)
	if err != nil {
		a.writeError(w, r, err)
		return
	}
	r = guardReadOnly(r, a.attachmentSpec(r), id, ro)
	var errs fieldErrors
	var name *string
	if at.has("name") {
		s, _ := at.String(&errs, "name")
		name = &s
	}
	var n string
	if name != nil {
		n = *name
	}
	f := upload(at, &errs, n)
	if err := errs.err(); err != nil {
		a.writeError(w, r, err)
		return
	}
	reply(a, w, r, func(ctx context.Context) (*inbox.Attachment, error) {
		return a.app.UpdateAttachment(ctx, id, name, f)
	}, recordResponse(a, r, false, "/inbox/attachments", "attachments", templates(a.base(r), "attachments", attachmentRels...),
		func(at *inbox.Attachment) int64 { return at.ID }, func(at *inbox.Attachment) object { return attachmentRecord(a.base(r), at) }))
}
