package user

import (
	"context"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

// AttrEmailVerified is the user attribute that records that the user
// proved they receive mail at their address: they followed an email
// stage's link, or enrolled through an invitation bound to that address.
// Its value is the address that was verified, so a later change of email
// does not inherit it (EmailVerified compares them).
const AttrEmailVerified = "email_verified"

// EmailVerified reports whether u's current address was verified.
func EmailVerified(u store.User) bool {
	v, _ := u.Attributes[AttrEmailVerified].(string)
	return v != "" && strings.EqualFold(v, strings.TrimSpace(u.Email))
}

// MarkEmailVerified records that u receives mail at address, when that is
// u's address; it writes through q (the caller's transaction) and reports
// whether it changed anything.
func MarkEmailVerified(ctx context.Context, q store.Queries, u *store.User, address string) (bool, error) {
	address = strings.TrimSpace(address)
	if address == "" || !strings.EqualFold(address, strings.TrimSpace(u.Email)) || EmailVerified(*u) {
		return false, nil
	}
	before := *u
	attrs := make(map[string]any, len(u.Attributes)+1)
	for k, v := range u.Attributes {
		attrs[k] = v
	}
	attrs[AttrEmailVerified] = strings.TrimSpace(u.Email)
	u.Attributes = attrs
	return true, Update(ctx, q, before, u)
}
