package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/domain/keypair"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// Certificate key pairs (authentik's System > Certificates): imported or
// generated here; the private key is written, never shown.

func (h *Handler) mountKeyPairs(mux *routes) {
	mux.HandleFunc("GET /if/admin/certificates/", h.admin(h.keyPairList))
	mux.HandleFunc("GET /if/admin/certificates/generate/", h.admin(h.keyPairGenerateForm))
	mux.HandleFunc("POST /if/admin/certificates/generate/", h.admin(h.keyPairGenerate))
	h.keyPairEntity().mount(mux)
}

func (h *Handler) keyPairEntity() *entity[store.CertificateKeyPair] {
	return &entity[store.CertificateKeyPair]{h: h,
		Singular: "Certificate-key pair", Base: "/if/admin/certificates/", Nav: "certificates", model: resource.CertificateKeyPairs,
		load: func(ctx context.Context, id string) (store.CertificateKeyPair, error) {
			return h.App.Store.GetCertificateKeyPair(ctx, id)
		},
		form: func(_ context.Context, obj *store.CertificateKeyPair) (*formDef, error) {
			keyHelp := "Optional: the PEM private key (-----BEGIN PRIVATE KEY-----) of the certificate. Only a pair with a key can sign tokens."
			if obj != nil {
				keyHelp = "Leave empty to keep the stored private key (it is never shown); paste a new one to replace it."
			}
			f := &formDef{Fields: []*field{
				{Name: "name", Label: "Name", Kind: "text", Required: true},
				{Name: "certificate_data", Label: "Certificate", Kind: "code", Required: true,
					Help: "The PEM certificate (-----BEGIN CERTIFICATE-----)."},
				{Name: "key_data", Label: "Private key", Kind: "code", Help: keyHelp},
			}}
			if obj == nil {
				f.Title = "Import Certificate-key pair"
			}
			return f, nil
		},
		values: func(obj *store.CertificateKeyPair) url.Values {
			if obj == nil {
				return url.Values{}
			}
			return url.Values{"name": {obj.Name}, "certificate_data": {obj.CertificateData}}
		},
		data: func(f *formDef, v url.Values, obj *store.CertificateKeyPair) map[string]any {
			d := genericData(f, v)
			if obj != nil && strings.TrimSpace(v.Get("key_data")) == "" {
				delete(d, "key_data") // keep the stored key
			}
			return d
		},
		ident: func(k store.CertificateKeyPair) (string, string) { return k.UUID, k.Name },
	}
}

type keyPairRow struct {
	K           store.CertificateKeyPair
	KeyType     string
	Expiry      *time.Time
	Expired     bool
	Fingerprint string
	HasKey      bool
}

func (h *Handler) keyPairList(w http.ResponseWriter, r *http.Request, u *store.User) error {
	keys, err := h.App.Store.ListCertificateKeyPairs(r.Context())
	if err != nil {
		return err
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Name < keys[j].Name })
	now := h.App.Clock()
	rows := make([]keyPairRow, 0, len(keys))
	for _, k := range keys {
		row := keyPairRow{K: k, HasKey: strings.TrimSpace(k.KeyData) != ""}
		k.KeyData = "" // the page never needs it
		row.K = k
		if info, err := keypair.Inspect(k.CertificateData); err == nil {
			exp := info.Certificate.NotAfter.UTC()
			row.KeyType, row.Expiry, row.Expired, row.Fingerprint = info.KeyType, &exp, exp.Before(now), info.FingerprintSHA256
		}
		rows = append(rows, row)
	}
	v := h.view(r, u, "Certificates", "certificates")
	v.P = rows
	return h.render(w, r, http.StatusOK, "keypair_list", v)
}

func keyPairGenerateDef() *formDef {
	return &formDef{Title: "Generate Certificate-key pair", Action: "/if/admin/certificates/generate/", Submit: "Generate",
		Cancel: "/if/admin/certificates/", Fields: []*field{
			{Name: "common_name", Label: "Common name", Kind: "text", Required: true,
				Help: "The certificate's subject and the pair's name."},
			{Name: "validity_days", Label: "Validity days", Kind: "number", Required: true},
			{Name: "alg", Label: "Private key algorithm", Kind: "select", Options: choices(
				"rsa", "RSA (tokens signed with RS256, what most clients expect)", "ecdsa", "ECDSA P-256 (tokens signed with ES256)")},
		}}
}

func (h *Handler) keyPairGenerateForm(w http.ResponseWriter, r *http.Request, u *store.User) error {
	f := keyPairGenerateDef()
	f.fill(url.Values{"validity_days": {"365"}, "alg": {"rsa"}})
	return h.renderForm(w, r, u, "certificates", http.StatusOK, f)
}

// keyPairGenerate is authentik's certificatekeypairs/generate/: a new
// self-signed pair, stored through the model's Create.
func (h *Handler) keyPairGenerate(w http.ResponseWriter, r *http.Request, u *store.User) error {
	if err := r.ParseForm(); err != nil {
		return errBadForm
	}
	f := keyPairGenerateDef()
	f.fill(r.PostForm)
	name := strings.TrimSpace(r.PostForm.Get("common_name"))
	if name == "" {
		f.addError("common_name", "This field is required.")
	}
	days, err := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("validity_days")))
	if err != nil || days < 1 || days > 36500 {
		f.addError("validity_days", "Enter a whole number of days from 1 to 36500.")
	}
	gen := keypair.Generate
	switch r.PostForm.Get("alg") {
	case "rsa":
	case "ecdsa":
		gen = keypair.GenerateEC
	default:
		f.addError("alg", "Choose RSA or ECDSA.")
	}
	if name != "" {
		if _, err := h.App.Store.GetCertificateKeyPairByName(r.Context(), name); err == nil {
			f.addError("common_name", "A certificate-key pair with this name already exists.")
		}
	}
	if f.hasErrors() {
		return &invalidForm{"certificates", f}
	}
	cert, key, err := gen(name, days)
	if err != nil {
		return err
	}
	err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		k, err := resource.CertificateKeyPairs.Create(h.resourceCtx(r, q, u),
			map[string]any{"name": name, "certificate_data": cert, "key_data": key})
		if err != nil {
			return err
		}
		return h.record(r.Context(), q, r, u, event.ModelCreated, ref(resource.CertificateKeyPairs, k))
	})
	var ve *resource.ValidationError
	if errors.As(err, &ve) {
		if msgs, ok := ve.Fields["name"]; ok {
			ve.Fields["common_name"] = append(ve.Fields["common_name"], msgs...)
			delete(ve.Fields, "name")
		}
		f.applyErrors(ve)
		return &invalidForm{"certificates", f}
	}
	if err != nil {
		return err
	}
	return h.redirect(w, r, "/if/admin/certificates/", flash{"ok", "Certificate-key pair " + name + " generated."})
}
