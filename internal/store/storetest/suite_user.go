package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

func testUsers(t *testing.T, s store.Store) {
	u := store.User{Username: "alice", Name: "Alice", Email: "alice@example.com", Password: "hash", IsActive: true,
		Attributes: map[string]any{"k": "v", "n": 1.5, "nested": map[string]any{"a": []any{"x"}}}}
	check(t, s.CreateUser(ctx, &u), "create")
	if u.PK == 0 || len(u.UUID) != 36 || u.DateJoined.IsZero() || u.Type != store.UserTypeInternal || u.Path != "users" {
		t.Fatalf("create did not fill generated fields: %+v", u)
	}
	got, err := s.GetUser(ctx, u.PK)
	check(t, err, "get")
	if got.Username != "alice" || got.Email != u.Email || got.Password != "hash" || !got.IsActive ||
		got.Attributes["k"] != "v" || got.Attributes["n"] != 1.5 || got.UUID != u.UUID {
		t.Errorf("get = %+v", got)
	}
	if fmt.Sprint(got.Attributes["nested"]) != "map[a:[x]]" {
		t.Errorf("nested attributes = %v", got.Attributes["nested"])
	}
	sameTime(t, got.DateJoined, u.DateJoined, "date_joined")
	if got.LastLogin != nil || got.PasswordChangeDate != nil {
		t.Errorf("nullable times should be nil: %+v", got)
	}
	if g, err := s.GetUserByUUID(ctx, u.UUID); err != nil || g.PK != u.PK {
		t.Errorf("by uuid = %v, %v", g.PK, err)
	}
	if g, err := s.GetUserByUsername(ctx, "alice"); err != nil || g.PK != u.PK {
		t.Errorf("by username = %v, %v", g.PK, err)
	}
	_, err = s.GetUserByUsername(ctx, "ALICE")
	wantErr(t, err, store.ErrNotFound, "usernames are case-sensitive")
	_, err = s.GetUser(ctx, 999999)
	wantErr(t, err, store.ErrNotFound, "get missing")
	_, err = s.GetUserByUUID(ctx, "00000000-0000-4000-8000-000000000000")
	wantErr(t, err, store.ErrNotFound, "get missing uuid")

	dup := store.User{Username: "alice"}
	wantErr(t, s.CreateUser(ctx, &dup), store.ErrConflict, "duplicate username")

	// Inactive users and explicit types stay as given.
	bob := store.User{Username: "bob", Type: store.UserTypeExternal, Path: "users/ext", IsActive: false}
	check(t, s.CreateUser(ctx, &bob), "create bob")
	if g, _ := s.GetUser(ctx, bob.PK); g.IsActive || g.Type != store.UserTypeExternal || g.Path != "users/ext" || g.Attributes == nil {
		t.Errorf("bob = %+v", g)
	}

	// An explicit pk is kept, and generated keys continue above it.
	fixed := store.User{Username: "fixed", PK: 500, IsActive: true}
	check(t, s.CreateUser(ctx, &fixed), "create with pk")
	if fixed.PK != 500 {
		t.Errorf("explicit pk = %d", fixed.PK)
	}
	next := mkUser(t, s, "next")
	if next.PK <= 500 {
		t.Errorf("pk after explicit 500 = %d, want > 500", next.PK)
	}

	// Update changes fields and last_updated; uuid and date_joined stay.
	before := got.LastUpdated
	time.Sleep(2 * time.Millisecond)
	pwDate := ts(0)
	got.Name, got.Email, got.IsActive, got.Path, got.Type = "Alice B", "ab@example.com", false, "users/x", store.UserTypeExternal
	got.Attributes = map[string]any{"new": true}
	got.PasswordChangeDate = &pwDate
	check(t, s.UpdateUser(ctx, &got), "update")
	again, _ := s.GetUser(ctx, u.PK)
	if again.Name != "Alice B" || again.Email != "ab@example.com" || again.IsActive || again.Path != "users/x" ||
		again.Type != store.UserTypeExternal || again.Attributes["new"] != true || len(again.Attributes) != 1 {
		t.Errorf("after update = %+v", again)
	}
	samePtrTime(t, again.PasswordChangeDate, &pwDate, "password_change_date")
	if !again.LastUpdated.After(before) {
		t.Errorf("last_updated did not move: %v -> %v", before, again.LastUpdated)
	}
	sameTime(t, again.DateJoined, u.DateJoined, "date_joined after update")
	again.Username = "bob"
	wantErr(t, s.UpdateUser(ctx, &again), store.ErrConflict, "rename to taken username")
	missing := store.User{PK: 424242, Username: "ghost"}
	wantErr(t, s.UpdateUser(ctx, &missing), store.ErrNotFound, "update missing")

	login := ts(time.Hour)
	check(t, s.SetLastLogin(ctx, u.PK, login), "set last login")
	again, _ = s.GetUser(ctx, u.PK)
	samePtrTime(t, again.LastLogin, &login, "last_login")
	wantErr(t, s.SetLastLogin(ctx, 424242, login), store.ErrNotFound, "last login of missing user")

	check(t, s.DeleteUser(ctx, bob.PK), "delete")
	_, err = s.GetUser(ctx, bob.PK)
	wantErr(t, err, store.ErrNotFound, "get deleted")
	wantErr(t, s.DeleteUser(ctx, bob.PK), store.ErrNotFound, "delete twice")
}

func testUserListing(t *testing.T, s store.Store) {
	g := mkGroup(t, s, "staff", nil)
	for i, name := range []string{"carol", "alice", "bob", "dave", "erin_x"} {
		u := store.User{Username: name, Email: name + "@corp.example", IsActive: i != 3,
			Path: []string{"users", "users/eng", "users/eng/sub", "users/engineering", "other"}[i]}
		if name == "erin_x" {
			u.Name = "Erin 100%"
		}
		check(t, s.CreateUser(ctx, &u), "create %s", name)
		if i%2 == 0 {
			check(t, s.AddGroupMember(ctx, g.UUID, u.PK), "add member")
		}
	}
	username := func(u store.User) string { return u.Username }
	for _, tc := range []struct {
		name  string
		f     store.UserFilter
		want  []string
		total int
	}{
		{"default order is username", store.UserFilter{}, []string{"alice", "bob", "carol", "dave", "erin_x"}, 5},
		{"descending", store.UserFilter{Ordering: "-username"}, []string{"erin_x", "dave", "carol", "bob", "alice"}, 5},
		{"page", store.UserFilter{Limit: 2, Offset: 1}, []string{"bob", "carol"}, 5},
		{"offset only", store.UserFilter{Offset: 4}, []string{"erin_x"}, 5},
		{"unknown ordering falls back", store.UserFilter{Ordering: "password; DROP TABLE users"}, []string{"alice", "bob", "carol", "dave", "erin_x"}, 5},
		{"search is case-insensitive", store.UserFilter{Search: "BO"}, []string{"bob"}, 1},
		{"search matches email", store.UserFilter{Search: "corp.EXAMPLE"}, []string{"alice", "bob", "carol", "dave", "erin_x"}, 5},
		{"search escapes wildcards", store.UserFilter{Search: "_"}, []string{"erin_x"}, 1},
		{"search percent literally", store.UserFilter{Search: "100%"}, []string{"erin_x"}, 1},
		{"exact username", store.UserFilter{Username: "alice"}, []string{"alice"}, 1},
		{"exact email", store.UserFilter{Email: "dave@corp.example"}, []string{"dave"}, 1},
		{"path", store.UserFilter{Path: "users/eng"}, []string{"alice"}, 1},
		{"path prefix", store.UserFilter{PathPrefix: "users/eng"}, []string{"alice", "bob"}, 2},
		{"inactive", store.UserFilter{IsActive: ptr(false)}, []string{"dave"}, 1},
		{"group", store.UserFilter{GroupUUID: g.UUID}, []string{"bob", "carol", "erin_x"}, 3},
		{"group and page", store.UserFilter{GroupUUID: g.UUID, Limit: 1, Ordering: "-username"}, []string{"erin_x"}, 3},
		{"type", store.UserFilter{Type: store.UserTypeExternal}, []string{}, 0},
		{"by pk descending", store.UserFilter{Ordering: "-pk", Limit: 2}, []string{"erin_x", "dave"}, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			list, total, err := s.ListUsers(ctx, tc.f)
			check(t, err, "list")
			sameStrings(t, names(list, username), tc.want, "users")
			if total != tc.total {
				t.Errorf("total = %d, want %d", total, tc.total)
			}
		})
	}
	paths, err := s.UserPaths(ctx)
	check(t, err, "paths")
	sameStrings(t, paths, []string{"other", "users", "users/eng", "users/eng/sub", "users/engineering"}, "paths")
}

func testFindUserForLogin(t *testing.T, s store.Store) {
	a := store.User{Username: "Alice", Email: "Shared@Example.com", IsActive: true, Attributes: map[string]any{"upn": "alice@corp"}}
	check(t, s.CreateUser(ctx, &a), "create")
	b := store.User{Username: "bob", Email: "shared@example.com", IsActive: true}
	check(t, s.CreateUser(ctx, &b), "create")
	for _, tc := range []struct {
		fields []string
		value  string
		ci     bool
		want   string // "" = not found
	}{
		{[]string{"username"}, "Alice", false, "Alice"},
		{[]string{"username"}, "alice", false, ""},
		{[]string{"username"}, "alice", true, "Alice"},
		{[]string{"email"}, "shared@example.com", false, "bob"},
		{[]string{"email"}, "shared@example.com", true, "Alice"}, // lowest pk wins
		{[]string{"email", "username"}, "bob", false, "bob"},
		{[]string{"username"}, "shared@example.com", true, ""},
		{[]string{"upn"}, "alice@corp", false, "Alice"},
		{[]string{}, "Alice", true, ""},
		{[]string{"username"}, "", true, ""},
	} {
		u, err := s.FindUserForLogin(ctx, tc.fields, tc.value, tc.ci)
		if tc.want == "" {
			if err == nil {
				t.Errorf("%v %q ci=%v: found %q, want not found", tc.fields, tc.value, tc.ci, u.Username)
			} else {
				wantErr(t, err, store.ErrNotFound, "find")
			}
			continue
		}
		if err != nil || u.Username != tc.want {
			t.Errorf("%v %q ci=%v: got %q, %v; want %q", tc.fields, tc.value, tc.ci, u.Username, err, tc.want)
		}
	}
}

func testGroups(t *testing.T, s store.Store) {
	parent := mkGroup(t, s, "parent", nil)
	child := store.Group{Name: "child", Parent: &parent.UUID, IsSuperuser: true, Attributes: map[string]any{"a": "b"}}
	check(t, s.CreateGroup(ctx, &child), "create child")
	got, err := s.GetGroup(ctx, child.UUID)
	check(t, err, "get")
	if got.Name != "child" || !got.IsSuperuser || got.Parent == nil || *got.Parent != parent.UUID || got.Attributes["a"] != "b" {
		t.Errorf("get = %+v", got)
	}
	if g, err := s.GetGroupByName(ctx, "parent"); err != nil || g.UUID != parent.UUID || g.Parent != nil {
		t.Errorf("by name = %+v, %v", g, err)
	}
	_, err = s.GetGroupByName(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "missing group")
	dup := store.Group{Name: "parent"}
	wantErr(t, s.CreateGroup(ctx, &dup), store.ErrConflict, "duplicate name")
	bad := store.Group{Name: "orphan", Parent: ptr("00000000-0000-4000-8000-000000000000")}
	wantErr(t, s.CreateGroup(ctx, &bad), store.ErrReferenced, "missing parent")

	mkGroup(t, s, "Admins", nil)
	list, total, err := s.ListGroups(ctx, store.GroupFilter{})
	check(t, err, "list")
	sameStrings(t, names(list, func(g store.Group) string { return g.Name }), []string{"Admins", "child", "parent"}, "groups")
	if total != 3 {
		t.Errorf("total = %d", total)
	}
	list, total, err = s.ListGroups(ctx, store.GroupFilter{Search: "AR", Limit: 1, Ordering: "-name"})
	check(t, err, "search")
	if total != 1 || len(list) != 1 || list[0].Name != "parent" {
		t.Errorf("search = %v (%d)", names(list, func(g store.Group) string { return g.Name }), total)
	}

	got.Name, got.Parent, got.IsSuperuser = "kid", nil, false
	check(t, s.UpdateGroup(ctx, &got), "update")
	again, _ := s.GetGroup(ctx, child.UUID)
	if again.Name != "kid" || again.Parent != nil || again.IsSuperuser {
		t.Errorf("after update = %+v", again)
	}
	got.Name = "parent"
	wantErr(t, s.UpdateGroup(ctx, &got), store.ErrConflict, "rename to taken")

	u := mkUser(t, s, "member")
	check(t, s.AddGroupMember(ctx, parent.UUID, u.PK), "add")
	check(t, s.AddGroupMember(ctx, parent.UUID, u.PK), "add twice is a no-op")
	check(t, s.AddGroupMember(ctx, child.UUID, u.PK), "add to second")
	wantErr(t, s.AddGroupMember(ctx, parent.UUID, 999999), store.ErrReferenced, "add missing user")
	wantErr(t, s.AddGroupMember(ctx, "00000000-0000-4000-8000-000000000000", u.PK), store.ErrReferenced, "add to missing group")
	groups, err := s.UserGroups(ctx, u.PK)
	check(t, err, "user groups")
	sameStrings(t, names(groups, func(g store.Group) string { return g.Name }), []string{"kid", "parent"}, "user groups")
	check(t, s.RemoveGroupMember(ctx, parent.UUID, u.PK), "remove")
	check(t, s.RemoveGroupMember(ctx, parent.UUID, u.PK), "remove again is a no-op")
	groups, _ = s.UserGroups(ctx, u.PK)
	sameStrings(t, names(groups, func(g store.Group) string { return g.Name }), []string{"kid"}, "after remove")

	// Deleting a parent unsets it on children and drops memberships.
	check(t, s.UpdateGroup(ctx, &store.Group{UUID: child.UUID, Name: "kid", Parent: &parent.UUID}), "reparent")
	check(t, s.AddGroupMember(ctx, parent.UUID, u.PK), "re-add")
	check(t, s.DeleteGroup(ctx, parent.UUID), "delete parent")
	again, _ = s.GetGroup(ctx, child.UUID)
	if again.Parent != nil {
		t.Errorf("child parent after delete = %v", *again.Parent)
	}
	groups, _ = s.UserGroups(ctx, u.PK)
	sameStrings(t, names(groups, func(g store.Group) string { return g.Name }), []string{"kid"}, "after parent delete")
	wantErr(t, s.DeleteGroup(ctx, parent.UUID), store.ErrNotFound, "delete twice")
}

func testSuperuser(t *testing.T, s store.Store) {
	root := mkGroup(t, s, "root", nil)
	mid := mkGroup(t, s, "mid", &root.UUID)
	leaf := mkGroup(t, s, "leaf", &mid.UUID)
	u := mkUser(t, s, "u")
	check(t, s.AddGroupMember(ctx, leaf.UUID, u.PK), "add")
	is := func() bool {
		t.Helper()
		ok, err := s.IsSuperuser(ctx, u.PK)
		check(t, err, "is superuser")
		return ok
	}
	if is() {
		t.Error("superuser without any superuser group")
	}
	root.IsSuperuser = true
	check(t, s.UpdateGroup(ctx, &root), "make root superuser")
	if !is() {
		t.Error("not superuser through grandparent")
	}
	// A cycle must not hang: root -> leaf -> mid -> root.
	root.IsSuperuser = false
	root.Parent = &leaf.UUID
	check(t, s.UpdateGroup(ctx, &root), "make cycle")
	if is() {
		t.Error("superuser in a cycle without superuser groups")
	}
	mid.IsSuperuser, mid.Parent = true, &root.UUID
	check(t, s.UpdateGroup(ctx, &mid), "mid superuser")
	if !is() {
		t.Error("not superuser through cycle member")
	}
	if ok, err := s.IsSuperuser(ctx, 999999); err != nil || ok {
		t.Errorf("missing user = %v, %v", ok, err)
	}
}

func testTokens(t *testing.T, s store.Store) {
	u := mkUser(t, s, "owner")
	exp := ts(24 * time.Hour)
	tok := store.Token{Identifier: "bootstrap", KeyHash: "abc123", UserPK: u.PK, Description: "d", Expires: &exp}
	check(t, s.CreateToken(ctx, &tok), "create")
	if tok.Created.IsZero() || tok.Intent != "api" {
		t.Errorf("create did not fill: %+v", tok)
	}
	got, err := s.GetTokenByHash(ctx, "abc123")
	check(t, err, "by hash")
	if got.Identifier != "bootstrap" || got.UserPK != u.PK || got.Description != "d" {
		t.Errorf("by hash = %+v", got)
	}
	samePtrTime(t, got.Expires, &exp, "expires")
	if g, err := s.GetToken(ctx, "bootstrap"); err != nil || g.KeyHash != "abc123" {
		t.Errorf("by id = %+v, %v", g, err)
	}
	_, err = s.GetTokenByHash(ctx, "nope")
	wantErr(t, err, store.ErrNotFound, "missing hash")
	wantErr(t, s.CreateToken(ctx, &store.Token{Identifier: "other", KeyHash: "abc123", UserPK: u.PK}), store.ErrConflict, "duplicate hash")
	wantErr(t, s.CreateToken(ctx, &store.Token{Identifier: "bootstrap", KeyHash: "zzz", UserPK: u.PK}), store.ErrConflict, "duplicate identifier")
	wantErr(t, s.CreateToken(ctx, &store.Token{Identifier: "x", KeyHash: "x", UserPK: 999999}), store.ErrReferenced, "missing user")
	check(t, s.CreateToken(ctx, &store.Token{Identifier: "a-second", KeyHash: "def", UserPK: u.PK}), "create second")
	list, err := s.ListTokens(ctx, u.PK)
	check(t, err, "list")
	sameStrings(t, names(list, func(t store.Token) string { return t.Identifier }), []string{"a-second", "bootstrap"}, "tokens")
	if list[0].Expires != nil {
		t.Errorf("token without expiry has %v", list[0].Expires)
	}
	all, err := s.ListTokens(ctx, 0)
	check(t, err, "list everyone's")
	if len(all) != len(list) {
		t.Errorf("ListTokens(0) = %d tokens, want %d", len(all), len(list))
	}
	check(t, s.DeleteToken(ctx, "a-second"), "delete")
	wantErr(t, s.DeleteToken(ctx, "a-second"), store.ErrNotFound, "delete twice")
}

func testSessions(t *testing.T, s store.Store) {
	u := mkUser(t, s, "sess")
	sess := store.Session{ID: "h1", Data: []byte(`{"k":"v"}`), Expires: ts(time.Hour), ClientIP: "10.0.0.1", UserAgent: "ua"}
	check(t, s.CreateSession(ctx, &sess), "create anonymous")
	got, err := s.GetSession(ctx, "h1")
	check(t, err, "get")
	if got.UserPK != nil || string(got.Data) != `{"k":"v"}` || got.ClientIP != "10.0.0.1" || got.UserAgent != "ua" {
		t.Errorf("get = %+v", got)
	}
	sameTime(t, got.Expires, ts(time.Hour), "expires")
	wantErr(t, s.CreateSession(ctx, &store.Session{ID: "h1", Expires: ts(0)}), store.ErrConflict, "duplicate id")
	got.UserPK = &u.PK
	got.Data = []byte(`{}`)
	got.Expires = ts(2 * time.Hour)
	check(t, s.UpdateSession(ctx, &got), "update")
	again, _ := s.GetSession(ctx, "h1")
	if again.UserPK == nil || *again.UserPK != u.PK || string(again.Data) != "{}" {
		t.Errorf("after update = %+v", again)
	}
	wantErr(t, s.UpdateSession(ctx, &store.Session{ID: "nope", Expires: ts(0)}), store.ErrNotFound, "update missing")

	for _, id := range []string{"h2", "h3"} {
		check(t, s.CreateSession(ctx, &store.Session{ID: id, UserPK: &u.PK, Expires: ts(time.Hour)}), "create %s", id)
	}
	check(t, s.CreateSession(ctx, &store.Session{ID: "old", Expires: ts(-time.Hour)}), "create expired")
	check(t, s.DeleteUserSessions(ctx, u.PK, "h2"), "delete others")
	for id, want := range map[string]bool{"h1": false, "h2": true, "h3": false, "old": true} {
		_, err := s.GetSession(ctx, id)
		if (err == nil) != want {
			t.Errorf("session %s exists=%v, want %v", id, err == nil, want)
		}
	}
	n, err := s.DeleteExpiredSessions(ctx, ts(0))
	check(t, err, "delete expired")
	if n != 1 {
		t.Errorf("deleted %d expired sessions, want 1", n)
	}
	check(t, s.DeleteSession(ctx, "h2"), "delete")
	wantErr(t, s.DeleteSession(ctx, "h2"), store.ErrNotFound, "delete twice")
}
