package auth

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

func TestBootstrapOnce(t *testing.T) {
	st := openStore(t)
	ctx := context.Background()
	pw := mustPasswords(t, "bcrypt:cost=4")

	res, err := Bootstrap(ctx, st, pw, BootstrapOptions{Token: "bootstrap-token-0123456789", Email: "admin@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || res.GeneratedPassword == "" {
		t.Fatalf("first bootstrap: %+v", res)
	}
	u, err := st.GetUserByUsername(ctx, "akadmin")
	if err != nil {
		t.Fatal(err)
	}
	if u.Name != "usher administrator" || u.Type != store.UserTypeInternal || u.Path != "users" || !u.IsActive || u.Email != "admin@example.com" {
		t.Errorf("akadmin = %+v", u)
	}
	if ok, _ := pw.Verify(u.Password, res.GeneratedPassword); !ok {
		t.Error("the generated password does not log in")
	}
	if super, err := st.IsSuperuser(ctx, u.PK); err != nil || !super {
		t.Errorf("akadmin is not a superuser: %v %v", super, err)
	}
	tok, err := st.GetTokenByHash(ctx, HashToken("bootstrap-token-0123456789"))
	if err != nil || tok.Identifier != "authentik-bootstrap-token" || tok.UserPK != u.PK || tok.Intent != "api" || tok.Expires != nil {
		t.Errorf("bootstrap token = %+v, %v", tok, err)
	}

	// A restart with other settings changes nothing.
	res2, err := Bootstrap(ctx, st, pw, BootstrapOptions{Password: "another-password", Token: "other-token-0123456789"})
	if err != nil || res2.Created {
		t.Fatalf("second bootstrap: %+v, %v", res2, err)
	}
	u2, _ := st.GetUserByUsername(ctx, "akadmin")
	if u2.Password != u.Password {
		t.Error("restart reset the admin password")
	}
	if _, err := st.GetTokenByHash(ctx, HashToken("other-token-0123456789")); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("restart created another token: %v", err)
	}
}

// Several instances starting at once on one database bootstrap once.
func TestBootstrapConcurrent(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testBootstrapConcurrent(t, b.Open(t)) })
	}
}

func testBootstrapConcurrent(t *testing.T, st store.Store) {
	ctx := context.Background()
	pw := mustPasswords(t, "bcrypt:cost=4")
	const n = 8
	var wg sync.WaitGroup
	created := make(chan bool, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := Bootstrap(ctx, st, pw, BootstrapOptions{Password: "pw-0123456789"})
			if err != nil {
				t.Error(err)
			}
			created <- res.Created
		}()
	}
	wg.Wait()
	close(created)
	count := 0
	for c := range created {
		if c {
			count++
		}
	}
	if count != 1 {
		t.Errorf("%d bootstraps created the admin, want exactly 1", count)
	}
	users, total, err := st.ListUsers(ctx, store.UserFilter{})
	if err != nil || total != 1 || len(users) != 1 {
		t.Errorf("users after concurrent bootstrap: %d (%v)", total, err)
	}
}

// A failure midway leaves nothing behind, and the next start retries.
func TestBootstrapAtomic(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testBootstrapAtomic(t, b.Open(t)) })
	}
}

func testBootstrapAtomic(t *testing.T, st store.Store) {
	ctx := context.Background()
	pw := mustPasswords(t, "bcrypt:cost=4")
	// Occupy the token identifier so the last step fails.
	other := store.User{Username: "someone", Name: "x", IsActive: true, Type: store.UserTypeInternal, Path: "users", Attributes: map[string]any{}}
	if err := st.CreateUser(ctx, &other); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateToken(ctx, &store.Token{Identifier: BootstrapTokenID, KeyHash: HashToken("x"), UserPK: other.PK, Intent: "api"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Bootstrap(ctx, st, pw, BootstrapOptions{Password: "pw", Token: "bootstrap-token-0123456789"}); err == nil {
		t.Fatal("bootstrap succeeded despite the conflicting token")
	}
	if _, err := st.GetUserByUsername(ctx, "akadmin"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("failed bootstrap left akadmin behind: %v", err)
	}
	if _, err := st.GetGroupByName(ctx, AdminGroup); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("failed bootstrap left the admin group behind: %v", err)
	}
	if err := st.DeleteToken(ctx, BootstrapTokenID); err != nil {
		t.Fatal(err)
	}
	if res, err := Bootstrap(ctx, st, pw, BootstrapOptions{Password: "pw", Token: "bootstrap-token-0123456789"}); err != nil || !res.Created {
		t.Errorf("retry after failure: %+v, %v", res, err)
	}
}

func TestSecretKeyShared(t *testing.T) {
	for _, b := range storetest.Backends(t) {
		t.Run(b.Name, func(t *testing.T) { testSecretKeyShared(t, b.Open(t)) })
	}
}

func testSecretKeyShared(t *testing.T, st store.Store) {
	ctx := context.Background()
	a, err := SecretKey(ctx, st, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := SecretKey(ctx, st, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(a) < 32 || string(a) != string(b) {
		t.Errorf("instances got different or short keys: %q %q", a, b)
	}
	c, _ := SecretKey(ctx, st, "configured-key-configured-key-configured")
	if string(c) != "configured-key-configured-key-configured" {
		t.Errorf("configured key ignored: %q", c)
	}
}
