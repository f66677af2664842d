package api

import "net/http"

func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("GET /api/v3/root/config/{$}", h.public(h.rootConfig))
		mux.HandleFunc("GET /api/v3/admin/version/{$}", h.authenticated(h.adminVersion))
	})
}

// rootConfig is authentik's /root/config/ (open to anyone): usher sends no
// error reports and offers none of authentik's optional capabilities
// (media uploads, impersonation, GeoIP, ...).
func (h *Handler) rootConfig(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, map[string]any{
		"error_reporting": map[string]any{"enabled": false, "sentry_dsn": "", "environment": "",
			"send_pii": false, "traces_sample_rate": 0},
		"capabilities":  []string{},
		"cache_timeout": 0, "cache_timeout_flows": 0, "cache_timeout_policies": 0,
	})
	return nil
}

// adminVersion is authentik's /admin/version/. usher does not look for
// updates (no outbound calls): the latest version is the running one.
func (h *Handler) adminVersion(w http.ResponseWriter, r *http.Request, c *call) error {
	v := h.App.Version
	writeJSON(w, http.StatusOK, map[string]any{"version_current": v, "version_latest": v,
		"version_latest_valid": false, "build_hash": "", "outdated": false, "outpost_outdated": false})
	return nil
}
