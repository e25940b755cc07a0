package bookingsync

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"time"

	inbox "github.com/inboxd/inbox"
	"github.com/inboxd/inbox/internal/app"
)

// A client may send back a record it read: the read-only attributes it
// carries are ignored when they equal what the record shows now, and a
// changed one is a 422 on that attribute (design.md, strict writes). The
// comparison is made on the wire values, inside the write's transaction
// (app.WithPrecondition), against the record as the resource's GET renders
// it.

// checkUpdate is check for an update, except that the read-only attributes
// sent are taken out of at and returned, to be compared with the stored
// record by guardReadOnly.
func (s schema) checkUpdate(at attrs) (attrs, error) {
	ro := attrs{}
	for k, v := range at {
		if slices.Contains(s.readOnly, k) {
			ro[k] = v
			delete(at, k)
		}
	}
	return ro, s.check(at, false)
}

// storedRecord renders the record of a listing with this id, nil when
// there is none (the write then answers its own not found).
func (s listSpec[T]) storedRecord(l *app.Loader, id int64) (object, error) {
	items, _, err := s.fetch(l, listQuery{}, []int64{id}, inbox.Page{Limit: 1, SkipTotal: true})
	if err != nil || len(items) == 0 {
		return nil, err
	}
	recs, _, err := s.render(l, items)
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	return recs[0], nil
}

// guardReadOnly returns r for a write whose read-only attributes ro must
// equal the stored record's.
func guardReadOnly[T any](r *http.Request, spec listSpec[T], id int64, ro attrs) *http.Request {
	if len(ro) == 0 {
		return r
	}
	return r.WithContext(app.WithPrecondition(r.Context(), func(l *app.Loader) error {
		rec, err := spec.storedRecord(l, id)
		if err != nil || rec == nil {
			return err
		}
		var errs fieldErrors
		for _, name := range sortedNames(ro) {
			stored, _ := rec.get(name)
			if !sameValue(ro[name], stored) {
				errs = append(errs, inbox.FieldError(name, msgReadOnly))
			}
		}
		return errs.err()
	}))
}

func sortedNames(at attrs) []string {
	names := make([]string, 0, len(at))
	for k := range at {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// sameValue reports whether a sent value is the stored one: equal JSON, or
// two times at the same instant to the second (a client may send back
// 2018-12-20T14:25:57.000Z or +00:00 for 2018-12-20T14:25:57Z).
func sameValue(sent json.RawMessage, stored any) bool {
	b, err := json.Marshal(stored)
	if err != nil {
		return false
	}
	var x, y any
	dx, dy := json.NewDecoder(bytes.NewReader(sent)), json.NewDecoder(bytes.NewReader(b))
	dx.UseNumber()
	dy.UseNumber()
	if dx.Decode(&x) != nil || dy.Decode(&y) != nil {
		return false
	}
	if sx, ok := x.(string); ok {
		if sy, ok := y.(string); ok {
			tx, errx := time.Parse(time.RFC3339Nano, sx)
			ty, erry := time.Parse(time.RFC3339Nano, sy)
			if errx == nil && erry == nil {
				return tx.Truncate(time.Second).Equal(ty.Truncate(time.Second))
			}
		}
	}
	if nx, ok := x.(json.Number); ok {
		if ny, ok := y.(json.Number); ok {
			fx, _ := nx.Float64()
			fy, _ := ny.Float64()
			return fx == fy
		}
	}
	return reflect.DeepEqual(x, y)
}
