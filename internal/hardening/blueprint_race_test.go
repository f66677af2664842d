package hardening

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/usher-id/usher/internal/testkit"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// Two instances apply the same blueprint at the same moment (as two
// servers discovering the same file do): both succeed (one may wait for
// the other) and every object exists once.
func TestTwoInstancesApplySameBlueprint(t *testing.T) {
	data, err := os.ReadFile(testkit.ExampleBlueprint(t, "flows-invitation-enrollment.yaml"))
	if os.IsNotExist(err) {
		t.Skip("example blueprints not found")
	}
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range []struct {
		name string
		open func(t *testing.T) (store.Store, store.Store)
	}{
		{"sqlite", func(t *testing.T) (store.Store, store.Store) {
			path := filepath.Join(t.TempDir(), "usher.db")
			a := storetest.OpenSQLiteUnmigrated(t, path)
			if err := a.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return a, storetest.OpenSQLiteUnmigrated(t, path)
		}},
		{"postgres", func(t *testing.T) (store.Store, store.Store) {
			dsn := storetest.NewPostgresDatabase(t)
			a := storetest.OpenPostgresUnmigrated(t, dsn)
			if err := a.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			return a, storetest.OpenPostgresUnmigrated(t, dsn)
		}},
	} {
		t.Run(b.name, func(t *testing.T) {
			ctx := context.Background()
			s1, s2 := b.open(t)
			admin := store.User{Username: "akadmin", IsActive: true, Type: store.UserTypeInternal, Path: "users"}
			admins := store.Group{Name: "authentik Admins", IsSuperuser: true}
			for _, err := range []error{s1.CreateUser(ctx, &admin), s1.CreateGroup(ctx, &admins)} {
				if err != nil {
					t.Fatal(err)
				}
			}
			if err := s1.AddGroupMember(ctx, admins.UUID, admin.PK); err != nil {
				t.Fatal(err)
			}
			const rounds = 3
			for round := range rounds {
				apps := []*app.App{quietApp(s1), quietApp(s2)}
				errs := make([]error, len(apps))
				var wg sync.WaitGroup
				start := make(chan struct{})
				for i, a := range apps {
					wg.Add(1)
					go func() {
						defer wg.Done()
						bp, err := blueprint.Parse(data, "flows-invitation-enrollment.yaml")
						if err != nil {
							errs[i] = err
							return
						}
						<-start
						_, errs[i] = blueprint.Apply(ctx, a, bp, blueprint.Options{})
					}()
				}
				close(start)
				wg.Wait()
				for i, err := range errs {
					if err != nil {
						t.Errorf("round %d, instance %d: %v", round, i, err)
					}
				}
			}
			flows, _ := s1.ListFlows(ctx)
			stages, _ := s1.ListStages(ctx)
			prompts, _ := s1.ListPrompts(ctx)
			bindings, _ := s1.ListBindings(ctx, "")
			_, invs, _ := s1.ListInvitations(ctx, store.InvitationFilter{})
			_, groups, _ := s1.ListGroups(ctx, store.GroupFilter{})
			got := map[string]int{"flows": len(flows), "stages": len(stages), "prompts": len(prompts),
				"bindings": len(bindings), "invitations": invs, "groups": groups}
			// What one apply on a fresh database creates.
			want := map[string]int{"flows": 3, "stages": 9, "prompts": 5, "bindings": 15, "invitations": 5, "groups": 2}
			for k, n := range want {
				if got[k] != n {
					t.Errorf("%s = %d, want %d (duplicates or missing objects)", k, got[k], n)
				}
			}
		})
	}
}

func quietApp(s store.Store) *app.App {
	return &app.App{Store: s, Log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}
