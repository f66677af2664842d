package oauth2

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"errors"
	"fmt"
	"sync"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/usher-id/usher/internal/domain/keypair"
	"github.com/usher-id/usher/internal/store"
)

// signer is a key pair ready to sign: RS256 for RSA keys (authentik's
// default), ES256 for P-256 EC keys, EdDSA for Ed25519.
type signer struct {
	id  string
	alg jose.SignatureAlgorithm
	key crypto.Signer
}

func (k *signer) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signer) Key() any                                    { return k.key }
func (k *signer) ID() string                                  { return k.id }

// publicKey is a JWKS entry.
type publicKey struct{ s *signer }

func (k publicKey) ID() string                         { return k.s.id }
func (k publicKey) Algorithm() jose.SignatureAlgorithm { return k.s.alg }
func (k publicKey) Use() string                        { return "sig" }
func (k publicKey) Key() any                           { return k.s.key.Public() }

// parsed caches signers by key pair and key text: parsing a PEM RSA key
// costs more than signing with it. Only the parsed form of what the
// database holds is kept, so a changed key is parsed anew.
var parsed sync.Map // string -> *signer

func toSigner(k store.CertificateKeyPair) (*signer, error) {
	cacheKey := k.UUID + "\x00" + Hash(k.KeyData)
	if s, ok := parsed.Load(cacheKey); ok {
		return s.(*signer), nil
	}
	s, err := parseSigner(k)
	if err == nil {
		parsed.Store(cacheKey, s)
	}
	return s, err
}

func parseSigner(k store.CertificateKeyPair) (*signer, error) {
	if k.KeyData == "" {
		return nil, fmt.Errorf("certificate-key pair %q has no private key and cannot sign tokens", k.Name)
	}
	key, err := keypair.PrivateKey(k.KeyData)
	if err != nil {
		return nil, fmt.Errorf("certificate-key pair %q: %w", k.Name, err)
	}
	s := &signer{id: k.UUID, key: key, alg: jose.RS256}
	switch pk := key.(type) {
	case *ecdsa.PrivateKey:
		switch pk.Curve.Params().BitSize {
		case 384:
			s.alg = jose.ES384
		case 521:
			s.alg = jose.ES512
		default:
			s.alg = jose.ES256
		}
	case ed25519.PrivateKey:
		s.alg = jose.EdDSA
	}
	return s, nil
}

// keyPairOf is the pair the provider signs with: its signing_key, or the
// install's default self-signed pair (created on first use and shared by
// every instance through the database).
func (s *Service) keyPairOf(ctx context.Context, p store.OAuth2Provider) (store.CertificateKeyPair, error) {
	if p.SigningKey != nil {
		k, err := s.App.Store.GetCertificateKeyPair(ctx, *p.SigningKey)
		if err == nil || !errors.Is(err, store.ErrNotFound) {
			return k, err
		}
	}
	return keypair.EnsureDefault(ctx, s.App.Store)
}

func (s *Service) signingKey(ctx context.Context, t *Target) (*signer, error) {
	if t == nil {
		return nil, errors.New("no provider for this request")
	}
	if t.signer != nil { // op asks several times per request
		return t.signer, nil
	}
	k, err := s.keyPairOf(ctx, t.Provider)
	if err != nil {
		return nil, err
	}
	sg, err := toSigner(k)
	if err == nil {
		t.signer = sg
	}
	return sg, err
}

// keySet is the JWKS: the current key, and the key it replaced while
// tokens it signed may still be valid (PreviousSigningKey until
// PreviousKeyUntil), so clients keep verifying through a rotation.
func (s *Service) keySet(ctx context.Context, t *Target) ([]op.Key, error) {
	cur, err := s.signingKey(ctx, t)
	if err != nil {
		return nil, err
	}
	keys := []op.Key{publicKey{cur}}
	p := t.Provider
	if p.PreviousSigningKey != nil && p.PreviousKeyUntil != nil && p.PreviousKeyUntil.After(s.now()) && *p.PreviousSigningKey != cur.id {
		if k, err := s.App.Store.GetCertificateKeyPair(ctx, *p.PreviousSigningKey); err == nil {
			if prev, err := toSigner(k); err == nil {
				keys = append(keys, publicKey{prev})
			}
		}
	}
	return keys, nil
}
