package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

const brandCols = `uuid, domain, is_default, branding_title, branding_logo, branding_favicon, flow_authentication,
	flow_invalidation, flow_recovery, flow_unenrollment, flow_user_settings, default_application, attributes`

func scanBrand(s scanner) (store.Brand, error) {
	var b store.Brand
	var auth, inval, rec, unenr, settings, app sql.NullString
	err := s.Scan(&b.UUID, &b.Domain, &b.Default, &b.BrandingTitle, &b.BrandingLogo, &b.BrandingFavicon,
		&auth, &inval, &rec, &unenr, &settings, &app, jsonCol{&b.Attributes})
	b.FlowAuthentication, b.FlowInvalidation, b.FlowRecovery = nullStr(auth), nullStr(inval), nullStr(rec)
	b.FlowUnenrollment, b.FlowUserSettings, b.DefaultApplication = nullStr(unenr), nullStr(settings), nullStr(app)
	b.Attributes = obj(b.Attributes)
	return b, err
}

func brandArgs(b *store.Brand) ([]any, error) {
	attrs, err := jsonObject(b.Attributes)
	if err != nil {
		return nil, fmt.Errorf("attributes: %w", err)
	}
	return []any{b.Domain, b.Default, b.BrandingTitle, b.BrandingLogo, b.BrandingFavicon,
		lowerPtr(b.FlowAuthentication), lowerPtr(b.FlowInvalidation), lowerPtr(b.FlowRecovery),
		lowerPtr(b.FlowUnenrollment), lowerPtr(b.FlowUserSettings), lowerPtr(b.DefaultApplication), attrs}, nil
}

// CreateBrand stores b; its flow and application references are foreign
// keys that deleting the flow or application sets to null.
func (c *conn) CreateBrand(ctx context.Context, b *store.Brand) error {
	ensureUUID(&b.UUID)
	args, err := brandArgs(b)
	if err != nil {
		return fmt.Errorf("store: insert brand: %w", err)
	}
	_, err = c.exec(ctx, "INSERT INTO brands ("+brandCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		append([]any{b.UUID}, args...)...)
	return c.wrap("insert brand", err)
}

func (c *conn) GetBrand(ctx context.Context, uuid string) (store.Brand, error) {
	b, err := scanBrand(c.queryRow(ctx, "SELECT "+brandCols+" FROM brands WHERE uuid = ?", strings.ToLower(uuid)))
	return b, c.wrap("get brand", err)
}

func (c *conn) ListBrands(ctx context.Context) ([]store.Brand, error) {
	rows, err := c.query(ctx, "SELECT "+brandCols+" FROM brands ORDER BY domain, uuid")
	if err != nil {
		return nil, c.wrap("list brands", err)
	}
	out, err := collect(rows, scanBrand)
	return out, c.wrap("list brands", err)
}

func (c *conn) UpdateBrand(ctx context.Context, b *store.Brand) error {
	args, err := brandArgs(b)
	if err != nil {
		return fmt.Errorf("store: update brand: %w", err)
	}
	return c.execOne(ctx, "update brand", `UPDATE brands SET domain = ?, is_default = ?, branding_title = ?,
		branding_logo = ?, branding_favicon = ?, flow_authentication = ?, flow_invalidation = ?, flow_recovery = ?,
		flow_unenrollment = ?, flow_user_settings = ?, default_application = ?, attributes = ? WHERE uuid = ?`,
		append(args, strings.ToLower(b.UUID))...)
}

func (c *conn) DeleteBrand(ctx context.Context, uuid string) error {
	return c.execOne(ctx, "delete brand", "DELETE FROM brands WHERE uuid = ?", strings.ToLower(uuid))
}
