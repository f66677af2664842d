package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/domain/group"
	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/store"
)

func init() {
	register(&Command{
		Name:    "user create",
		Summary: "Create a user",
		Usage:   "usher user create [flags] USERNAME",
		Description: `Creates a user. Without --password-stdin or --no-password a random password is
generated and printed once. --superuser adds the user to the "authentik Admins" group.`,
		Examples: `usher user create alice --name "Alice Liddell" --email alice@example.com
echo 's3cret-passphrase' | usher user create bob --password-stdin
usher user create carol --superuser
usher user create ci-bot --type service_account --no-password`,
		Run: runUserCreate,
	})
	register(&Command{
		Name:    "user list",
		Summary: "List users",
		Usage:   "usher user list [flags]",
		Examples: `usher user list
usher user list --search example.com --limit 20
usher user list --type external`,
		Run: runUserList,
	})
	register(&Command{
		Name:    "user set-password",
		Summary: "Set a user's password",
		Usage:   "usher user set-password [flags] USERNAME",
		Description: `Sets a new password (read from standard input with --password-stdin, otherwise
generated and printed once) and ends the user's sessions.`,
		Examples: `usher user set-password alice
echo 'new-passphrase' | usher user set-password alice --password-stdin`,
		Run: runUserSetPassword,
	})
	register(&Command{
		Name:     "user deactivate",
		Summary:  "Deactivate a user and end their sessions",
		Usage:    "usher user deactivate USERNAME",
		Examples: "usher user deactivate alice",
		Run:      func(ctx context.Context, env *Env, args []string) error { return setActive(ctx, env, args, false) },
	})
	register(&Command{
		Name:     "user activate",
		Summary:  "Reactivate a deactivated user",
		Usage:    "usher user activate USERNAME",
		Examples: "usher user activate alice",
		Run:      func(ctx context.Context, env *Env, args []string) error { return setActive(ctx, env, args, true) },
	})
	register(&Command{
		Name:    "user delete",
		Summary: "Delete a user",
		Usage:   "usher user delete USERNAME",
		Description: `Deletes the user, their sessions and API tokens, and the invitations they
created. Recorded uses of invitations keep the username.`,
		Examples: "usher user delete alice",
		Run:      runUserDelete,
	})
}

var userTypes = []string{store.UserTypeInternal, store.UserTypeExternal, store.UserTypeServiceAccount}

func runUserCreate(ctx context.Context, env *Env, args []string) error {
	fs := env.Flags()
	name := fs.String("name", "", "display name (default: the username)")
	email := fs.String("email", "", "email address")
	typ := fs.String("type", store.UserTypeInternal, "user type: "+strings.Join(userTypes, ", "))
	path := fs.String("path", "users", "user path (folders separated by /)")
	superuser := fs.Bool("superuser", false, `add the user to the "authentik Admins" group`)
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	noPassword := fs.Bool("no-password", false, "create the user without a usable password")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Want(1, 1, "USERNAME"); err != nil {
		return err
	}
	username := fs.Arg(0)
	if err := checkUserFields(username, *email, *typ, *path); err != nil {
		return usageError{err}
	}
	if msg := fieldrule.Name(*name); msg != "" {
		return usageError{errors.New("--name: " + msg)}
	}
	if *stdin && *noPassword {
		return usageError{errors.New("--password-stdin and --no-password cannot be combined")}
	}
	a, err := env.App(ctx)
	if err != nil {
		return err
	}
	password, generated := "", false
	switch {
	case *stdin:
		if password, err = readPassword(env); err != nil {
			return err
		}
	case !*noPassword:
		password, generated = auth.GeneratePassword(), true
	}
	u := store.User{Username: username, Name: *name, Email: *email, IsActive: true, Type: *typ, Path: *path,
		Attributes: map[string]any{}}
	if u.Name == "" {
		u.Name = username
	}
	if err := user.HashPassword(a.Passwords, &u, password, a.Clock()); err != nil {
		return err
	}
	err = a.Store.Tx(ctx, func(q store.Queries) error {
		var groups []string
		if *superuser {
			admins, err := group.Ensure(ctx, q, auth.AdminGroup, true)
			if err != nil {
				return err
			}
			groups = append(groups, admins.UUID)
		}
		if err := user.Create(ctx, q, &u, groups...); err != nil {
			if errors.Is(err, store.ErrConflict) {
				return fmt.Errorf("a user named %q already exists", username)
			}
			return err
		}
		return recordUser(ctx, a, q, event.ModelCreated, &u)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "created user %s (pk %d)\n", u.Username, u.PK)
	if generated {
		fmt.Fprintf(env.Stdout, "password: %s\n", password)
	}
	return nil
}

func runUserList(ctx context.Context, env *Env, args []string) error {
	fs := env.Flags()
	search := fs.String("search", "", "only users whose username, name or email contains this")
	typ := fs.String("type", "", "only users of this type")
	limit := fs.Int("limit", 100, "show at most this many users (0 = all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Want(0, 0, ""); err != nil {
		return err
	}
	st, err := env.Store(ctx)
	if err != nil {
		return err
	}
	users, total, err := st.ListUsers(ctx, store.UserFilter{Search: *search, Type: *typ, Ordering: "username", Limit: *limit})
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PK\tUSERNAME\tNAME\tEMAIL\tTYPE\tACTIVE\tSUPERUSER\tLAST LOGIN")
	for _, u := range users {
		super, err := st.IsSuperuser(ctx, u.PK)
		if err != nil {
			return err
		}
		last := "never"
		if u.LastLogin != nil {
			last = u.LastLogin.UTC().Format("2006-01-02 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", u.PK, u.Username, u.Name, u.Email, u.Type,
			yesNo(u.IsActive), yesNo(super), last)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if total > len(users) {
		fmt.Fprintf(env.Stdout, "(%d of %d users shown; use --limit 0 for all)\n", len(users), total)
	}
	return nil
}

func runUserSetPassword(ctx context.Context, env *Env, args []string) error {
	fs := env.Flags()
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	a, err := env.parseOne(ctx, fs, args, "USERNAME")
	if err != nil {
		return err
	}
	password, generated := auth.GeneratePassword(), true
	if *stdin {
		if password, err = readPassword(env); err != nil {
			return err
		}
		generated = false
	}
	u, err := changeUser(ctx, a, fs.Arg(0), func(q store.Queries, u *store.User) error {
		return user.SetPassword(ctx, q, a.Passwords, a.Clock(), user.RequestAudit(ctx, a.Events, nil), u, password, "")
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "password of %s changed; their sessions have ended\n", u.Username)
	if generated {
		fmt.Fprintf(env.Stdout, "password: %s\n", password)
	}
	return nil
}

func setActive(ctx context.Context, env *Env, args []string, active bool) error {
	fs := env.Flags()
	a, err := env.parseOne(ctx, fs, args, "USERNAME")
	if err != nil {
		return err
	}
	u, err := changeUser(ctx, a, fs.Arg(0), func(q store.Queries, u *store.User) error {
		if err := user.SetActive(ctx, q, u, active); err != nil {
			return err
		}
		return recordUser(ctx, a, q, event.ModelUpdated, u)
	})
	if err != nil {
		return err
	}
	if active {
		fmt.Fprintf(env.Stdout, "user %s activated\n", u.Username)
	} else {
		fmt.Fprintf(env.Stdout, "user %s deactivated; their sessions have ended\n", u.Username)
	}
	return nil
}

func runUserDelete(ctx context.Context, env *Env, args []string) error {
	fs := env.Flags()
	a, err := env.parseOne(ctx, fs, args, "USERNAME")
	if err != nil {
		return err
	}
	u, err := changeUser(ctx, a, fs.Arg(0), func(q store.Queries, u *store.User) error {
		if err := user.Delete(ctx, q, u.PK); err != nil {
			return err
		}
		return recordUser(ctx, a, q, event.ModelDeleted, u)
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "deleted user %s\n", u.Username)
	return nil
}

// changeUser runs change on the user named username in one transaction
// and returns the user as changed.
func changeUser(ctx context.Context, a *app.App, username string, change func(q store.Queries, u *store.User) error) (store.User, error) {
	var u store.User
	err := a.Store.Tx(ctx, func(q store.Queries) error {
		var err error
		if u, err = getUser(ctx, q, username); err != nil {
			return err
		}
		return change(q, &u)
	})
	return u, err
}

func getUser(ctx context.Context, q store.Queries, username string) (store.User, error) {
	u, err := q.GetUserByUsername(ctx, username)
	if errors.Is(err, store.ErrNotFound) {
		return u, fmt.Errorf("no user named %q (see 'usher user list')", username)
	}
	return u, err
}

// recordUser writes a model event for a CLI change (no request, no actor).
func recordUser(ctx context.Context, a *app.App, q store.Queries, action string, u *store.User) error {
	return a.Events.Record(ctx, q, nil, nil, action, map[string]any{
		"model": event.Model(store.ModelUser, u.PK, u.Username), "source": "cli"})
}

// checkUserFields applies the API's rules (authentik's core/api/users.py) to CLI input.
func checkUserFields(username, email, typ, path string) error {
	switch {
	case strings.TrimSpace(username) == "":
		return errors.New("USERNAME must not be blank")
	case fieldrule.Username(username) != "":
		// The users API's rule, shared through fieldrule.
		return errors.New("USERNAME: " + fieldrule.Username(username))
	case fieldrule.Email(email) != "":
		return fmt.Errorf("--email: %q is not an email address", email)
	case typ == store.UserTypeInternalServiceAccount:
		return errors.New("--type: Setting a user to internal service account is not allowed.")
	case path == "":
		return errors.New("--path: This field may not be blank.")
	case strings.HasPrefix(path, "/") || strings.HasSuffix(path, "/"):
		return errors.New("--path: No leading or trailing slashes allowed.")
	case strings.Contains(path, "//"):
		return errors.New("--path: No empty segments in user path allowed.")
	}
	for _, t := range userTypes {
		if typ == t {
			return nil
		}
	}
	return fmt.Errorf("--type: %q is not one of %s", typ, strings.Join(userTypes, ", "))
}

func readPassword(env *Env) (string, error) {
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		if err != nil && err.Error() != "EOF" {
			return "", fmt.Errorf("read password from standard input: %w", err)
		}
		return "", errors.New("--password-stdin: standard input held no password")
	}
	return line, nil
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
