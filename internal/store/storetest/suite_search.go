package storetest

import (
	"sort"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// testSearch pins the "contains" semantics of the users and invitations
// searches (DRF's icontains) whatever index serves them: substrings
// anywhere, any ASCII case, terms shorter than a trigram, LIKE wildcards
// and quote characters taken literally, and the index following updates
// and deletes.
func testSearch(t *testing.T, s store.Store) {
	mk := func(username, name, email string) store.User {
		u := store.User{Username: username, Name: name, Email: email, IsActive: true}
		check(t, s.CreateUser(ctx, &u), "create user %s", username)
		return u
	}
	marg := mk("marguerite", "Marguerite Duras", "mduras@lit.example")
	mk("obrien", `Pat "Paddy" O'Brien`, "pat@obrien.example")
	mk("under_score", "Percy 100% Sure", "us@corp.example")
	mk("plain", "Plain Person", "plain@corp.example")
	creator := mk("zelda-admin", "Zelda", "zelda@corp.example")

	users := func(t *testing.T, search string, want ...string) {
		t.Helper()
		list, total, err := s.ListUsers(ctx, store.UserFilter{Search: search})
		check(t, err, "search users %q", search)
		got := names(list, func(u store.User) string { return u.Username })
		sort.Strings(got)
		sort.Strings(want)
		sameStrings(t, got, want, "users matching "+search)
		if total != len(want) {
			t.Errorf("search users %q: total %d, want %d", search, total, len(want))
		}
	}
	for _, tc := range []struct {
		search string
		want   []string
	}{
		{"guer", []string{"marguerite"}},                       // middle of the username
		{"DURAS", []string{"marguerite"}},                      // name, other case
		{"uras@LI", []string{"marguerite"}},                    // middle of the email
		{"Marguerite D", []string{"marguerite"}},               // across a space
		{"g", []string{"marguerite"}},                          // 1 character
		{"ER", []string{"marguerite", "plain", "under_score"}}, // 2 characters, other case
		{"100%", []string{"under_score"}},                      // % literally
		{"0%", []string{"under_score"}},                        // % in a short term
		{"%", []string{"under_score"}},                         // % alone is no wildcard
		{"r_s", []string{"under_score"}},                       // _ literally
		{"_", []string{"under_score"}},                         // _ alone is no wildcard
		{`"Paddy"`, []string{"obrien"}},                        // double quotes
		{`y" O`, []string{"obrien"}},                           // a lone double quote
		{"O'Br", []string{"obrien"}},                           // single quote
		{"'b", []string{"obrien"}},                             // single quote, short
		{"guer*", nil},                                         // FTS syntax is literal
		{"plain OR duras", nil},                                // so are its operators
		{"ain per", []string{"plain"}},                         // a word boundary
		{"@corp.example", []string{"plain", "under_score", "zelda-admin"}},
		{"xyz", nil},
	} {
		t.Run("users "+tc.search, func(t *testing.T) { users(t, tc.search, tc.want...) })
	}

	flow := mkFlow(t, s, "enroll-flow")
	inv := func(name string, by int64, flow *string) store.Invitation {
		i := store.Invitation{Name: name, CreatedBy: by, Expiring: true, Flow: flow}
		check(t, s.CreateInvitation(ctx, &i), "create invitation %s", name)
		return i
	}
	welcome := inv("welcome-batch", marg.PK, nil)
	inv("partner_2026", creator.PK, nil)
	inv("contractors", marg.PK, &flow.UUID)
	invitations := func(t *testing.T, search string, want ...string) {
		t.Helper()
		list, total, err := s.ListInvitations(ctx, store.InvitationFilter{Search: search})
		check(t, err, "search invitations %q", search)
		got := names(list, func(i store.Invitation) string { return i.Name })
		sort.Strings(got)
		sort.Strings(want)
		sameStrings(t, got, want, "invitations matching "+search)
		if total != len(want) {
			t.Errorf("search invitations %q: total %d, want %d", search, total, len(want))
		}
	}
	for _, tc := range []struct {
		search string
		want   []string
	}{
		{"COME-BA", []string{"welcome-batch"}},                // name, middle, other case
		{"lda-ad", []string{"partner_2026"}},                  // creator username
		{"GUERITE", []string{"contractors", "welcome-batch"}}, // creator, other case
		{"nroll-f", []string{"contractors"}},                  // flow slug
		{"r_2", []string{"partner_2026"}},                     // _ literally
		{"_", []string{"partner_2026"}},
		{"%", nil},
		{"ba", []string{"welcome-batch"}}, // 2 characters
		{"z", []string{"partner_2026"}},   // 1 character, the creator
		{"Duras", nil},                    // the creator's name is not searched
		{`welcome"`, nil},
	} {
		t.Run("invitations "+tc.search, func(t *testing.T) { invitations(t, tc.search, tc.want...) })
	}

	// The index follows updates and deletes.
	marg.Name, marg.Username, marg.Email = "Colette", "sidonie", "sido@lit.example"
	check(t, s.UpdateUser(ctx, &marg), "rename user")
	users(t, "duras")
	users(t, "guer")
	users(t, "COLET", "sidonie")
	users(t, "doni", "sidonie")
	invitations(t, "guerite")
	invitations(t, "sidon", "contractors", "welcome-batch")
	check(t, s.SetLastLogin(ctx, marg.PK, time.Now()), "last login")
	users(t, "colet", "sidonie")

	welcome.Name = "hello-crew"
	check(t, s.UpdateInvitation(ctx, &welcome), "rename invitation")
	invitations(t, "welcome")
	invitations(t, "LO-CR", "hello-crew")
	check(t, s.ConsumeInvitation(ctx, &store.InvitationUse{Invitation: welcome.UUID}), "consume")
	invitations(t, "lo-cr", "hello-crew")
	check(t, s.DeleteInvitation(ctx, welcome.UUID), "delete invitation")
	invitations(t, "lo-cr")

	// Deleting the user cascades to their invitations.
	check(t, s.DeleteUser(ctx, marg.PK), "delete user")
	users(t, "colet")
	users(t, "sidon")
	invitations(t, "contractors")
	invitations(t, "nroll-f")
	users(t, "@corp.example", "plain", "under_score", "zelda-admin")
}
