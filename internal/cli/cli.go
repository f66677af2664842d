// Package cli is the usher command line. Commands live in a table: each
// file registers its own in init, so other areas add command groups
// (blueprint.go, invitation.go, ...) without touching this file:
//
//	func init() {
//		register(&Command{
//			Name:     "invitation list",   // "group sub" or a single word
//			Summary:  "List invitations",
//			Usage:    "usher invitation list [flags]",
//			Examples: "usher invitation list --flow default-enrollment-flow",
//			Run:      runInvitationList,
//		})
//	}
//
//	func runInvitationList(ctx context.Context, env *Env, args []string) error {
//		fs := env.Flags()                       // always, so --help works
//		flow := fs.String("flow", "", "only invitations for this flow slug")
//		if err := fs.Parse(args); err != nil {
//			return err
//		}
//		a, err := env.App(ctx)                  // opened, migrated store and the app
//		...
//		fmt.Fprintln(env.Stdout, ...)
//	}
//
// Errors returned by Run are printed as one line, "usher: <error>", with
// exit status 1; flag errors print a hint to --help and exit with 2.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"sort"
	"strings"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/boot"
	"github.com/usher-id/usher/internal/config"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/store"
)

// Command is one CLI command.
type Command struct {
	// Name is the words that select it: "serve", "user create".
	Name    string
	Summary string // one line, for the command list
	Usage   string // "usher user create [flags] USERNAME"
	// Description is optional longer help shown by --help.
	Description string
	// Examples are shown by --help, one per line.
	Examples string
	Run      func(ctx context.Context, env *Env, args []string) error
}

var commands = map[string]*Command{}

// register adds a command; call it from init.
func register(c *Command) {
	if _, dup := commands[c.Name]; dup {
		panic("cli: duplicate command " + c.Name)
	}
	commands[c.Name] = c
}

// Env is what a command runs with.
type Env struct {
	Config  *config.Config
	Log     *slog.Logger
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Environ []string

	cmd   *Command
	flags *flag.FlagSet
	store store.Store
	app   *app.App
	// guessed: the link base guess was already announced.
	guessed bool
}

// usageError is a problem with the command line itself.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }

// Flags returns the command's flag set; parse args with it even when the
// command has no flags, so --help and stray flags are handled.
func (e *Env) Flags() *FlagSet {
	fs := flag.NewFlagSet(e.cmd.Name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	e.flags = fs
	return &FlagSet{fs}
}

// FlagSet is flag.FlagSet whose Parse reports usage errors distinctly.
type FlagSet struct{ *flag.FlagSet }

// Parse parses args; flags may also follow positional arguments
// (usher user create alice --email a@example.com).
func (f *FlagSet) Parse(args []string) error {
	var positional []string
	for {
		if err := f.FlagSet.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return usageError{err}
		}
		rest := f.FlagSet.Args()
		if len(rest) == 0 {
			break
		}
		if rest[0] == "--" {
			positional = append(positional, rest[1:]...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	return f.FlagSet.Parse(append([]string{"--"}, positional...))
}

// Want checks the number of positional arguments.
func (f *FlagSet) Want(min, max int, what string) error {
	n := f.NArg()
	switch {
	case n < min:
		return usageError{fmt.Errorf("missing %s", what)}
	case max >= 0 && n > max:
		return usageError{fmt.Errorf("unexpected argument %q", f.Arg(max))}
	}
	return nil
}

// parseOne parses args for a command taking exactly one argument (what
// names it in the usage error) and returns the app.
func (e *Env) parseOne(ctx context.Context, fs *FlagSet, args []string, what string) (*app.App, error) {
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if err := fs.Want(1, 1, what); err != nil {
		return nil, err
	}
	return e.App(ctx)
}

// Store opens the configured database and applies pending migrations, once
// per command run; Main closes it.
func (e *Env) Store(ctx context.Context) (store.Store, error) {
	if e.store != nil {
		return e.store, nil
	}
	if err := requireDatabase(e.Config); err != nil {
		return nil, err
	}
	st, err := boot.OpenStore(ctx, e.Config)
	if err != nil {
		return nil, err
	}
	if err := boot.Migrate(ctx, st); err != nil {
		st.Close()
		return nil, err
	}
	e.store = st
	return st, nil
}

// requireDatabase refuses to run a command against a SQLite database that
// does not exist yet: run from the wrong folder, it would silently create
// an empty one (and then find no akadmin). Only serve and migrate create
// the database, and they open the store themselves.
func requireDatabase(cfg *config.Config) error {
	if cfg.Postgres() {
		return nil
	}
	path := cfg.DatabasePath()
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no usher database at %s; run from the server's folder or set USHER_DATA_DIR / USHER_DATABASE_URL (or create one with 'usher migrate')", path)
	}
	return nil
}

// App returns the application container on the opened store.
func (e *Env) App(ctx context.Context) (*app.App, error) {
	if e.app != nil {
		return e.app, nil
	}
	st, err := e.Store(ctx)
	if err != nil {
		return nil, err
	}
	a, err := boot.NewApp(ctx, e.Config, st, e.Log, version())
	if err != nil {
		return nil, err
	}
	// The server's outbox worker delivers what the CLI queues, with the
	// server's SMTP settings: a shell without USHER_EMAIL__* may still
	// send when the server has them.
	if a.EmailNotConfigured {
		if v, err := st.GetSetting(ctx, settingServerEmail); err == nil && v == emailConfigured {
			a.EmailNotConfigured = false
		}
	}
	e.app = a
	return a, nil
}

// Main runs the command line args (without the program name) and returns
// the exit status.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, environ []string) int {
	configFile, args, err := globalFlags(args)
	if err != nil {
		fmt.Fprintf(stderr, "usher: %v\n", err)
		return 2
	}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
		if len(args) > 1 {
			if c, _ := find(args[1:]); c != nil {
				printHelp(stdout, c, nil)
				return 0
			}
		}
		printCommands(stdout, "")
		return 0
	}
	cmd, rest := find(args)
	if cmd == nil {
		if groupExists(args[0]) {
			printCommands(stdout, args[0])
			if len(args) == 1 {
				return 0
			}
			typed := strings.Join(args[:2], " ")
			fmt.Fprintf(stderr, "usher: unknown command %q%s\n", typed, config.DidYouMean(typed, commandNames()))
			return 2
		}
		typed := args[0]
		if len(args) > 1 && !strings.HasPrefix(args[1], "-") {
			// "invitaton list": compare both words, so the suggestion is
			// the whole command.
			if hint := config.DidYouMean(args[0]+" "+args[1], commandNames()); hint != "" {
				fmt.Fprintf(stderr, "usher: unknown command %q%s\n", args[0]+" "+args[1], hint)
				return 2
			}
		}
		if hint := config.DidYouMean(typed, append(commandNames(), groupNames()...)); hint != "" {
			fmt.Fprintf(stderr, "usher: unknown command %q%s\n", typed, hint)
			return 2
		}
		fmt.Fprintf(stderr, "usher: unknown command %q (run 'usher help' for the list)\n", typed)
		return 2
	}

	env := &Env{Stdin: stdin, Stdout: stdout, Stderr: stderr, Environ: environ, cmd: cmd}
	if isHelp(rest) {
		// Help needs no valid configuration.
		env.Config, _ = config.Load(nil, "")
	} else {
		cfg, err := config.Load(environ, configFile)
		if err != nil {
			printError(stderr, err)
			return 1
		}
		env.Config = cfg
	}
	env.Log = newLogger(stderr, env.Config)
	err = cmd.Run(ctx, env, rest)
	if env.store != nil {
		env.store.Close()
	}
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		printHelp(stdout, cmd, env.flags)
		return 0
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "usher %s: %v\nRun 'usher %s --help' for usage.\n", cmd.Name, ue.err, cmd.Name)
		return 2
	}
	printError(stderr, err)
	return 1
}

func isHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "-h", "-help", "--help":
			return true
		case "--":
			return false
		}
	}
	return false
}

// globalFlags takes --config FILE from before the command name.
func globalFlags(args []string) (string, []string, error) {
	file := ""
	for len(args) > 0 && strings.HasPrefix(args[0], "-") {
		a := args[0]
		switch {
		case a == "--config" || a == "-config" || a == "-c":
			if len(args) < 2 {
				return "", nil, errors.New("--config needs a file name")
			}
			file, args = args[1], args[2:]
		case strings.HasPrefix(a, "--config="), strings.HasPrefix(a, "-config="):
			file, args = a[strings.Index(a, "=")+1:], args[1:]
		case a == "-h" || a == "--help" || a == "-help":
			return file, args, nil
		default:
			return "", nil, fmt.Errorf("unknown flag %s (the only global flag is --config FILE)", a)
		}
	}
	return file, args, nil
}

// find picks the longest command name matching the leading words.
func find(args []string) (*Command, []string) {
	if len(args) >= 2 {
		if c, ok := commands[args[0]+" "+args[1]]; ok {
			return c, args[2:]
		}
	}
	if c, ok := commands[args[0]]; ok {
		return c, args[1:]
	}
	return nil, nil
}

// commandNames lists every command's full name.
func commandNames() []string {
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// groupNames lists the first words of multi-word commands ("user", ...).
func groupNames() []string {
	seen := map[string]bool{}
	var out []string
	for name := range commands {
		if g, _, ok := strings.Cut(name, " "); ok && !seen[g] {
			seen[g] = true
			out = append(out, g)
		}
	}
	sort.Strings(out)
	return out
}

func groupExists(word string) bool {
	for name := range commands {
		if strings.HasPrefix(name, word+" ") {
			return true
		}
	}
	return false
}

func printCommands(w io.Writer, group string) {
	var names []string
	for name := range commands {
		if group == "" || strings.HasPrefix(name, group+" ") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if group == "" {
		fmt.Fprintln(w, "usher: invitation-based enrollment, compatible with authentik.")
		fmt.Fprintln(w, "\nUsage: usher [--config FILE] COMMAND [flags] [arguments]")
	} else {
		fmt.Fprintf(w, "Usage: usher %s COMMAND [flags] [arguments]\n", group)
	}
	fmt.Fprintln(w, "\nCommands:")
	width := 0
	for _, n := range names {
		width = max(width, len(n))
	}
	for _, n := range names {
		fmt.Fprintf(w, "  %-*s  %s\n", width, n, commands[n].Summary)
	}
	fmt.Fprintln(w, "\nRun 'usher COMMAND --help' for a command's flags and examples.")
	if group == "" {
		fmt.Fprintln(w, "Settings come from USHER_* environment variables or --config FILE; see 'usher config'.")
	}
}

func printHelp(w io.Writer, c *Command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s\n\n%s\n", c.Usage, c.Summary)
	if c.Description != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(c.Description))
	}
	if fs != nil {
		n := 0
		fs.VisitAll(func(*flag.Flag) { n++ })
		if n > 0 {
			fmt.Fprintln(w, "\nFlags:")
			printFlags(w, fs)
		}
	}
	if c.Examples != "" {
		fmt.Fprintln(w, "\nExamples:")
		for _, line := range strings.Split(strings.TrimSpace(c.Examples), "\n") {
			fmt.Fprintf(w, "  %s\n", strings.TrimSpace(line))
		}
	}
}

// printError writes err as one line; a configuration with several
// problems and a blueprint with several bad entries get one line each.
func printError(w io.Writer, err error) {
	var probs config.Errors
	if errors.As(err, &probs) && len(probs) > 1 {
		fmt.Fprintf(w, "usher: invalid configuration (%d problems):\n", len(probs))
		for _, p := range probs {
			fmt.Fprintf(w, "  %s\n", p)
		}
		return
	}
	var list *listError
	if errors.As(err, &list) {
		fmt.Fprintf(w, "usher: %s\n", list.head)
		for _, item := range list.items {
			fmt.Fprintf(w, "  %s\n", oneLine(item))
		}
		return
	}
	fmt.Fprintf(w, "usher: %s\n", oneLine(err.Error()))
}

// listError is printed as a heading and one indented line per item (a
// blueprint's failed entries).
type listError struct {
	head  string
	items []string
}

func (e *listError) Error() string { return e.head + " " + strings.Join(e.items, "; ") }

// oneLine folds a multi-line error (drivers join one line per attempt,
// often repeated) into one line without repeats.
func oneLine(msg string) string {
	var parts []string
	seen := map[string]bool{}
	for _, line := range strings.Split(msg, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !seen[line] {
			seen[line] = true
			parts = append(parts, line)
		}
	}
	return strings.Join(parts, " ")
}

func newLogger(w io.Writer, cfg *config.Config) *slog.Logger {
	return server.NewLogger(w, cfg.LogLevel, cfg.LogFormat)
}

// printFlags lists the flags the way the examples write them (--name),
// not the single dash flag.PrintDefaults uses; both forms are accepted.
func printFlags(w io.Writer, fs *flag.FlagSet) {
	fs.VisitAll(func(f *flag.Flag) {
		name, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if name != "" {
			line += " " + name
		}
		fmt.Fprintf(w, "%s\n    \t%s", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
		switch {
		case isZeroDefault(f):
		case name == "string":
			fmt.Fprintf(w, " (default %q)", f.DefValue)
		default:
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// isZeroDefault reports whether f's default is its type's zero value, which
// flag.PrintDefaults does not print either.
func isZeroDefault(f *flag.Flag) bool {
	switch f.DefValue {
	case "", "0", "false", "0s", "[]":
		return true
	}
	return false
}
