package resource

import (
	"strings"

	"github.com/usher-id/usher/internal/domain/keypair"
	"github.com/usher-id/usher/internal/store"
)

// CertificateKeyPairs is authentik's crypto.CertificateKeyPair.
var CertificateKeyPairs = &Model[store.CertificateKeyPair]{
	Name: store.ModelCertificateKeyPair, VerboseName: "Certificate-Key Pair", VerboseNamePlural: "Certificate-Key Pairs",
	Fields: []string{"pk", "name", "fingerprint_sha256", "fingerprint_sha1", "cert_expiry", "cert_subject",
		"private_key_available", "key_type", "certificate_download_url", "private_key_download_url", "managed",
		"certificate_data", "key_data"},
	pk:    func(o store.CertificateKeyPair) any { return o.UUID },
	title: func(o store.CertificateKeyPair) string { return o.Name },
	list:  func(c *Ctx) ([]store.CertificateKeyPair, error) { return c.Q.ListCertificateKeyPairs(c.ctx()) },
	del: func(c *Ctx, o store.CertificateKeyPair) error {
		return c.Q.DeleteCertificateKeyPair(c.ctx(), o.UUID)
	},
}

func init() {
	CertificateKeyPairs.save, CertificateKeyPairs.serialize = saveKeyPair, serializeKeyPair
	define(CertificateKeyPairs, finder[store.CertificateKeyPair]{
		byPK: uuidPK(func(c *Ctx, id string) (store.CertificateKeyPair, error) {
			return c.Q.GetCertificateKeyPair(c.ctx(), id)
		}),
		unique: map[string]func(c *Ctx, v string) (store.CertificateKeyPair, error){
			"name": func(c *Ctx, v string) (store.CertificateKeyPair, error) {
				return c.Q.GetCertificateKeyPairByName(c.ctx(), v)
			},
		},
	})
}

func saveKeyPair(c *Ctx, existing *store.CertificateKeyPair, data map[string]any) (store.CertificateKeyPair, error) {
	var k store.CertificateKeyPair
	if existing != nil {
		k = *existing
	}
	in := newInput(c, store.ModelCertificateKeyPair, existing == nil, data)
	setPK(c, in, &k.UUID)
	in.readOnly("fingerprint_sha256", "fingerprint_sha1", "cert_expiry", "cert_subject", "private_key_available",
		"key_type", "certificate_download_url", "private_key_download_url", "managed")
	in.str("name", &k.Name, strOpt{required: true})
	var info keypair.Info
	if in.str("certificate_data", &k.CertificateData, strOpt{required: true}) {
		var err error
		if info, err = keypair.Inspect(k.CertificateData); err != nil {
			in.fail("certificate_data", err.Error())
		}
	}
	if in.str("key_data", &k.KeyData, strOpt{blank: true}) && strings.TrimSpace(k.KeyData) != "" {
		if key, err := keypair.PrivateKey(k.KeyData); err != nil {
			in.fail("key_data", err.Error())
		} else if info.Certificate != nil && !keypair.Matches(info.Certificate, key) {
			in.fail("key_data", "This private key does not belong to the certificate: give the key the certificate was issued for.")
		}
	}
	if existing == nil || k.Name != existing.Name {
		if other, err := c.Q.GetCertificateKeyPairByName(c.ctx(), k.Name); err == nil && other.UUID != k.UUID {
			in.taken("name", uniqueMsg("certificate-key pair", "name"))
		}
	}
	if err := in.err(); err != nil {
		return store.CertificateKeyPair{}, err
	}
	var err error
	if existing == nil {
		err = c.Q.CreateCertificateKeyPair(c.ctx(), &k)
	} else {
		err = c.Q.UpdateCertificateKeyPair(c.ctx(), &k)
	}
	if err != nil {
		return store.CertificateKeyPair{}, conflict(err, "name", uniqueMsg("certificate-key pair", "name"))
	}
	return k, nil
}

// serializeKeyPair never includes the private key: authentik serves it
// only from view_private_key/ (which records a secret_view event).
func serializeKeyPair(c *Ctx, k store.CertificateKeyPair) (map[string]any, error) {
	m := map[string]any{"pk": k.UUID, "name": k.Name, "fingerprint_sha256": nil, "fingerprint_sha1": nil,
		"cert_expiry": nil, "cert_subject": nil, "private_key_available": strings.TrimSpace(k.KeyData) != "",
		"key_type": nil, "managed": strPtr(k.Managed),
		"certificate_download_url": "/api/v3/crypto/certificatekeypairs/" + k.UUID + "/view_certificate/?download",
		"private_key_download_url": "/api/v3/crypto/certificatekeypairs/" + k.UUID + "/view_private_key/?download"}
	if info, err := keypair.Inspect(k.CertificateData); err == nil {
		m["fingerprint_sha256"] = info.FingerprintSHA256
		m["fingerprint_sha1"] = info.FingerprintSHA1
		m["cert_expiry"] = info.Certificate.NotAfter.UTC().Format("2006-01-02T15:04:05Z")
		m["cert_subject"] = info.Certificate.Subject.String()
		if info.KeyType != "" {
			m["key_type"] = info.KeyType
		}
	}
	return m, nil
}
