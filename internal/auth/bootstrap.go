package auth

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// Names of what bootstrap creates (authentik's).
const (
	AdminUsername       = "akadmin"
	AdminName           = "usher administrator" // authentik names it "authentik Default Admin"; the username stays akadmin
	AdminGroup          = "authentik Admins"
	BootstrapTokenID    = "authentik-bootstrap-token"
	bootstrapSettingKey = "bootstrap"
	secretSettingKey    = "secret_key"
)

// BootstrapOptions are the first-start settings (USHER_BOOTSTRAP_*).
type BootstrapOptions struct {
	Password string // "" = generate a one-time password
	Token    string // "" = no API token
	Email    string
	Now      time.Time
}

// BootstrapResult says what Bootstrap did.
type BootstrapResult struct {
	// Created is true only for the one call, across all instances, that
	// created the administrator.
	Created bool
	User    store.User
	// GeneratedPassword is set when no password was configured; print it
	// once and never store it.
	GeneratedPassword string
}

// Bootstrap creates, once per database, the "authentik Admins" superuser
// group, the akadmin user in it, and optionally an API token for akadmin.
// It runs in one transaction guarded by the "bootstrap" setting, so when
// several instances start at once exactly one does the work, and a failure
// leaves nothing behind. Later calls (restarts) change nothing.
// AttrPasswordChangeRequired, in a user's attributes, sends them to change
// their password before any other page (set on an administrator created
// with a generated password; any password change removes it).
const AttrPasswordChangeRequired = "usher_password_change_required"

func Bootstrap(ctx context.Context, st store.Store, pw *Passwords, opts BootstrapOptions) (BootstrapResult, error) {
	var res BootstrapResult
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	err := st.Tx(ctx, func(q store.Queries) error {
		res = BootstrapResult{}
		_, created, err := q.SetSettingIfAbsent(ctx, bootstrapSettingKey, opts.Now.UTC().Format(time.RFC3339))
		if err != nil || !created {
			return err
		}
		group, err := q.GetGroupByName(ctx, AdminGroup)
		if errors.Is(err, store.ErrNotFound) {
			group = store.Group{Name: AdminGroup, IsSuperuser: true, Attributes: map[string]any{}}
			err = q.CreateGroup(ctx, &group)
		}
		if err != nil {
			return fmt.Errorf("admin group: %w", err)
		}
		password := opts.Password
		if password == "" {
			password = randomString(18)
			res.GeneratedPassword = password
		}
		hash, err := pw.Hash(password)
		if err != nil {
			return fmt.Errorf("hash admin password: %w", err)
		}
		now := opts.Now
		u := store.User{Username: AdminUsername, Name: AdminName, Email: opts.Email, Password: hash,
			PasswordChangeDate: &now, IsActive: true, Type: store.UserTypeInternal, Path: "users",
			Attributes: map[string]any{}}
		if res.GeneratedPassword != "" {
			// The generated password was printed on a terminal: it serves
			// to sign in once and choose a real one.
			u.Attributes[AttrPasswordChangeRequired] = true
		}
		if err := q.CreateUser(ctx, &u); err != nil {
			return fmt.Errorf("create %s: %w", AdminUsername, err)
		}
		if err := q.AddGroupMember(ctx, group.UUID, u.PK); err != nil {
			return fmt.Errorf("add %s to %s: %w", AdminUsername, AdminGroup, err)
		}
		if opts.Token != "" {
			t := store.Token{Identifier: BootstrapTokenID, KeyHash: HashToken(opts.Token), UserPK: u.PK,
				Intent: "api", Description: "Created from USHER_BOOTSTRAP_TOKEN on first start", Created: now}
			if err := q.CreateToken(ctx, &t); err != nil {
				return fmt.Errorf("create bootstrap token: %w", err)
			}
		}
		res.Created, res.User = true, u
		return nil
	})
	if err != nil {
		return BootstrapResult{}, fmt.Errorf("bootstrap: %w", err)
	}
	return res, nil
}

// SecretKey returns the configured key, or the one stored in the database,
// generating and storing it on first use so every instance shares it.
func SecretKey(ctx context.Context, q store.Queries, configured string) ([]byte, error) {
	if configured != "" {
		return []byte(configured), nil
	}
	stored, _, err := q.SetSettingIfAbsent(ctx, secretSettingKey, randomString(48))
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return []byte(stored), nil
}

// GeneratePassword returns a random password for CLI users who ask for one.
func GeneratePassword() string { return randomString(18) }

// randomString returns n random bytes, base64url encoded.
func randomString(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
