package brand

import (
	_ "embed"
	"net/http"
)

// DefaultLogo is where authentik brands point their logo by default; usher
// serves its own mark there so brands imported from authentik, and the
// default brand, show a logo instead of a broken image.
const DefaultLogo = "/static/dist/assets/icons/icon_left_brand.svg"

//go:embed assets/icon_left_brand.svg
var logoSVG []byte

// Assets serves the built-in brand images.
type Assets struct{}

// Mount registers the asset routes.
func (Assets) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET "+DefaultLogo, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Cache-Control", "public, max-age=86400")
		_, _ = w.Write(logoSVG)
	})
}
