package sqlstore

import (
	"context"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

const applicationCols = `uuid, name, slug, group_name, meta_launch_url, meta_icon, meta_description, meta_publisher,
	open_in_new_tab, policy_engine_mode, provider`

func scanApplication(s scanner) (store.Application, error) {
	var a store.Application
	err := s.Scan(&a.UUID, &a.Name, &a.Slug, &a.Group, &a.MetaLaunchURL, &a.MetaIcon, &a.MetaDescription,
		&a.MetaPublisher, &a.OpenInNewTab, &a.PolicyEngineMode, &a.Provider)
	return a, err
}

func (c *conn) CreateApplication(ctx context.Context, a *store.Application) error {
	ensureUUID(&a.UUID)
	if a.PolicyEngineMode == "" {
		a.PolicyEngineMode = "any"
	}
	_, err := c.exec(ctx, "INSERT INTO applications ("+applicationCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		a.UUID, a.Name, a.Slug, a.Group, a.MetaLaunchURL, a.MetaIcon, a.MetaDescription, a.MetaPublisher,
		a.OpenInNewTab, a.PolicyEngineMode, a.Provider)
	return c.wrap("insert application", err)
}

func (c *conn) GetApplication(ctx context.Context, uuid string) (store.Application, error) {
	a, err := scanApplication(c.queryRow(ctx, "SELECT "+applicationCols+" FROM applications WHERE uuid = ?", strings.ToLower(uuid)))
	return a, c.wrap("get application", err)
}

func (c *conn) GetApplicationBySlug(ctx context.Context, slug string) (store.Application, error) {
	a, err := scanApplication(c.queryRow(ctx, "SELECT "+applicationCols+" FROM applications WHERE slug = ?", slug))
	return a, c.wrap("get application", err)
}

func (c *conn) ListApplications(ctx context.Context) ([]store.Application, error) {
	rows, err := c.query(ctx, "SELECT "+applicationCols+" FROM applications ORDER BY name, slug")
	if err != nil {
		return nil, c.wrap("list applications", err)
	}
	out, err := collect(rows, scanApplication)
	return out, c.wrap("list applications", err)
}

func (c *conn) UpdateApplication(ctx context.Context, a *store.Application) error {
	if a.PolicyEngineMode == "" {
		a.PolicyEngineMode = "any"
	}
	return c.execOne(ctx, "update application", `UPDATE applications SET name = ?, slug = ?, group_name = ?,
		meta_launch_url = ?, meta_icon = ?, meta_description = ?, meta_publisher = ?, open_in_new_tab = ?,
		policy_engine_mode = ?, provider = ? WHERE uuid = ?`, a.Name, a.Slug, a.Group, a.MetaLaunchURL, a.MetaIcon,
		a.MetaDescription, a.MetaPublisher, a.OpenInNewTab, a.PolicyEngineMode, a.Provider, strings.ToLower(a.UUID))
}

// DeleteApplication removes the application and the policy bindings on
// it; brands defaulting to it are unset by the schema.
func (c *conn) DeleteApplication(ctx context.Context, uuid string) error {
	uuid = strings.ToLower(uuid)
	return c.inTx(ctx, func(c *conn) error {
		if _, err := c.exec(ctx, "DELETE FROM policy_bindings WHERE target = ?", uuid); err != nil {
			return c.wrap("delete application: policy bindings", err)
		}
		return c.execOne(ctx, "delete application", "DELETE FROM applications WHERE uuid = ?", uuid)
	})
}
