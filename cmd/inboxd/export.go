package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"time"
	"unicode"

	inbox "github.com/inboxd/inbox"
)

func runExport(ctx context.Context, c *cli, args []string) error {
	fs, cfg, err := c.flags()
	if err != nil {
		return err
	}
	account := accountFlag(fs)
	out := fs.String("out", "", "file to write to (default: standard output)")
	if err := c.parse(fs, args); err != nil {
		return err
	}
	if err := needAccount(*account); err != nil {
		return err
	}
	m, err := c.open(ctx, cfg)
	if err != nil {
		return err
	}
	defer m.Close()
	var w io.Writer = c.stdout
	if *out != "" {
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		w = f
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	err = m.Admin.ExportAccount(ctx, *account, func(kind string, rec any) error {
		line := exportRecord(rec)
		line["type"] = kind
		return enc.Encode(line)
	})
	if inbox.ErrorCode(err) == inbox.ENOTFOUND {
		return fmt.Errorf("account %d not found", *account)
	} else if err != nil {
		return err
	}
	return bw.Flush()
}

// exportRecord renders a domain record as a JSON object with snake_case
// keys (AccountID → account_id), times in RFC 3339 UTC and absent values
// as null.
func exportRecord(rec any) map[string]any {
	v := reflect.Indirect(reflect.ValueOf(rec))
	out := map[string]any{}
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		out[snake(f.Name)] = exportValue(v.Field(i))
	}
	return out
}

func exportValue(v reflect.Value) any {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if t, ok := v.Interface().(time.Time); ok {
		return t.UTC().Format(time.RFC3339Nano)
	}
	return v.Interface()
}

// snake turns a Go field name into snake_case: AccountID → account_id,
// HMACVerified → hmac_verified.
func snake(name string) string {
	var b strings.Builder
	rs := []rune(name)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			prevLower := i > 0 && unicode.IsLower(rs[i-1])
			nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1]) && i > 0 && unicode.IsUpper(rs[i-1])
			if prevLower || nextLower {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
