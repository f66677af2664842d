package blueprint

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

// Source trust. !Env and !File read the host (environment variables,
// files), which only the operator may decide to expose: a blueprint the
// operator placed in the blueprints directory or applied with the usher
// CLI is trusted; anything uploaded (the API's import, the console's
// Import page, an instance's content set through the API) is not, even
// from an administrator, since the values end up readable through the API.
// authentik resolves these tags in every blueprint; usher refuses them in
// untrusted ones before anything is written.

// hostTag is one !Env or !File in a parsed blueprint.
type hostTag struct {
	name string
	at   position
}

// UntrustedTagError is a !Env or !File in a blueprint from an untrusted
// source.
type UntrustedTagError struct {
	Name         string // the blueprint's name in messages
	Tag          string // "!Env" or "!File"
	Line, Column int
}

func (e *UntrustedTagError) Error() string {
	var b strings.Builder
	if e.Name != "" {
		b.WriteString(e.Name + ": ")
	}
	fmt.Fprintf(&b, "line %d, column %d: %s is only allowed in blueprints read from the blueprints directory or applied with the usher CLI; "+
		"an uploaded blueprint may not read the server's environment or files. Put the value in the blueprint, "+
		"or place the file in the blueprints directory", e.Line, e.Column, e.Tag)
	return b.String()
}

// CheckTrust refuses a blueprint that uses !Env or !File unless it comes
// from a trusted source. It names the first such tag.
func (b *Blueprint) CheckTrust(trusted bool) error {
	if trusted || len(b.hostTags) == 0 {
		return nil
	}
	t := b.hostTags[0]
	return &UntrustedTagError{Name: b.Name, Tag: t.name, Line: t.at.line, Column: t.at.col}
}

// untrustedTag is the resolver's own refusal, should an untrusted
// blueprint reach it without CheckTrust.
func untrustedTag(t tag, name string) error {
	p := t.pos()
	return &UntrustedTagError{Tag: name, Line: p.line, Column: p.col}
}

// fileTagPath returns the real path !File may read for path, or why not.
// Whatever the source, !File never opens usher's database (or its -wal,
// -shm, -journal): opening and closing it drops the server's SQLite locks
// (see store.CheckNotDatabaseFile). Nor does it read the data directory,
// except the blueprints directory in it. Symlinks and ".." are resolved
// first, so the comparison is between real paths.
func (r *resolver) fileTagPath(path string) (string, error) {
	if !filepath.IsAbs(path) && r.dir != "" {
		// Not filepath.Join: it would clean "link/.." lexically, while the
		// file system resolves ".." after following the link.
		path = r.dir + string(filepath.Separator) + path
	}
	real, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", err
	}
	if real, err = filepath.Abs(real); err != nil {
		return "", err
	}
	if err := store.CheckNotDatabaseFile(real); err != nil {
		return "", &protectedPathError{path: path, why: err.Error()}
	}
	if r.dataDir != "" {
		data, err := filepath.EvalSymlinks(r.dataDir)
		if err == nil && within(data, real) {
			if bp, err := filepath.EvalSymlinks(r.blueprintsDir); r.blueprintsDir == "" || err != nil || !within(bp, real) {
				return "", &protectedPathError{path: path, why: "is in usher's data directory; !File reads only the blueprints directory there"}
			}
		}
	}
	return real, nil
}

// protectedPathError is a !File path usher refuses to open.
type protectedPathError struct{ path, why string }

func (e *protectedPathError) Error() string { return fmt.Sprintf("File: %s %s", e.path, e.why) }

// within reports whether path is dir or inside it (both real and absolute).
func within(dir, path string) bool {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return false
	}
	rel, err := filepath.Rel(dir, path)
	return err == nil && (filepath.IsLocal(rel) || rel == ".")
}
