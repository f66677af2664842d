package api

import (
	"net/http"

	"github.com/usher-id/usher/internal/domain/keypair"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// The OpenID Connect provider's objects, at authentik's paths: OAuth2
// providers (also listed under providers/all/, usher's only provider
// type), scope mappings and certificate key pairs.
func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		providers := endpoint[store.OAuth2Provider]{path: "/api/v3/providers/oauth2/", model: resource.OAuth2Providers,
			filters: filters("name", "client_id", "client_type", "issuer_mode", "sub_mode", "include_claims_in_id_token",
				"authorization_flow", "access_code_validity", "access_token_validity", "refresh_token_validity"),
			search: []string{"name"}, order: "name"}
		crud(h, mux, providers)
		mux.HandleFunc("GET /api/v3/providers/oauth2/{id}/setup_urls/{$}", h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
			rc := h.resourceCtx(r, c, h.App.Store)
			p, err := providers.get(rc, r.PathValue("id"))
			if err != nil {
				return err
			}
			slug := ""
			if a, err := h.App.Store.ApplicationOfProvider(r.Context(), p.PK); err == nil {
				slug = a.Slug
			}
			writeJSON(w, http.StatusOK, resource.ProviderURLs(rc.BaseURL, slug))
			return nil
		}))
		all := providers
		all.path = "/api/v3/providers/all/"
		mux.HandleFunc("GET /api/v3/providers/all/{$}", h.superuser(all.list(h)))
		mux.HandleFunc("GET /api/v3/providers/all/{id}/{$}", h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
			rc := h.resourceCtx(r, c, h.App.Store)
			p, err := providers.get(rc, r.PathValue("id"))
			if err != nil {
				return err
			}
			out, err := resource.OAuth2Providers.Serialize(rc, p)
			if err != nil {
				return err
			}
			writeJSON(w, http.StatusOK, out)
			return nil
		}))
		mux.HandleFunc("GET /api/v3/providers/all/types/{$}", h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
			writeJSON(w, http.StatusOK, []map[string]any{{"name": "OAuth2/OpenID Provider",
				"description": "OAuth2 Provider for generic OAuth and OpenID Connect Applications.",
				"component":   "ak-provider-oauth2-form", "model_name": "oauth2provider", "icon_url": nil, "requires_enterprise": false}})
			return nil
		}))

		crud(h, mux, endpoint[store.ScopeMapping]{path: "/api/v3/propertymappings/provider/scope/", model: resource.ScopeMappings,
			filters: withAliases(filters("name", "scope_name", "managed"), "pm_uuid", "pk"),
			search:  []string{"name", "scope_name"}, order: "scope_name"})

		keypairs := endpoint[store.CertificateKeyPair]{path: "/api/v3/crypto/certificatekeypairs/", model: resource.CertificateKeyPairs,
			filters: withAliases(filters("name", "managed"), "kp_uuid", "pk"), search: []string{"name"}, order: "name"}
		crud(h, mux, keypairs)
		mux.HandleFunc("GET /api/v3/crypto/certificatekeypairs/{id}/view_certificate/{$}", h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
			k, err := keypairs.get(h.resourceCtx(r, c, h.App.Store), r.PathValue("id"))
			if err != nil {
				return err
			}
			return writePEM(w, r, k.Name+"_certificate.pem", map[string]any{"data": k.CertificateData})
		}))
		mux.HandleFunc("GET /api/v3/crypto/certificatekeypairs/{id}/view_private_key/{$}", h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
			k, err := keypairs.get(h.resourceCtx(r, c, h.App.Store), r.PathValue("id"))
			if err != nil {
				return err
			}
			// authentik records who looked at a private key.
			if err := h.record(r, h.App.Store, c, event.SecretView, ref(resource.CertificateKeyPairs, k)); err != nil {
				return err
			}
			return writePEM(w, r, k.Name+"_private_key.pem", map[string]any{"data": k.KeyData})
		}))
		mux.HandleFunc("POST /api/v3/crypto/certificatekeypairs/generate/{$}", h.superuser(h.generateKeyPair))
	})
}

// writePEM answers view_certificate / view_private_key: JSON {data}, or
// the PEM file itself with ?download.
func writePEM(w http.ResponseWriter, r *http.Request, filename string, body map[string]any) error {
	if _, ok := r.URL.Query()["download"]; ok {
		w.Header().Set("Content-Type", "application/x-pem-file")
		w.Header().Set("Content-Disposition", `attachment; filename="`+safeFilename(filename)+`"`)
		_, err := w.Write([]byte(body["data"].(string)))
		return err
	}
	writeJSON(w, http.StatusOK, body)
	return nil
}

func safeFilename(s string) string {
	out := make([]rune, 0, len(s))
	for _, c := range s {
		if c == '"' || c == '\\' || c < 32 {
			c = '_'
		}
		out = append(out, c)
	}
	return string(out)
}

// generateKeyPair is authentik's certificatekeypairs/generate/: a new
// self-signed pair from {common_name, subject_alt_name, validity_days, alg}.
func (h *Handler) generateKeyPair(w http.ResponseWriter, r *http.Request, c *call) error {
	data, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	name, _ := data["common_name"].(string)
	v := &resource.ValidationError{}
	if name == "" {
		v.Add("common_name", "This field is required.")
	}
	days := 365
	if raw, ok := data["validity_days"]; ok {
		n, good := raw.(float64)
		if !good || n < 1 || n != float64(int(n)) {
			v.Add("validity_days", "A valid integer of at least 1 is required.")
		}
		days = int(n)
	} else {
		v.Add("validity_days", "This field is required.")
	}
	alg, _ := data["alg"].(string)
	if alg == "" {
		alg = "rsa"
	}
	if alg != "rsa" && alg != "ecdsa" {
		v.Add("alg", "\""+alg+"\" is not a valid choice: rsa or ecdsa.")
	}
	if !v.Empty() {
		return v
	}
	gen := keypair.Generate
	if alg == "ecdsa" {
		gen = keypair.GenerateEC
	}
	cert, key, err := gen(name, days)
	if err != nil {
		return err
	}
	var out map[string]any
	err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		rc := h.resourceCtx(r, c, q)
		k, err := resource.CertificateKeyPairs.Create(rc, map[string]any{"name": name, "certificate_data": cert, "key_data": key})
		if err != nil {
			return err
		}
		if out, err = resource.CertificateKeyPairs.Serialize(rc, k); err != nil {
			return err
		}
		return h.record(r, q, c, event.ModelCreated, ref(resource.CertificateKeyPairs, k))
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
