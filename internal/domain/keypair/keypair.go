// Package keypair holds the rules of certificate key pairs (authentik's
// crypto app): generating a self-signed pair, reading what a stored pair
// is, and the default pair every install signs tokens with.
package keypair

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/store"
)

// DefaultName is the pair generated on first start. authentik's blueprints
// find it by this name (!Find [authentik_crypto.certificatekeypair,
// [name, "authentik Self-signed Certificate"]]), so usher keeps it.
const DefaultName = "authentik Self-signed Certificate"

// DefaultManaged marks the generated pair, so a rename does not make the
// next start generate another.
const DefaultManaged = "goauthentik.io/crypto/default-self-signed"

// Generate makes an RSA 2048-bit self-signed certificate for name, valid
// for the given number of days (authentik generates 4096-bit keys; 2048 bits is what RS256 needs and
// takes a tenth of the time on first start).
func Generate(name string, days int) (certPEM, keyPEM string, err error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", "", err
	}
	return selfSign(name, days, key, key.Public())
}

// GenerateEC makes a P-256 self-signed certificate (tokens then use ES256).
func GenerateEC(name string, days int) (certPEM, keyPEM string, err error) {
	key, err := ecdsa.GenerateKey(ellipticP256(), rand.Reader)
	if err != nil {
		return "", "", err
	}
	return selfSign(name, days, key, key.Public())
}

func selfSign(name string, days int, key crypto.Signer, pub crypto.PublicKey) (string, string, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return "", "", err
	}
	now := time.Now().UTC()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: name, Organization: []string{"usher"}, OrganizationalUnit: []string{"Self-signed"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(0, 0, days),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		DNSNames:     []string{name},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, pub, key)
	if err != nil {
		return "", "", err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", "", err
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return string(certPEM), string(keyPEM), nil
}

// Info is what a stored pair is, as authentik's serializer shows it.
type Info struct {
	Certificate       *x509.Certificate
	FingerprintSHA256 string
	FingerprintSHA1   string
	KeyType           string // rsa, ec, ed25519
}

// Inspect parses a pair's certificate; the error names what is wrong.
func Inspect(certPEM string) (Info, error) {
	block, _ := pem.Decode([]byte(certPEM))
	if block == nil || block.Type != "CERTIFICATE" {
		return Info{}, errors.New("Unable to load certificate: paste a PEM certificate (-----BEGIN CERTIFICATE-----).")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return Info{}, fmt.Errorf("Unable to load certificate: %v", err)
	}
	s256 := sha256.Sum256(cert.Raw)
	s1 := sha1.Sum(cert.Raw)
	info := Info{Certificate: cert, FingerprintSHA256: colonHex(s256[:]), FingerprintSHA1: colonHex(s1[:])}
	switch cert.PublicKey.(type) {
	case *rsa.PublicKey:
		info.KeyType = "rsa"
	case *ecdsa.PublicKey:
		info.KeyType = "ec"
	case ed25519.PublicKey:
		info.KeyType = "ed25519"
	}
	return info, nil
}

func colonHex(b []byte) string {
	h := hex.EncodeToString(b)
	parts := make([]string, 0, len(b))
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

// PrivateKey parses a pair's PEM private key (PKCS#8, PKCS#1 or SEC 1).
func PrivateKey(keyPEM string) (crypto.Signer, error) {
	block, _ := pem.Decode([]byte(keyPEM))
	if block == nil {
		return nil, errors.New("Unable to load private key: paste a PEM private key (-----BEGIN PRIVATE KEY-----).")
	}
	if k, err := x509.ParsePKCS8PrivateKey(block.Bytes); err == nil {
		if s, ok := k.(crypto.Signer); ok {
			return s, nil
		}
		return nil, errors.New("Unable to load private key: unsupported key type.")
	}
	if k, err := x509.ParsePKCS1PrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	if k, err := x509.ParseECPrivateKey(block.Bytes); err == nil {
		return k, nil
	}
	return nil, errors.New("Unable to load private key: the key is not PKCS#8, PKCS#1 or SEC 1 PEM.")
}

// EnsureDefault creates the default self-signed pair unless it exists. It
// is safe when several instances start at once: the unique name and
// managed marker let one insert win, and the others read it.
func EnsureDefault(ctx context.Context, st store.Store) (store.CertificateKeyPair, error) {
	if k, err := st.GetCertificateKeyPairByManaged(ctx, DefaultManaged); err == nil {
		return k, nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return k, err
	}
	cert, key, err := Generate(DefaultName, 365)
	if err != nil {
		return store.CertificateKeyPair{}, err
	}
	managed := DefaultManaged
	k := store.CertificateKeyPair{Name: DefaultName, CertificateData: cert, KeyData: key, Managed: &managed}
	if err := st.CreateCertificateKeyPair(ctx, &k); err != nil {
		if existing, gerr := st.GetCertificateKeyPairByManaged(ctx, DefaultManaged); gerr == nil {
			return existing, nil
		}
		if existing, gerr := st.GetCertificateKeyPairByName(ctx, DefaultName); gerr == nil {
			return existing, nil
		}
		return store.CertificateKeyPair{}, err
	}
	return k, nil
}

// Matches reports whether key is the private key of cert.
func Matches(cert *x509.Certificate, key crypto.Signer) bool {
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	return ok && pub.Equal(cert.PublicKey)
}
