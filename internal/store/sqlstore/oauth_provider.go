package sqlstore

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/usher-id/usher/internal/store"
)

const keypairCols = "uuid, name, certificate_data, key_data, managed, created"

func scanKeyPair(s scanner) (store.CertificateKeyPair, error) {
	var k store.CertificateKeyPair
	var created timeCol
	err := s.Scan(&k.UUID, &k.Name, &k.CertificateData, &k.KeyData, &k.Managed, &created)
	k.Created = created.T
	return k, err
}

func (c *conn) CreateCertificateKeyPair(ctx context.Context, k *store.CertificateKeyPair) error {
	ensureUUID(&k.UUID)
	if k.Created.IsZero() {
		k.Created = now()
	}
	_, err := c.exec(ctx, "INSERT INTO certificate_keypairs ("+keypairCols+") VALUES (?, ?, ?, ?, ?, ?)",
		k.UUID, k.Name, k.CertificateData, k.KeyData, k.Managed, c.t(k.Created))
	return c.wrap("insert certificate key pair", err)
}

func (c *conn) GetCertificateKeyPair(ctx context.Context, uuid string) (store.CertificateKeyPair, error) {
	k, err := scanKeyPair(c.queryRow(ctx, "SELECT "+keypairCols+" FROM certificate_keypairs WHERE uuid = ?", strings.ToLower(uuid)))
	return k, c.wrap("get certificate key pair", err)
}

func (c *conn) GetCertificateKeyPairByName(ctx context.Context, name string) (store.CertificateKeyPair, error) {
	k, err := scanKeyPair(c.queryRow(ctx, "SELECT "+keypairCols+" FROM certificate_keypairs WHERE name = ?", name))
	return k, c.wrap("get certificate key pair", err)
}

func (c *conn) GetCertificateKeyPairByManaged(ctx context.Context, managed string) (store.CertificateKeyPair, error) {
	k, err := scanKeyPair(c.queryRow(ctx, "SELECT "+keypairCols+" FROM certificate_keypairs WHERE managed = ?", managed))
	return k, c.wrap("get certificate key pair", err)
}

func (c *conn) ListCertificateKeyPairs(ctx context.Context) ([]store.CertificateKeyPair, error) {
	rows, err := c.query(ctx, "SELECT "+keypairCols+" FROM certificate_keypairs ORDER BY name")
	if err != nil {
		return nil, c.wrap("list certificate key pairs", err)
	}
	out, err := collect(rows, scanKeyPair)
	return out, c.wrap("list certificate key pairs", err)
}

func (c *conn) UpdateCertificateKeyPair(ctx context.Context, k *store.CertificateKeyPair) error {
	return c.execOne(ctx, "update certificate key pair",
		"UPDATE certificate_keypairs SET name = ?, certificate_data = ?, key_data = ?, managed = ? WHERE uuid = ?",
		k.Name, k.CertificateData, k.KeyData, k.Managed, strings.ToLower(k.UUID))
}

func (c *conn) DeleteCertificateKeyPair(ctx context.Context, uuid string) error {
	return c.execOne(ctx, "delete certificate key pair", "DELETE FROM certificate_keypairs WHERE uuid = ?", strings.ToLower(uuid))
}

const scopeMappingCols = "uuid, name, managed, scope_name, description, expression"

func scanScopeMapping(s scanner) (store.ScopeMapping, error) {
	var m store.ScopeMapping
	err := s.Scan(&m.UUID, &m.Name, &m.Managed, &m.ScopeName, &m.Description, &m.Expression)
	return m, err
}

func (c *conn) CreateScopeMapping(ctx context.Context, m *store.ScopeMapping) error {
	ensureUUID(&m.UUID)
	_, err := c.exec(ctx, "INSERT INTO scope_mappings ("+scopeMappingCols+") VALUES (?, ?, ?, ?, ?, ?)",
		m.UUID, m.Name, m.Managed, m.ScopeName, m.Description, m.Expression)
	return c.wrap("insert scope mapping", err)
}

func (c *conn) GetScopeMapping(ctx context.Context, uuid string) (store.ScopeMapping, error) {
	m, err := scanScopeMapping(c.queryRow(ctx, "SELECT "+scopeMappingCols+" FROM scope_mappings WHERE uuid = ?", strings.ToLower(uuid)))
	return m, c.wrap("get scope mapping", err)
}

func (c *conn) GetScopeMappingByName(ctx context.Context, name string) (store.ScopeMapping, error) {
	m, err := scanScopeMapping(c.queryRow(ctx, "SELECT "+scopeMappingCols+" FROM scope_mappings WHERE name = ?", name))
	return m, c.wrap("get scope mapping", err)
}

func (c *conn) GetScopeMappingByManaged(ctx context.Context, managed string) (store.ScopeMapping, error) {
	m, err := scanScopeMapping(c.queryRow(ctx, "SELECT "+scopeMappingCols+" FROM scope_mappings WHERE managed = ?", managed))
	return m, c.wrap("get scope mapping", err)
}

func (c *conn) ListScopeMappings(ctx context.Context) ([]store.ScopeMapping, error) {
	rows, err := c.query(ctx, "SELECT "+scopeMappingCols+" FROM scope_mappings ORDER BY name")
	if err != nil {
		return nil, c.wrap("list scope mappings", err)
	}
	out, err := collect(rows, scanScopeMapping)
	return out, c.wrap("list scope mappings", err)
}

func (c *conn) UpdateScopeMapping(ctx context.Context, m *store.ScopeMapping) error {
	return c.execOne(ctx, "update scope mapping",
		"UPDATE scope_mappings SET name = ?, managed = ?, scope_name = ?, description = ?, expression = ? WHERE uuid = ?",
		m.Name, m.Managed, m.ScopeName, m.Description, m.Expression, strings.ToLower(m.UUID))
}

func (c *conn) DeleteScopeMapping(ctx context.Context, uuid string) error {
	return c.execOne(ctx, "delete scope mapping", "DELETE FROM scope_mappings WHERE uuid = ?", strings.ToLower(uuid))
}

const providerCols = `pk, name, authorization_flow, authentication_flow, invalidation_flow, client_type, client_id,
	client_secret, redirect_uris, signing_key, access_code_validity, access_token_validity, refresh_token_validity,
	include_claims_in_id_token, sub_mode, issuer_mode, property_mappings, grant_types, previous_signing_key,
	previous_key_until`

func scanProvider(s scanner) (store.OAuth2Provider, error) {
	var p store.OAuth2Provider
	var until timeCol
	err := s.Scan(&p.PK, &p.Name, &p.AuthorizationFlow, &p.AuthenticationFlow, &p.InvalidationFlow, &p.ClientType,
		&p.ClientID, &p.ClientSecret, jsonCol{&p.RedirectURIs}, &p.SigningKey, &p.AccessCodeValidity,
		&p.AccessTokenValidity, &p.RefreshTokenValidity, &p.IncludeClaimsInIDToken, &p.SubMode, &p.IssuerMode,
		jsonCol{&p.PropertyMappings}, jsonCol{&p.GrantTypes}, &p.PreviousSigningKey, &until)
	p.PreviousKeyUntil = until.ptr()
	if p.RedirectURIs == nil {
		p.RedirectURIs = []store.RedirectURI{}
	}
	if p.PropertyMappings == nil {
		p.PropertyMappings = []string{}
	}
	return p, err
}

func (c *conn) providerArgs(p *store.OAuth2Provider) ([]any, error) {
	uris := p.RedirectURIs
	if uris == nil {
		uris = []store.RedirectURI{}
	}
	b, err := json.Marshal(uris)
	if err != nil {
		return nil, err
	}
	maps, err := jsonList(p.PropertyMappings)
	if err != nil {
		return nil, err
	}
	grants, err := jsonList(p.GrantTypes)
	if err != nil {
		return nil, err
	}
	return []any{p.Name, p.AuthorizationFlow, p.AuthenticationFlow, p.InvalidationFlow, p.ClientType, p.ClientID,
		p.ClientSecret, string(b), p.SigningKey, p.AccessCodeValidity, p.AccessTokenValidity, p.RefreshTokenValidity,
		p.IncludeClaimsInIDToken, p.SubMode, p.IssuerMode, maps, grants, p.PreviousSigningKey, c.tp(p.PreviousKeyUntil)}, nil
}

func (c *conn) CreateOAuth2Provider(ctx context.Context, p *store.OAuth2Provider) error {
	args, err := c.providerArgs(p)
	if err != nil {
		return err
	}
	err = c.execRow(ctx, `INSERT INTO oauth2_providers (name, authorization_flow, authentication_flow, invalidation_flow,
		client_type, client_id, client_secret, redirect_uris, signing_key, access_code_validity, access_token_validity,
		refresh_token_validity, include_claims_in_id_token, sub_mode, issuer_mode, property_mappings, grant_types, previous_signing_key, previous_key_until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING pk`, args...).Scan(&p.PK)
	return c.wrap("insert oauth2 provider", err)
}

func (c *conn) GetOAuth2Provider(ctx context.Context, pk int64) (store.OAuth2Provider, error) {
	p, err := scanProvider(c.queryRow(ctx, "SELECT "+providerCols+" FROM oauth2_providers WHERE pk = ?", pk))
	return p, c.wrap("get oauth2 provider", err)
}

func (c *conn) GetOAuth2ProviderByName(ctx context.Context, name string) (store.OAuth2Provider, error) {
	p, err := scanProvider(c.queryRow(ctx, "SELECT "+providerCols+" FROM oauth2_providers WHERE name = ?", name))
	return p, c.wrap("get oauth2 provider", err)
}

func (c *conn) GetOAuth2ProviderByClientID(ctx context.Context, clientID string) (store.OAuth2Provider, error) {
	p, err := scanProvider(c.queryRow(ctx, "SELECT "+providerCols+" FROM oauth2_providers WHERE client_id = ?", clientID))
	return p, c.wrap("get oauth2 provider", err)
}

func (c *conn) ListOAuth2Providers(ctx context.Context) ([]store.OAuth2Provider, error) {
	rows, err := c.query(ctx, "SELECT "+providerCols+" FROM oauth2_providers ORDER BY name")
	if err != nil {
		return nil, c.wrap("list oauth2 providers", err)
	}
	out, err := collect(rows, scanProvider)
	return out, c.wrap("list oauth2 providers", err)
}

func (c *conn) UpdateOAuth2Provider(ctx context.Context, p *store.OAuth2Provider) error {
	args, err := c.providerArgs(p)
	if err != nil {
		return err
	}
	return c.execOne(ctx, "update oauth2 provider", `UPDATE oauth2_providers SET name = ?, authorization_flow = ?,
		authentication_flow = ?, invalidation_flow = ?, client_type = ?, client_id = ?, client_secret = ?,
		redirect_uris = ?, signing_key = ?, access_code_validity = ?, access_token_validity = ?,
		refresh_token_validity = ?, include_claims_in_id_token = ?, sub_mode = ?, issuer_mode = ?,
		property_mappings = ?, grant_types = ?, previous_signing_key = ?, previous_key_until = ? WHERE pk = ?`, append(args, p.PK)...)
}

func (c *conn) DeleteOAuth2Provider(ctx context.Context, pk int64) error {
	return c.execOne(ctx, "delete oauth2 provider", "DELETE FROM oauth2_providers WHERE pk = ?", pk)
}

func (c *conn) ApplicationOfProvider(ctx context.Context, providerPK int64) (store.Application, error) {
	a, err := scanApplication(c.queryRow(ctx, "SELECT "+applicationCols+" FROM applications WHERE provider = ?", providerPK))
	return a, c.wrap("get application of provider", err)
}
