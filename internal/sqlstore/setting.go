package sqlstore

import (
	"context"
)

// FindSetting returns a deployment-wide setting.
func (tx *Tx) FindSetting(ctx context.Context, name string) (string, error) {
	var v string
	err := tx.queryRow(ctx, `SELECT value FROM settings WHERE name = ?`, name).Scan(&v)
	return v, notFound(err, "Setting")
}

// CreateSetting stores a setting that is not set yet.
func (tx *Tx) CreateSetting(ctx context.Context, name, value string) error {
	_, err := tx.exec(ctx, `INSERT INTO settings (name, value) VALUES (?, ?)`, name, value)
	return normalize(err)
}

// UpdateSetting replaces a setting's value.
func (tx *Tx) UpdateSetting(ctx context.Context, name, value string) error {
	res, err := tx.exec(ctx, `UPDATE settings SET value = ? WHERE name = ?`, value, name)
	return affected(res, err, "Setting")
}
