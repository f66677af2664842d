package resource

import (
	"fmt"
	"time"

	"github.com/usher-id/usher/internal/domain/group"
	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/store"
)

const (
	msgUsernameUnique = "A user with that username already exists."
	// AvatarURL is the avatar every user gets (usher serves no gravatars).
	AvatarURL = "/static/dist/assets/images/user_default.png"
)

// Users is authentik's core.User.
var Users = &Model[store.User]{
	Name: store.ModelUser, VerboseName: "User", VerboseNamePlural: "Users",
	Fields: []string{"pk", "username", "name", "is_active", "last_login", "date_joined", "is_superuser", "groups",
		"groups_obj", "roles", "roles_obj", "email", "avatar", "attributes", "uid", "path", "type", "uuid",
		"password_change_date", "last_updated"},
	pk:    func(o store.User) any { return o.PK },
	title: func(o store.User) string { return o.Username },
	list: func(c *Ctx) ([]store.User, error) {
		all, _, err := c.Q.ListUsers(c.ctx(), store.UserFilter{})
		return all, err
	},
	del: func(c *Ctx, o store.User) error { return user.Delete(c.ctx(), c.Q, o.PK) },
}

func init() {
	Users.save, Users.serialize = saveUser, serializeUser
	define(Users, finder[store.User]{
		byPK: func(c *Ctx, pk any) (store.User, error) {
			n, ok := asInt(pk)
			if !ok {
				return store.User{}, store.ErrNotFound
			}
			return c.Q.GetUser(c.ctx(), int64(n))
		},
		unique: map[string]func(c *Ctx, v string) (store.User, error){
			"username": func(c *Ctx, v string) (store.User, error) { return c.Q.GetUserByUsername(c.ctx(), v) },
			"uuid": func(c *Ctx, v string) (store.User, error) {
				id, ok := NormUUID(v)
				if !ok {
					return store.User{}, store.ErrNotFound
				}
				return c.Q.GetUserByUUID(c.ctx(), id)
			},
		},
		candidates: func(c *Ctx, ids map[string]any) ([]store.User, error) {
			f := store.UserFilter{}
			f.Email, _ = ids["email"].(string)
			f.Path, _ = ids["path"].(string)
			all, _, err := c.Q.ListUsers(c.ctx(), f)
			return all, err
		},
	})
}

// ValidUserPath checks a user path with the API's rules; it returns the
// message or "". The rule lives in fieldrule, shared with the user write
// stage.
func ValidUserPath(p string) string { return fieldrule.UserPath(p) }

func saveUser(c *Ctx, existing *store.User, data map[string]any) (store.User, error) {
	u := store.User{IsActive: true, Type: store.UserTypeInternal, Path: "users", Attributes: map[string]any{}}
	if existing != nil {
		u = *existing
	}
	in := newInput(c, store.ModelUser, existing == nil, data)
	in.readOnly("pk", "last_login", "date_joined", "is_superuser", "groups_obj", "roles_obj", "avatar", "uid",
		"uuid", "password_change_date", "last_updated")
	// The user field rules are fieldrule's, which the user write stage
	// applies too: a flow cannot create a user this API would refuse.
	if in.str("username", &u.Username, strOpt{required: true, max: fieldrule.UsernameMax}) {
		if msg := fieldrule.Username(u.Username); msg != "" {
			in.fail("username", msg)
		} else if existing == nil || u.Username != existing.Username {
			if other, err := c.Q.GetUserByUsername(c.ctx(), u.Username); err == nil && other.PK != u.PK {
				in.taken("username", msgUsernameUnique)
			}
		}
	}
	if in.str("name", &u.Name, strOpt{required: true, blank: true}) {
		if msg := fieldrule.Name(u.Name); msg != "" {
			in.fail("name", msg)
		}
	}
	if in.email("email", &u.Email) {
		if msg := fieldrule.Email(u.Email); msg != "" {
			in.fail("email", msg)
		}
	}
	in.boolean("is_active", &u.IsActive)
	var path string
	if in.str("path", &path, strOpt{}) {
		if msg := ValidUserPath(path); msg != "" {
			in.fail("path", msg)
		} else {
			u.Path = path
		}
	}
	var typ string
	if in.choice("type", &typ, false, UserTypes...) {
		switch {
		case existing != nil && existing.Type == store.UserTypeInternalServiceAccount && typ != u.Type:
			in.fail("type", "Can't change internal service account to other user type.")
		case typ == store.UserTypeInternalServiceAccount && (existing == nil || u.Type != typ):
			in.fail("type", "Setting a user to internal service account is not allowed.")
		default:
			u.Type = typ
		}
	}
	in.dict("attributes", &u.Attributes)
	var groups []string
	setGroups := in.refs("groups", &groups, false, true, exists(c, getGroup))
	var roles []string
	in.refs("roles", &roles, false, true, func(string) bool { return false }) // usher has no roles
	if c.Blueprint {
		var pw string
		if in.str("password", &pw, strOpt{blank: true}) && in.ok() {
			if pw == "" {
				u.Password = "" // an empty password means unusable
			} else if c.Passwords == nil {
				in.fail("password", "Passwords cannot be set here (no password hasher configured).")
			} else {
				// Hashed only: a blueprint applied again must not sign
				// the user out each time (user.Update ends no sessions
				// for a new hash; user.SetPassword would).
				if err := user.HashPassword(c.Passwords, &u, pw, c.now()); err != nil {
					return store.User{}, err
				}
			}
		}
	}
	if err := in.err(); err != nil {
		return store.User{}, err
	}
	var err error
	if existing == nil {
		err = user.Create(c.ctx(), c.Q, &u)
	} else {
		err = user.Update(c.ctx(), c.Q, *existing, &u)
	}
	c.forget()
	if err != nil {
		return store.User{}, conflict(err, "username", msgUsernameUnique)
	}
	if setGroups {
		if err := group.SetUserGroups(c.ctx(), c.Q, u.PK, groups); err != nil {
			return store.User{}, err
		}
	}
	return u, nil
}

func serializeUser(c *Ctx, u store.User) (map[string]any, error) {
	groups, err := c.Q.UserGroups(c.ctx(), u.PK)
	if err != nil {
		return nil, err
	}
	super, err := c.Q.IsSuperuser(c.ctx(), u.PK)
	if err != nil {
		return nil, err
	}
	ids, objs := []string{}, []any{}
	for _, g := range groups {
		ids = append(ids, g.UUID)
		objs = append(objs, partialGroup(g))
	}
	pwDate := u.DateJoined
	if u.PasswordChangeDate != nil {
		pwDate = *u.PasswordChangeDate
	}
	return map[string]any{
		"pk": u.PK, "username": u.Username, "name": u.Name, "is_active": u.IsActive,
		"last_login": fmtTimePtr(u.LastLogin), "date_joined": fieldrule.FormatTime(u.DateJoined), "is_superuser": super,
		"groups": ids, "groups_obj": objs, "roles": []string{}, "roles_obj": []any{}, "email": u.Email,
		"avatar": AvatarURL, "attributes": nonNilMap(u.Attributes), "uid": UserUID(u), "path": u.Path,
		"type": u.Type, "uuid": u.UUID, "password_change_date": fieldrule.FormatTime(pwDate),
		"last_updated": fieldrule.FormatTime(lastUpdated(u)),
	}, nil
}

func lastUpdated(u store.User) time.Time {
	if u.LastUpdated.IsZero() {
		return u.DateJoined
	}
	return u.LastUpdated
}

// PartialUser renders the short user object nested in other serializers.
func PartialUser(u store.User) map[string]any {
	return map[string]any{"pk": u.PK, "username": u.Username, "name": u.Name, "is_active": u.IsActive,
		"last_login": fmtTimePtr(u.LastLogin), "email": u.Email, "attributes": nonNilMap(u.Attributes),
		"uid": UserUID(u)}
}

func partialUser(c *Ctx, pk int64) (map[string]any, error) {
	u, err := c.user(pk)
	if err != nil {
		return nil, fmt.Errorf("user %d: %w", pk, err)
	}
	return PartialUser(u), nil
}

func nonNilMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}
