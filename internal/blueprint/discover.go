package blueprint

import (
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/app"
)

// DefaultMaxBytes is the file size limit when the app sets none.
const DefaultMaxBytes = 5 << 20

// ErrInvalidPath is a path that leaves the blueprints directory.
var ErrInvalidPath = errors.New("Invalid blueprint path")

// TooLargeError is a blueprint file over the configured limit.
type TooLargeError struct {
	Path        string
	Size, Limit int64
}

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("blueprint %s is too large (%d bytes; the limit is %d bytes, set by USHER_BLUEPRINT_MAX_BYTES)", e.Path, e.Size, e.Limit)
}

// Available is a blueprint file found in the blueprints directory (the
// API's `available/` shape).
type Available struct {
	Path         string    `json:"path"` // relative to the blueprints directory
	LastModified time.Time `json:"last_m"`
	Hash         string    `json:"hash"` // hex sha512 of the content
	Meta         *Metadata `json:"meta"`
	// Instantiate is false for files labelled instantiate: "false".
	Instantiate bool `json:"-"`
}

// Hash is the hex sha512 of a blueprint's content (last_applied_hash).
func Hash(data []byte) string {
	sum := sha512.Sum512(data)
	return hex.EncodeToString(sum[:])
}

// MaxBytes is the blueprint file size limit: the app's setting, else
// DefaultMaxBytes.
func MaxBytes(a *app.App) int64 {
	if a.MaxBlueprintBytes > 0 {
		return a.MaxBlueprintBytes
	}
	return DefaultMaxBytes
}

// ResolvePath returns the file for rel inside dir, refusing anything that
// leads outside it (.., absolute paths, symlinks pointing out).
func ResolvePath(dir, rel string) (string, error) {
	if dir == "" || rel == "" || strings.ContainsRune(rel, 0) {
		return "", ErrInvalidPath
	}
	clean := filepath.Clean(filepath.FromSlash(rel))
	if !filepath.IsLocal(clean) {
		return "", ErrInvalidPath
	}
	root, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return "", fmt.Errorf("blueprints directory %s: %w", dir, err)
	}
	full := filepath.Join(root, clean)
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("blueprint %s: %w", rel, fs.ErrNotExist)
		}
		return "", err
	}
	if r, err := filepath.Rel(root, real); err != nil || !filepath.IsLocal(r) {
		return "", ErrInvalidPath
	}
	return real, nil
}

// ReadFile reads rel from the app's blueprints directory, refusing paths
// outside it and files over the size limit.
func ReadFile(a *app.App, rel string) ([]byte, error) {
	return readFileIn(a.BlueprintsDir, rel, MaxBytes(a))
}

// ReadLocalFile reads a blueprint file named on the command line (any
// path, unlike ReadFile), refusing one over the app's size limit.
func ReadLocalFile(a *app.App, path string) ([]byte, error) {
	limit := MaxBytes(a)
	data, err := readLimited(path, limit)
	var over *overLimitError
	if errors.As(err, &over) {
		return nil, &TooLargeError{Path: path, Size: over.size, Limit: limit}
	}
	return data, err
}

func readFileIn(dir, rel string, limit int64) ([]byte, error) {
	full, err := ResolvePath(dir, rel)
	if err != nil {
		return nil, err
	}
	st, err := os.Stat(full)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("blueprint %s is not a regular file", rel)
	}
	if st.Size() > limit {
		return nil, &TooLargeError{Path: rel, Size: st.Size(), Limit: limit}
	}
	data, err := readLimited(full, limit)
	if err != nil {
		return nil, &TooLargeError{Path: rel, Size: st.Size(), Limit: limit}
	}
	return data, nil
}

// CheckSize refuses content over the app's limit (uploads).
func CheckSize(a *app.App, name string, data []byte) error {
	if limit := MaxBytes(a); int64(len(data)) > limit {
		return &TooLargeError{Path: name, Size: int64(len(data)), Limit: limit}
	}
	return nil
}

// ListAvailable lists the blueprint files under the app's blueprints
// directory, sorted by path. Hidden paths are skipped, and so are files
// that are not valid blueprints (a warning is logged), as in authentik.
func ListAvailable(a *app.App) ([]Available, error) {
	dir := a.BlueprintsDir
	if dir == "" {
		return []Available{}, nil
	}
	root, err := filepath.EvalSymlinks(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []Available{}, nil
	}
	if err != nil {
		return nil, err
	}
	out := []Available{}
	limit := MaxBytes(a)
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // unreadable subtree: skip it
		}
		if path != root && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			return nil
		}
		ext := strings.ToLower(filepath.Ext(path))
		if ext != ".yaml" && ext != ".yml" && ext != ".json" {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return nil
		}
		rel = filepath.ToSlash(rel)
		data, err := readFileIn(root, rel, limit)
		if err != nil {
			if a.Log != nil {
				a.Log.Warn("blueprint skipped", "path", rel, "error", err.Error())
			}
			return nil
		}
		bp, err := Parse(data, rel)
		if err != nil {
			if a.Log != nil {
				a.Log.Warn("blueprint skipped", "path", rel, "error", err.Error())
			}
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return nil
		}
		out = append(out, Available{Path: rel, LastModified: info.ModTime().UTC(), Hash: Hash(data),
			Meta: bp.Metadata, Instantiate: bp.Instantiate()})
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out, err
}
