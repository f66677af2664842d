package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/boot"
	"github.com/usher-id/usher/internal/cli/invite"
	"github.com/usher-id/usher/internal/domain/invitation"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func init() {
	register(&Command{
		Name:    "invitation create",
		Summary: "Create an invitation and print its link",
		Usage:   "usher invitation create --name NAME --flow SLUG [flags]",
		Description: `Creates an invitation to the enrollment flow SLUG and prints the link to use it
on standard output (details and warnings go to standard error). --send queues
the invitation email to --email; a running 'usher serve' delivers it.`,
		Examples: `usher invitation create --name jane --flow invitation-enrollment-flow-external --single-use --expires 72h
usher invitation create --name onboarding-q1 --flow default-enrollment-flow --max-uses 25 --expires 2026-12-31
usher invitation create --name jane --flow default-enrollment-flow --email jane@example.com --send
usher invitation create --name eng --flow default-enrollment-flow --fixed-data '{"attributes": {"department": "Engineering"}}'
usher invitation create --name contractor --flow default-enrollment-flow --fixed-data @contractor.yaml
usher invitation create --name jane --flow default-enrollment-flow --email jane@example.com --group staff --group vpn`,
		Run: runInvitationCreate,
	})
	register(&Command{
		Name:    "invitation list",
		Summary: "List invitations",
		Usage:   "usher invitation list [flags]",
		Examples: `usher invitation list
usher invitation list --flow default-enrollment-flow --status active
usher invitation list --search jane --limit 0`,
		Run: runInvitationList,
	})
	register(&Command{
		Name:    "invitation show",
		Summary: "Show an invitation: link, fixed data, uses and problems",
		Usage:   "usher invitation show INVITATION",
		Description: `INVITATION is the invitation's UUID (the itoken of its link) or its name when
no other invitation has the same name.`,
		Examples: `usher invitation show 0b9c3a55-3f7e-4c3b-9a7e-5d2f0a1b2c3d
usher invitation show onboarding-q1`,
		Run: runInvitationShow,
	})
	register(&Command{
		Name:    "invitation revoke",
		Summary: "Revoke an invitation (it stays listed but can no longer be used)",
		Usage:   "usher invitation revoke INVITATION",
		Examples: `usher invitation revoke onboarding-q1
usher invitation revoke 0b9c3a55-3f7e-4c3b-9a7e-5d2f0a1b2c3d`,
		Run: func(ctx context.Context, env *Env, args []string) error {
			return runInvitationChange(ctx, env, args, true)
		},
	})
	register(&Command{
		Name:     "invitation delete",
		Summary:  "Delete an invitation",
		Usage:    "usher invitation delete INVITATION",
		Examples: "usher invitation delete onboarding-q1",
		Run: func(ctx context.Context, env *Env, args []string) error {
			return runInvitationChange(ctx, env, args, false)
		},
	})
	register(&Command{
		Name:    "invitation send",
		Summary: "Queue the invitation email",
		Usage:   "usher invitation send [flags] INVITATION",
		Description: `Queues the invitation email to --to (repeatable), or to the invitation's own
email address. A running 'usher serve' delivers it (see the email_sent and
email_failed events).`,
		Examples: `usher invitation send jane
usher invitation send onboarding-q1 --to a@example.com --to b@example.com
usher invitation send jane --expires 7d      # resend with a new expiry`,
		Run: runInvitationSend,
	})
	register(&Command{
		Name:    "invitation delegate",
		Summary: "Let a group's members invite people themselves, within a quota",
		Usage:   "usher invitation delegate [flags] GROUP",
		Description: `Members of GROUP (a name or pk) may then create invitations to --flow from
their account page (/if/user/invitations/): single use, bound to the address
they enter, valid for 7 days, with them as the creator. Each member may have
--max-live open invitations at once and create --max-per-month per calendar
month (UTC). Running it again for the group replaces its settings; --remove
takes the permission away (existing invitations stay).`,
		Examples: `usher invitation delegate staff --flow invitation-enrollment-flow-external --max-live 5 --max-per-month 20
usher invitation delegate staff --remove`,
		Run: runInvitationDelegate,
	})
	register(&Command{
		Name:    "invitation import",
		Summary: "Create one invitation per row of a CSV file",
		Usage:   "usher invitation import [flags] FILE.csv",
		Description: `The first row names the columns. "email" is required and binds each
invitation to that address; "name" names the invitation (default: a slug of
the email); every other column goes into the invitation's fixed data (prefix
a column with "fixed_data." to pre-fill a prompt field called "name"), except
"groups": group names or pks separated by ";" that the row's invitee joins
on enrollment (--group adds groups to every row).
All rows are created in one transaction: if any row is bad, every bad row is
reported and nothing is created. FILE "-" reads standard input.`,
		Examples: `usher invitation import invitees.csv --flow invitation-enrollment-flow-external
usher invitation import invitees.csv --flow default-enrollment-flow --expires 14d --send
usher invitation import invitees.csv --flow default-enrollment-flow --group staff
cat invitees.csv | usher invitation import - --flow default-enrollment-flow`,
		Run: runInvitationImport,
	})
}

// actorFlags are shared by commands that act as a user.
type actorFlags struct {
	as, baseURL *string
}

func addActorFlags(fs *FlagSet) actorFlags {
	return actorFlags{
		as:      fs.String("as", "akadmin", "act as this user (the invitation's creator)"),
		baseURL: fs.String("base-url", "", "scheme and host of links (default: USHER_EXTERNAL_URL, else http://<USHER_LISTEN>)"),
	}
}

// base is the scheme and host of printed links: --base-url, else
// USHER_EXTERNAL_URL, else the address the last `usher serve` on this
// database listened at (it records it), else a guess from USHER_LISTEN,
// which is said on stderr: a link to the wrong port is a dead link.
func (f actorFlags) base(ctx context.Context, env *Env) string {
	if *f.baseURL != "" {
		return strings.TrimRight(*f.baseURL, "/")
	}
	if env.Config.ExternalURL != "" {
		return strings.TrimRight(env.Config.ExternalURL, "/")
	}
	if env.store != nil {
		if u, err := env.store.GetSetting(ctx, settingServerURL); err == nil && u != "" {
			return u
		}
	}
	guess := "http://" + env.Config.Listen
	if !env.guessed {
		env.guessed = true
		fmt.Fprintf(env.Stderr, "note: links use %s, a guess (no usher server has run on this database yet); "+
			"set USHER_EXTERNAL_URL or pass --base-url\n", guess)
	}
	return guess
}

func (f actorFlags) user(ctx context.Context, q store.Queries) (*store.User, error) {
	u, err := q.GetUserByUsername(ctx, *f.as)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("--as: no user named %q (see 'usher user list')", *f.as)
	}
	return &u, err
}

// onInvitation runs fn in one transaction with the acting user (--as) and
// the invitation ref names.
func (f actorFlags) onInvitation(ctx context.Context, a *app.App, ref string,
	fn func(q store.Queries, by *store.User, inv store.Invitation) error) error {
	return a.Store.Tx(ctx, func(q store.Queries) error {
		by, err := f.user(ctx, q)
		if err != nil {
			return err
		}
		inv, err := findInvitation(ctx, q, ref)
		if err != nil {
			return err
		}
		return fn(q, by, inv)
	})
}

// invitationArg names the INVITATION argument in usage errors.
const invitationArg = "INVITATION (a UUID or name)"

func runInvitationCreate(ctx context.Context, env *Env, args []string) error {
	fs := env.Flags()
	var p invite.Params
	fs.StringVar(&p.Name, "name", "", "invitation name: letters, numbers, underscores or hyphens (required)")
	fs.StringVar(&p.FlowSlug, "flow", "", "slug of the enrollment flow the invitation opens (required)")
	fs.StringVar(&p.Expires, "expires", invitation.DefaultExpiryFlag, "expiry: a duration (72h, 7d, 2w), a date (2026-12-31, valid through that day, UTC), a date-time, or never")
	fs.BoolVar(&p.SingleUse, "single-use", false, "the invitation can be used once (the default; kept for scripts)")
	fs.IntVar(&p.MaxUses, "max-uses", invitation.DefaultMaxUses, "how many enrollments the invitation allows (0 = unlimited)")
	fs.StringVar(&p.FixedData, "fixed-data", "", "data pre-filled in the flow: a JSON or YAML object, or @FILE")
	fs.StringVar(&p.Email, "email", "", "bind the invitation to this email address")
	fs.BoolVar(&p.Send, "send", false, "queue the invitation email to --email")
	fs.Func("group", "a group (name or pk) the invitee joins on enrollment (repeatable)", func(s string) error {
		p.Groups = append(p.Groups, s)
		return nil
	})
	fs.StringVar(&p.Redirect, "redirect", "", "where the invitee lands after enrolling: a path on this site (/application/launch/SLUG/)")
	actor := addActorFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Want(0, 0, ""); err != nil {
		return err
	}
	if p.Name == "" || p.FlowSlug == "" {
		return usageError{errors.New("--name and --flow are required")}
	}
	a, err := env.App(ctx)
	if err != nil {
		return err
	}
	p.BaseURL = actor.base(ctx, env)
	var inv store.Invitation
	var flow store.Flow
	err = a.Store.Tx(ctx, func(q store.Queries) error {
		creator, err := actor.user(ctx, q)
		if err != nil {
			return err
		}
		if inv, err = invite.Create(ctx, a, q, creator, p); err != nil {
			return err
		}
		flow, err = q.GetFlow(ctx, *inv.Flow)
		return err
	})
	if err != nil {
		return fieldErrors(err)
	}
	fmt.Fprintln(env.Stdout, invitation.Link(p.BaseURL, inv, flow))
	fmt.Fprintf(env.Stderr, "created invitation %s (%s), %s\n", inv.Name, inv.UUID, describeLimits(inv))
	if p.Send {
		fmt.Fprintf(env.Stderr, "invitation email to %s queued; a running usher server delivers it\n", inv.Email)
	}
	return warnProblems(ctx, a, env.Stderr, inv)
}

func describeLimits(inv store.Invitation) string {
	uses := "unlimited uses"
	if inv.MaxUses != nil {
		uses = fmt.Sprintf("%d of %d uses", inv.Uses, *inv.MaxUses)
	}
	if inv.Expires == nil {
		return "never expires, " + uses
	}
	return "expires " + inv.Expires.UTC().Format(invitation.ExpiryFormat) + ", " + uses
}

func warnProblems(ctx context.Context, a *app.App, w io.Writer, inv store.Invitation) error {
	probs, err := invitation.Problems(ctx, a.Store, inv, a.Clock())
	if err != nil {
		return err
	}
	for _, p := range probs {
		fmt.Fprintf(w, "warning: %s\n", p)
	}
	return nil
}

// fieldErrors words validation errors with the CLI's flag names.
func fieldErrors(err error) error {
	var v *resource.ValidationError
	if !errors.As(err, &v) {
		return err
	}
	flag := map[string]string{"max_uses": "--max-uses", "fixed_data": "--fixed-data", "single_use": "--single-use"}
	var parts []string
	for f, msgs := range v.Fields {
		name := flag[f]
		if name == "" {
			name = "--" + f
		}
		parts = append(parts, name+": "+strings.Join(msgs, " "))
	}
	sort.Strings(parts)
	return errors.New(strings.Join(parts, "; "))
}

func runInvitationList(ctx context.Context, env *Env, args []string) error {
	fs := env.Flags()
	flow := fs.String("flow", "", "only invitations for this flow slug")
	search := fs.String("search", "", "only invitations whose name, creator or flow contains this")
	status := fs.String("status", "", "only invitations with this status: active, expired, used_up, revoked")
	limit := fs.Int("limit", 100, "show at most this many (0 = all)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Want(0, 0, ""); err != nil {
		return err
	}
	switch *status {
	case "", store.InvitationActive, store.InvitationExpired, store.InvitationUsedUp, store.InvitationRevoked:
	default:
		return usageError{fmt.Errorf("--status: %q is not one of active, expired, used_up, revoked", *status)}
	}
	a, err := env.App(ctx)
	if err != nil {
		return err
	}
	f := store.InvitationFilter{FlowSlug: *flow, Search: *search}
	if *status == "" {
		f.Limit = *limit // the status is derived, so filter it here, not in SQL
	}
	invs, total, err := a.Store.ListInvitations(ctx, f)
	if err != nil {
		return err
	}
	now := a.Clock()
	flows, users := map[string]string{}, map[int64]string{}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "UUID\tNAME\tFLOW\tEXPIRES\tUSES\tSTATUS\tCREATED BY\tEMAIL")
	shown := 0
	for _, inv := range invs {
		if *status != "" && inv.Status(now) != *status {
			continue
		}
		if *status != "" && *limit > 0 && shown == *limit {
			break
		}
		shown++
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", inv.UUID, inv.Name, flowSlug(ctx, a.Store, flows, inv.Flow),
			expiry(inv), uses(inv), inv.Status(now), username(ctx, a.Store, users, inv.CreatedBy), inv.Email)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if *status == "" && total > len(invs) {
		fmt.Fprintf(env.Stdout, "(%d of %d invitations shown; use --limit 0 for all)\n", len(invs), total)
	}
	return nil
}

func flowSlug(ctx context.Context, q store.Queries, cache map[string]string, id *string) string {
	if id == nil {
		return "(any)"
	}
	if s, ok := cache[*id]; ok {
		return s
	}
	s := "?"
	if f, err := q.GetFlow(ctx, *id); err == nil {
		s = f.Slug
	}
	cache[*id] = s
	return s
}

func username(ctx context.Context, q store.Queries, cache map[int64]string, pk int64) string {
	if s, ok := cache[pk]; ok {
		return s
	}
	s := fmt.Sprint(pk)
	if u, err := q.GetUser(ctx, pk); err == nil {
		s = u.Username
	}
	cache[pk] = s
	return s
}

func expiry(inv store.Invitation) string {
	if inv.Expires == nil {
		return "never"
	}
	return inv.Expires.UTC().Format(invitation.ExpiryFormat)
}

func uses(inv store.Invitation) string {
	if inv.MaxUses == nil {
		return fmt.Sprintf("%d", inv.Uses)
	}
	return fmt.Sprintf("%d/%d", inv.Uses, *inv.MaxUses)
}

// findInvitation resolves a UUID, or a name no other invitation has.
func findInvitation(ctx context.Context, q store.Queries, ref string) (store.Invitation, error) {
	if id, ok := resource.NormUUID(ref); ok {
		inv, err := q.GetInvitation(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			return inv, fmt.Errorf("no invitation %s (see 'usher invitation list')", ref)
		}
		return inv, err
	}
	invs, _, err := q.ListInvitations(ctx, store.InvitationFilter{Name: ref, Limit: 2})
	switch {
	case err != nil:
		return store.Invitation{}, err
	case len(invs) == 0:
		return store.Invitation{}, fmt.Errorf("no invitation with UUID or name %q (see 'usher invitation list')", ref)
	case len(invs) > 1:
		return store.Invitation{}, fmt.Errorf("several invitations are named %q: give the UUID (see 'usher invitation list --search %s')", ref, ref)
	}
	return invs[0], nil
}

func runInvitationShow(ctx context.Context, env *Env, args []string) error {
	fs := env.Flags()
	actor := addActorFlags(fs)
	a, err := env.parseOne(ctx, fs, args, invitationArg)
	if err != nil {
		return err
	}
	inv, err := findInvitation(ctx, a.Store, fs.Arg(0))
	if err != nil {
		return err
	}
	w := env.Stdout
	fmt.Fprintf(w, "UUID:        %s\nName:        %s\n", inv.UUID, inv.Name)
	if inv.Flow != nil {
		flow, err := a.Store.GetFlow(ctx, *inv.Flow)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "Flow:        %s\nLink:        %s\n", flow.Slug, invitation.Link(actor.base(ctx, env), inv, flow))
	} else {
		fmt.Fprintln(w, "Flow:        (any flow with an invitation stage)")
	}
	fmt.Fprintf(w, "Status:      %s\nExpires:     %s\nUses:        %s\n", inv.Status(a.Clock()), expiry(inv), uses(inv))
	fmt.Fprintf(w, "Created by:  %s\nCreated:     %s\n", username(ctx, a.Store, map[int64]string{}, inv.CreatedBy),
		inv.Created.UTC().Format(invitation.ExpiryFormat))
	if inv.Email != "" {
		fmt.Fprintf(w, "Email:       %s\n", inv.Email)
	}
	if inv.RevokedAt != nil {
		fmt.Fprintf(w, "Revoked:     %s\n", inv.RevokedAt.UTC().Format(invitation.ExpiryFormat))
	}
	groups, err := a.Store.InvitationGroups(ctx, []string{inv.UUID})
	if err != nil {
		return err
	}
	if gs := groups[inv.UUID]; len(gs) > 0 {
		names := make([]string, len(gs))
		for i, g := range gs {
			names[i] = g.Name
		}
		fmt.Fprintf(w, "Groups:      %s\n", strings.Join(names, ", "))
	}
	fd, _ := json.MarshalIndent(inv.FixedData, "             ", "  ")
	fmt.Fprintf(w, "Fixed data:  %s\n", fd)
	usesList, err := a.Store.ListInvitationUses(ctx, inv.UUID)
	if err != nil {
		return err
	}
	for _, u := range usesList {
		fmt.Fprintf(w, "Used by:     %s at %s from %s\n", u.Username, u.UsedAt.UTC().Format(invitation.ExpiryFormat), u.ClientIP)
	}
	hist, err := invitation.History(ctx, a.Store, inv, 200)
	if err != nil {
		return err
	}
	for i, h := range hist {
		label := "             "
		if i == 0 {
			label = "History:     "
		}
		line := h.At.UTC().Format(invitation.ExpiryFormat) + "  " + h.What
		if h.By != "" {
			line += " by " + h.By
		}
		if h.Detail != "" {
			line += " (" + h.Detail + ")"
		}
		fmt.Fprintln(w, label+line)
	}
	return warnProblems(ctx, a, w, inv)
}

func runInvitationChange(ctx context.Context, env *Env, args []string, revoke bool) error {
	fs := env.Flags()
	actor := addActorFlags(fs)
	a, err := env.parseOne(ctx, fs, args, invitationArg)
	if err != nil {
		return err
	}
	var inv store.Invitation
	err = actor.onInvitation(ctx, a, fs.Arg(0), func(q store.Queries, by *store.User, found store.Invitation) error {
		var err error
		if revoke {
			inv, err = invitation.Revoke(ctx, a, q, by, found.UUID)
		} else {
			inv, err = invitation.Delete(ctx, a, q, by, found.UUID)
		}
		return err
	})
	if err != nil {
		return err
	}
	verb := "deleted"
	if revoke {
		verb = "revoked"
	}
	fmt.Fprintf(env.Stdout, "%s invitation %s (%s)\n", verb, inv.Name, inv.UUID)
	return nil
}

func runInvitationSend(ctx context.Context, env *Env, args []string) error {
	fs := env.Flags()
	var to []string
	fs.Func("to", "recipient address (repeatable; default: the invitation's email)", func(s string) error {
		to = append(to, s)
		return nil
	})
	expires := fs.String("expires", "", "move the invitation's expiry first: a duration (7d) or a date or date-time (resend with a new expiry)")
	actor := addActorFlags(fs)
	a, err := env.parseOne(ctx, fs, args, invitationArg)
	if err != nil {
		return err
	}
	newExpiry, err := invite.ParseExpires(*expires, a.Clock())
	if err != nil {
		return usageError{fmt.Errorf("--expires: %w", err)}
	}
	err = actor.onInvitation(ctx, a, fs.Arg(0), func(q store.Queries, by *store.User, inv store.Invitation) error {
		if len(to) == 0 && inv.Email != "" {
			to = []string{inv.Email}
		}
		if len(to) == 0 {
			return errors.New("--to: the invitation has no email address; say whom to send it to")
		}
		_, err := invitation.Send(ctx, a, q, inv, invitation.SendOptions{To: to, BaseURL: actor.base(ctx, env), Inviter: by,
			Expires: newExpiry})
		if errors.Is(err, invitation.ErrExpiryPast) || errors.Is(err, invitation.ErrExpiryRevoked) {
			return fmt.Errorf("--expires: %w", err)
		}
		return err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "invitation email to %s queued; a running usher server delivers it\n", strings.Join(to, ", "))
	return nil
}

func runInvitationImport(ctx context.Context, env *Env, args []string) error {
	fs := env.Flags()
	flow := fs.String("flow", "", "slug of the enrollment flow (required)")
	expires := fs.String("expires", invitation.DefaultExpiryFlag, "expiry of every invitation: a duration (14d), a date, a date-time, or never")
	maxUses := fs.Int("max-uses", invitation.DefaultMaxUses, "uses per invitation (0 = unlimited)")
	send := fs.Bool("send", false, "queue the invitation email to each row's address")
	var groups []string
	fs.Func("group", "a group (name or pk) every row's invitee joins on enrollment (repeatable)", func(s string) error {
		groups = append(groups, s)
		return nil
	})
	actor := addActorFlags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := fs.Want(1, 1, "FILE.csv (or - for standard input)"); err != nil {
		return err
	}
	if *flow == "" {
		return usageError{errors.New("--flow is required")}
	}
	var r io.Reader = env.Stdin
	if name := fs.Arg(0); name != "-" {
		// Read whole and closed before the database opens: closing a
		// second descriptor on usher's own SQLite file after it is open
		// would drop the server's locks (should someone name it here).
		data, err := os.ReadFile(name)
		if err != nil {
			return fmt.Errorf("open %s: %v", name, boot.Cause(err))
		}
		r = bytes.NewReader(data)
	}
	a, err := env.App(ctx)
	if err != nil {
		return err
	}
	creator, err := actor.user(ctx, a.Store)
	if err != nil {
		return err
	}
	invs, err := invite.ImportCSV(ctx, a, r, invite.ImportOptions{FlowSlug: *flow, Creator: creator,
		Expires: *expires, MaxUses: *maxUses, Send: *send, BaseURL: actor.base(ctx, env), Groups: groups})
	var ie *invite.ImportError
	if errors.As(err, &ie) {
		// One line per bad row, so the whole list is readable.
		fmt.Fprintf(env.Stderr, "%s: %d bad row(s), nothing was imported:\n", fs.Arg(0), len(ie.Rows))
		for _, row := range ie.Rows {
			fmt.Fprintf(env.Stderr, "  %s\n", row)
		}
		return fmt.Errorf("%s: import refused", fs.Arg(0))
	}
	if err != nil {
		return fieldErrors(err)
	}
	fmt.Fprintf(env.Stdout, "created %d invitations for flow %s", len(invs), *flow)
	if *send {
		fmt.Fprintf(env.Stdout, "; %d invitation emails queued", len(invs))
	}
	fmt.Fprintln(env.Stdout)
	return nil
}

func runInvitationDelegate(ctx context.Context, env *Env, args []string) error {
	fs := env.Flags()
	flow := fs.String("flow", "", "slug of the flow members may invite people to (required)")
	maxLive := fs.Int("max-live", 5, "open invitations each member may have at once")
	maxPerMonth := fs.Int("max-per-month", 20, "invitations each member may create per calendar month")
	remove := fs.Bool("remove", false, "take the permission away from the group")
	a, err := env.parseOne(ctx, fs, args, "GROUP (a name or pk)")
	if err != nil {
		return err
	}
	if !*remove && *flow == "" {
		return usageError{errors.New("--flow is required")}
	}
	var d store.InvitationDelegation
	err = a.Store.Tx(ctx, func(q store.Queries) error {
		if *remove {
			g, err := invitation.ResolveGroup(ctx, q, fs.Arg(0))
			if err != nil {
				return err
			}
			d.Group = g.Name
			if err := q.DeleteInvitationDelegation(ctx, g.UUID); errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("group %s may not invite people anyway", g.Name)
			} else if err != nil {
				return err
			}
			return nil
		}
		var err error
		d, err = invitation.Delegate(ctx, q, fs.Arg(0), *flow, *maxLive, *maxPerMonth)
		return err
	})
	var fe *invitation.FieldError
	if errors.As(err, &fe) {
		return fmt.Errorf("--%s: %s", strings.ReplaceAll(fe.Field, "_", "-"), fe.Msg)
	}
	if err != nil {
		return err
	}
	if *remove {
		fmt.Fprintf(env.Stdout, "members of %s may no longer invite people\n", d.Group)
		return nil
	}
	fmt.Fprintf(env.Stdout, "members of %s may invite people to %s: %d open at once, %d per month each\n",
		fs.Arg(0), *flow, d.MaxLive, d.MaxPerMonth)
	return nil
}
