package console

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"time"
)

//go:embed static
var staticFS embed.FS

// assets are the static files with a content hash in their URL, so they can
// be cached for a year and still change on every release that edits them.
type assets struct {
	files map[string][]byte // name -> content
	hash  map[string]string // name -> short hash
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string][]byte{}, hash: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		name := path.Base(p)
		sum := sha256.Sum256(b)
		a.files[name] = b
		a.hash[name] = hex.EncodeToString(sum[:6])
		return nil
	})
	return a, err
}

// url returns the fingerprinted URL of a static file; an unknown name panics
// at template execution, which the boot check (every page renders) catches.
func (a *assets) url(name string) string {
	h, ok := a.hash[name]
	if !ok {
		panic("web: unknown static file " + name)
	}
	return "/static/web/" + h + "/" + name
}

func (h *Handler) serveAsset(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("file")
	b, ok := h.assets.files[name]
	if !ok || h.assets.hash[name] != r.PathValue("hash") {
		http.NotFound(w, r)
		return
	}
	if ct := mime.TypeByExtension(path.Ext(name)); ct != "" {
		w.Header().Set("Content-Type", ct)
	}
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(b))
}
