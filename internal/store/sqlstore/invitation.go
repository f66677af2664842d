package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/store"
)

const invitationCols = `invite_uuid, name, expires, expiring, flow, max_uses, uses, fixed_data, created_by, email,
	revoked_at, created`

func scanInvitation(s scanner) (store.Invitation, error) {
	var i store.Invitation
	var expires, revoked, created timeCol
	var flow sql.NullString
	var maxUses sql.NullInt64
	err := s.Scan(&i.UUID, &i.Name, &expires, &i.Expiring, &flow, &maxUses, &i.Uses, jsonCol{&i.FixedData},
		&i.CreatedBy, &i.Email, &revoked, &created)
	i.Expires, i.RevokedAt, i.Created = expires.ptr(), revoked.ptr(), created.T
	i.Flow, i.MaxUses = nullStr(flow), nullInt(maxUses)
	i.FixedData = obj(i.FixedData)
	return i, err
}

// CreateInvitation stores i with Uses 0. Expiring is stored as given
// (authentik's default is true; the caller sets it).
func (c *conn) CreateInvitation(ctx context.Context, i *store.Invitation) error {
	ensureUUID(&i.UUID)
	if i.Created.IsZero() {
		i.Created = now()
	}
	i.Uses = 0
	fixed, err := jsonObject(i.FixedData)
	if err != nil {
		return fmt.Errorf("store: insert invitation: fixed_data: %w", err)
	}
	_, err = c.exec(ctx, "INSERT INTO invitations ("+invitationCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		i.UUID, i.Name, c.tp(i.Expires), i.Expiring, lowerPtr(i.Flow), i.MaxUses, i.Uses, fixed, i.CreatedBy,
		i.Email, c.tp(i.RevokedAt), c.t(i.Created))
	return c.wrap("insert invitation", err)
}

// GetInvitation returns the invitation even when expired or used up.
func (c *conn) GetInvitation(ctx context.Context, uuid string) (store.Invitation, error) {
	i, err := scanInvitation(c.queryRow(ctx, "SELECT "+invitationCols+" FROM invitations WHERE invite_uuid = ?", strings.ToLower(uuid)))
	return i, c.wrap("get invitation", err)
}

var invitationOrdering = map[string]string{
	"pk": "i.invite_uuid", "name": "i.name", "expires": "i.expires", "created": "i.created", "uses": "i.uses",
	"max_uses": "i.max_uses", "created_by": "u.username", "created_by__username": "u.username",
	"flow": "f.slug", "flow__slug": "f.slug",
}

func (c *conn) ListInvitations(ctx context.Context, f store.InvitationFilter) ([]store.Invitation, int, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if unmatchable(f.Search) {
		add("1 = 0")
	} else if f.Search != "" {
		p, op := likeContains(f.Search), c.db.dialect.ILike
		if fts := c.db.dialect.ftsTerm(f.Search); fts != "" {
			// Candidates by name, by creator and by flow (a small table),
			// each through an index on invitations.
			cand := "(i.rowid IN (SELECT rowid FROM invitations_fts WHERE invitations_fts MATCH ?)" +
				" OR i.created_by IN (SELECT rowid FROM users_fts WHERE users_fts MATCH ?)" +
				" OR i.flow IN (SELECT uuid FROM flows WHERE slug " + op + " ? ESCAPE '\\'))"
			candArgs := []any{fts, "username : " + fts, p}
			narrow, err := c.ftsNarrows(ctx, "FROM invitations i WHERE "+cand, candArgs...)
			if err != nil {
				return nil, 0, err
			}
			if narrow {
				add(cand, candArgs...)
			}
		} else if ids, ok, err := c.trgmInvitations(ctx, f.Search); err != nil {
			return nil, 0, err
		} else if ok {
			add("i.invite_uuid = ANY(?)", ids)
		}
		add("(i.name "+op+" ? ESCAPE '\\' OR u.username "+op+" ? ESCAPE '\\' OR f.slug "+op+" ? ESCAPE '\\')", p, p, p)
	}
	if f.Name != "" {
		add("i.name = ?", f.Name)
	}
	if f.CreatedByUsername != "" {
		add("u.username = ?", f.CreatedByUsername)
	}
	if f.Expires != nil {
		add("i.expires = ?", c.t(*f.Expires))
	}
	if f.FlowSlug != "" {
		add("f.slug = ?", f.FlowSlug)
	}
	from := " FROM invitations i LEFT JOIN users u ON u.pk = i.created_by LEFT JOIN flows f ON f.uuid = i.flow"
	if len(where) > 0 {
		from += " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := c.queryRow(ctx, "SELECT COUNT(*)"+from, args...).Scan(&total); err != nil {
		return nil, 0, c.wrap("count invitations", err)
	}
	ordering := f.Ordering
	if ordering == "" {
		ordering = "-expires"
	}
	q := "SELECT " + prefixCols("i", invitationCols) + from + " " +
		orderBy(ordering, invitationOrdering, "i.expires DESC NULLS LAST", "i.invite_uuid") + page(f.Limit, f.Offset)
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, 0, c.wrap("list invitations", err)
	}
	out, err := collect(rows, scanInvitation)
	return out, total, c.wrap("list invitations", err)
}

// UpdateInvitation saves the editable fields; Uses only changes through
// ConsumeInvitation and Created never changes.
func (c *conn) UpdateInvitation(ctx context.Context, i *store.Invitation) error {
	fixed, err := jsonObject(i.FixedData)
	if err != nil {
		return fmt.Errorf("store: update invitation: fixed_data: %w", err)
	}
	return c.execOne(ctx, "update invitation", `UPDATE invitations SET name = ?, expires = ?, expiring = ?, flow = ?,
		max_uses = ?, fixed_data = ?, created_by = ?, email = ?, revoked_at = ? WHERE invite_uuid = ?`,
		i.Name, c.tp(i.Expires), i.Expiring, lowerPtr(i.Flow), i.MaxUses, fixed, i.CreatedBy, i.Email,
		c.tp(i.RevokedAt), strings.ToLower(i.UUID))
}

func (c *conn) DeleteInvitation(ctx context.Context, uuid string) error {
	return c.execOne(ctx, "delete invitation", "DELETE FROM invitations WHERE invite_uuid = ?", strings.ToLower(uuid))
}

// ConsumeInvitation counts one use with a single conditional UPDATE: on
// PostgreSQL a racing transaction waits for the row lock and re-checks the
// condition against the committed count; SQLite runs writers one at a
// time. Expiry is the flow's business, not checked here.
func (c *conn) ConsumeInvitation(ctx context.Context, use *store.InvitationUse) error {
	use.Invitation = strings.ToLower(use.Invitation)
	if use.UsedAt.IsZero() {
		use.UsedAt = now()
	}
	return c.inTx(ctx, func(c *conn) error {
		n, err := c.execCount(ctx, "consume invitation", `UPDATE invitations SET uses = uses + 1
			WHERE invite_uuid = ? AND revoked_at IS NULL AND (max_uses IS NULL OR uses < max_uses)`, use.Invitation)
		if err != nil {
			return err
		}
		if n == 0 {
			var revoked timeCol
			err := c.execRow(ctx, "SELECT revoked_at FROM invitations WHERE invite_uuid = ?", use.Invitation).Scan(&revoked)
			switch {
			case err != nil:
				return c.wrap("consume invitation", err)
			case revoked.Valid:
				return fmt.Errorf("store: consume invitation: %w", store.ErrRevoked)
			default:
				return fmt.Errorf("store: consume invitation: %w", store.ErrUsedUp)
			}
		}
		err = c.execRow(ctx, `INSERT INTO invitation_uses (invitation, user_pk, username, used_at, client_ip)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, use.Invitation, use.UserPK, use.Username, c.t(use.UsedAt), use.ClientIP).Scan(&use.ID)
		return c.wrap("record invitation use", err)
	})
}

// ConsumeInvitationRow counts the use with the conditional UPDATE that
// makes it the counted one, reading the row back with RETURNING.
func (c *conn) ConsumeInvitationRow(ctx context.Context, use *store.InvitationUse, check func(store.Invitation) error) (store.Invitation, error) {
	use.Invitation = strings.ToLower(use.Invitation)
	if use.UsedAt.IsZero() {
		use.UsedAt = now()
	}
	var inv store.Invitation
	err := c.inTx(ctx, func(c *conn) error {
		var err error
		inv, err = scanInvitation(c.execRow(ctx, `UPDATE invitations SET uses = uses + 1
			WHERE invite_uuid = ? AND revoked_at IS NULL AND (max_uses IS NULL OR uses < max_uses)
			RETURNING `+invitationCols, use.Invitation))
		if errors.Is(err, sql.ErrNoRows) {
			var revoked timeCol
			err := c.execRow(ctx, "SELECT revoked_at FROM invitations WHERE invite_uuid = ?", use.Invitation).Scan(&revoked)
			switch {
			case err != nil:
				return c.wrap("consume invitation", err)
			case revoked.Valid:
				return fmt.Errorf("store: consume invitation: %w", store.ErrRevoked)
			default:
				return fmt.Errorf("store: consume invitation: %w", store.ErrUsedUp)
			}
		}
		if err != nil {
			return c.wrap("consume invitation", err)
		}
		inv.Uses-- // as it was before this use
		if check != nil {
			if err := check(inv); err != nil {
				return err
			}
		}
		err = c.execRow(ctx, `INSERT INTO invitation_uses (invitation, user_pk, username, used_at, client_ip)
			VALUES (?, ?, ?, ?, ?) RETURNING id`, use.Invitation, use.UserPK, use.Username, c.t(use.UsedAt), use.ClientIP).Scan(&use.ID)
		return c.wrap("record invitation use", err)
	})
	return inv, err
}

func (c *conn) ListInvitationUses(ctx context.Context, invitationUUID string) ([]store.InvitationUse, error) {
	rows, err := c.query(ctx, `SELECT `+invitationUseCols+` FROM invitation_uses
		WHERE invitation = ? ORDER BY used_at, id`, strings.ToLower(invitationUUID))
	if err != nil {
		return nil, c.wrap("list invitation uses", err)
	}
	out, err := collect(rows, scanInvitationUse)
	return out, c.wrap("list invitation uses", err)
}

const invitationUseCols = "id, invitation, user_pk, username, used_at, client_ip"

func scanInvitationUse(s scanner) (store.InvitationUse, error) {
	var u store.InvitationUse
	var user sql.NullInt64
	var at timeCol
	err := s.Scan(&u.ID, &u.Invitation, &user, &u.Username, &at, &u.ClientIP)
	u.UserPK, u.UsedAt = nullInt64(user), at.T
	return u, err
}

// DeleteExpiredInvitations removes expiring invitations whose expiry is
// before the cutoff; a null expiry never expires.
func (c *conn) DeleteExpiredInvitations(ctx context.Context, before time.Time) (int, error) {
	return c.execCount(ctx, "delete expired invitations",
		"DELETE FROM invitations WHERE expiring AND expires IS NOT NULL AND expires < ?", c.t(before))
}
