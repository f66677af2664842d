package user

import (
	"context"
	"regexp"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/domain/group"
	"github.com/usher-id/usher/internal/domain/token"
	"github.com/usher-id/usher/internal/store"
)

// ServiceAccountPath is the directory path of service accounts (authentik's
// USER_PATH_SERVICE_ACCOUNT).
const ServiceAccountPath = "goauthentik.io/service-accounts"

// ServiceAccountLifetime is how long a service account's token lives when
// it expires and no expiry was given (authentik: 360 days).
const ServiceAccountLifetime = 360 * 24 * time.Hour

// ServiceAccount is what CreateServiceAccount made; Key is the token's key,
// shown once.
type ServiceAccount struct {
	User      store.User
	Key       string
	GroupUUID string // "" without a group
}

var notSlug = regexp.MustCompile(`[^a-z0-9_-]+`)

// CreateServiceAccount creates a service account named name with no
// password, an app-password token identified service-account-<name>-password
// (authentik's UserViewSet.service_account), and, with withGroup, a group
// of the same name holding it. expires nil means the token never expires.
// A taken username, group name or token identifier is store.ErrConflict;
// the caller's transaction then writes nothing.
func CreateServiceAccount(ctx context.Context, q store.Queries, name string, withGroup bool, expires *time.Time) (ServiceAccount, error) {
	u := store.User{Username: name, Name: name, IsActive: true, Type: store.UserTypeServiceAccount, Path: ServiceAccountPath}
	if err := Create(ctx, q, &u); err != nil {
		return ServiceAccount{}, err
	}
	id := strings.Trim(notSlug.ReplaceAllString(strings.ToLower("service-account-"+name+"-password"), "-"), "-")
	t := store.Token{Identifier: id, UserPK: u.PK, Intent: token.IntentAppPassword, Expires: expires,
		Description: "Service account token of " + name}
	key, err := token.Issue(ctx, q, &t)
	if err != nil {
		return ServiceAccount{}, err
	}
	sa := ServiceAccount{User: u, Key: key}
	if withGroup {
		g := store.Group{Name: name, Attributes: map[string]any{}}
		if err := group.Create(ctx, q, &g); err != nil {
			return ServiceAccount{}, err
		}
		if err := group.AddMember(ctx, q, g.UUID, u.PK); err != nil {
			return ServiceAccount{}, err
		}
		sa.GroupUUID = g.UUID
	}
	return sa, nil
}
