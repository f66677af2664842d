package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/usher-id/usher/internal/store"
)

const userCols = `pk, uuid, username, name, email, password, password_change_date, is_active, type, path,
	attributes, last_login, date_joined, last_updated`

func scanUser(s scanner) (store.User, error) {
	var u store.User
	var pwChange, lastLogin, joined, updated timeCol
	err := s.Scan(&u.PK, &u.UUID, &u.Username, &u.Name, &u.Email, &u.Password, &pwChange, &u.IsActive,
		&u.Type, &u.Path, jsonCol{&u.Attributes}, &lastLogin, &joined, &updated)
	u.PasswordChangeDate, u.LastLogin = pwChange.ptr(), lastLogin.ptr()
	u.DateJoined, u.LastUpdated = joined.T, updated.T
	u.Attributes = obj(u.Attributes)
	return u, err
}

func (c *conn) CreateUser(ctx context.Context, u *store.User) error {
	ensureUUID(&u.UUID)
	if u.Type == "" {
		u.Type = store.UserTypeInternal
	}
	if u.Path == "" {
		u.Path = "users"
	}
	n := now()
	if u.DateJoined.IsZero() {
		u.DateJoined = n
	}
	u.LastUpdated = n
	attrs, err := jsonObject(u.Attributes)
	if err != nil {
		return fmt.Errorf("store: insert user: attributes: %w", err)
	}
	cols := "uuid, username, name, email, password, password_change_date, is_active, type, path, attributes, last_login, date_joined, last_updated"
	vals := "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
	args := []any{u.UUID, u.Username, u.Name, u.Email, u.Password, c.tp(u.PasswordChangeDate), u.IsActive,
		u.Type, u.Path, attrs, c.tp(u.LastLogin), c.t(u.DateJoined), c.t(u.LastUpdated)}
	explicit := u.PK > 0
	if explicit {
		// A blueprint or import may fix the pk.
		cols, vals, args = "pk, "+cols, "?, "+vals, append([]any{u.PK}, args...)
	}
	return c.inTx(ctx, func(c *conn) error {
		if err := c.execRow(ctx, "INSERT INTO users ("+cols+") VALUES ("+vals+") RETURNING pk", args...).Scan(&u.PK); err != nil {
			return c.wrap("insert user", err)
		}
		if explicit && c.db.dialect.ResetUserSeq != "" {
			if _, err := c.exec(ctx, c.db.dialect.ResetUserSeq); err != nil {
				return c.wrap("insert user: reset sequence", err)
			}
		}
		return nil
	})
}

func (c *conn) getUser(ctx context.Context, where string, arg any) (store.User, error) {
	u, err := scanUser(c.queryRow(ctx, "SELECT "+userCols+" FROM users WHERE "+where, arg))
	return u, c.wrap("get user", err)
}

func (c *conn) GetUser(ctx context.Context, pk int64) (store.User, error) {
	return c.getUser(ctx, "pk = ?", pk)
}

func (c *conn) GetUserByUUID(ctx context.Context, uuid string) (store.User, error) {
	return c.getUser(ctx, "uuid = ?", strings.ToLower(uuid))
}

func (c *conn) GetUserByUsername(ctx context.Context, username string) (store.User, error) {
	return c.getUser(ctx, "username = ?", username)
}

// FindUserForLogin returns the first user (lowest pk) whose username, email
// or attributes.upn equals value.
func (c *conn) FindUserForLogin(ctx context.Context, fields []string, value string, caseInsensitive bool) (store.User, error) {
	var conds []string
	var args []any
	for _, f := range fields {
		var col string
		switch f {
		case "username":
			col = "username"
		case "email":
			col = "email"
		case "upn":
			col = c.db.dialect.JSONField("attributes", "upn")
		default:
			continue
		}
		if caseInsensitive {
			conds = append(conds, "LOWER("+col+") = LOWER(?)")
		} else {
			conds = append(conds, col+" = ?")
		}
		args = append(args, value)
	}
	if len(conds) == 0 || value == "" {
		return store.User{}, fmt.Errorf("store: find user: %w", store.ErrNotFound)
	}
	u, err := scanUser(c.queryRow(ctx, "SELECT "+userCols+" FROM users WHERE "+strings.Join(conds, " OR ")+
		" ORDER BY pk LIMIT 1", args...))
	return u, c.wrap("find user", err)
}

var userOrdering = map[string]string{
	"pk": "pk", "username": "username", "name": "name", "email": "email", "path": "path", "type": "type",
	"is_active": "is_active", "date_joined": "date_joined", "last_login": "last_login", "last_updated": "last_updated",
}

func (c *conn) ListUsers(ctx context.Context, f store.UserFilter) ([]store.User, int, error) {
	var where []string
	var args []any
	add := func(cond string, a ...any) { where = append(where, cond); args = append(args, a...) }
	if unmatchable(f.Search) {
		add("1 = 0")
	} else if f.Search != "" {
		p := likeContains(f.Search)
		op := c.db.dialect.ILike
		if fts := c.db.dialect.ftsTerm(f.Search); fts != "" {
			narrow, err := c.ftsNarrows(ctx, "FROM users_fts WHERE users_fts MATCH ?", fts)
			if err != nil {
				return nil, 0, err
			}
			if narrow {
				add("pk IN (SELECT rowid FROM users_fts WHERE users_fts MATCH ?)", fts)
			}
		}
		add("(username "+op+" ? ESCAPE '\\' OR name "+op+" ? ESCAPE '\\' OR email "+op+" ? ESCAPE '\\')", p, p, p)
	}
	if f.Username != "" {
		add("username = ?", f.Username)
	}
	if f.Email != "" {
		add("email = ?", f.Email)
	}
	if f.Path != "" {
		add("path = ?", f.Path)
	}
	if f.PathPrefix != "" {
		prefix := strings.TrimSuffix(f.PathPrefix, "/")
		add("(path = ? OR SUBSTR(path, 1, ?) = ?)", prefix, utf8.RuneCountInString(prefix)+1, prefix+"/")
	}
	if f.Type != "" {
		add("type = ?", f.Type)
	}
	if f.IsActive != nil {
		add("is_active = ?", *f.IsActive)
	}
	if f.GroupUUID != "" {
		add("EXISTS (SELECT 1 FROM group_members m WHERE m.user_pk = users.pk AND m.group_uuid = ?)", strings.ToLower(f.GroupUUID))
	}
	cond := ""
	if len(where) > 0 {
		cond = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := c.queryRow(ctx, "SELECT COUNT(*) FROM users"+cond, args...).Scan(&total); err != nil {
		return nil, 0, c.wrap("count users", err)
	}
	q := "SELECT " + userCols + " FROM users" + cond + " " + orderBy(f.Ordering, userOrdering, "username", "pk") + page(f.Limit, f.Offset)
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, 0, c.wrap("list users", err)
	}
	out, err := collect(rows, scanUser)
	return out, total, c.wrap("list users", err)
}

func (c *conn) UserPaths(ctx context.Context) ([]string, error) {
	rows, err := c.query(ctx, "SELECT DISTINCT path FROM users ORDER BY path")
	if err != nil {
		return nil, c.wrap("list user paths", err)
	}
	out, err := collect(rows, func(s scanner) (string, error) {
		var p string
		err := s.Scan(&p)
		return p, err
	})
	return out, c.wrap("list user paths", err)
}

func (c *conn) UpdateUser(ctx context.Context, u *store.User) error {
	attrs, err := jsonObject(u.Attributes)
	if err != nil {
		return fmt.Errorf("store: update user: attributes: %w", err)
	}
	u.LastUpdated = now()
	return c.execOne(ctx, "update user", `UPDATE users SET username = ?, name = ?, email = ?, password = ?,
		password_change_date = ?, is_active = ?, type = ?, path = ?, attributes = ?, last_login = ?, last_updated = ?
		WHERE pk = ?`, u.Username, u.Name, u.Email, u.Password, c.tp(u.PasswordChangeDate), u.IsActive, u.Type,
		u.Path, attrs, c.tp(u.LastLogin), c.t(u.LastUpdated), u.PK)
}

// DeleteUser removes the user; the schema cascades to their invitations,
// tokens, sessions, memberships and policy bindings, and keeps their
// invitation uses with the user unset.
func (c *conn) DeleteUser(ctx context.Context, pk int64) error {
	return c.execOne(ctx, "delete user", "DELETE FROM users WHERE pk = ?", pk)
}

func (c *conn) SetLastLogin(ctx context.Context, pk int64, at time.Time) error {
	return c.execOne(ctx, "set last login", "UPDATE users SET last_login = ? WHERE pk = ?", c.t(at), pk)
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
