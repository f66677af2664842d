package console_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/domain/keypair"
	"github.com/usher-id/usher/internal/http/server"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/store/storetest"
)

// oidcFixture is a console on one database with usher's default blueprints
// (the managed scope mappings and authentik's two authorization flows) and
// one more authorization flow; the forms should preselect the implicit-consent one.
func oidcFixture(t *testing.T, be storetest.Backend) (*fixture, store.Flow) {
	t.Helper()
	f := fixtureOn(t, be.Open(t), server.Options{MaxBodyBytes: 4 << 20})
	ctx := context.Background()
	if err := blueprint.ApplyDefaults(ctx, f.app); err != nil {
		t.Fatal(err)
	}
	testFlow(t, f.st, "aaa-explicit", store.DesignationAuthorization)
	// Installed by the defaults, as on every install.
	implicit, err := f.st.GetFlowBySlug(ctx, "default-provider-authorization-implicit-consent")
	if err != nil {
		t.Fatal(err)
	}
	return f, implicit
}

func testFlow(t *testing.T, st store.Store, slug, designation string) store.Flow {
	t.Helper()
	fl := store.Flow{Slug: slug, Name: slug, Title: slug, Designation: designation, Authentication: "require_authenticated",
		Layout: "stacked", PolicyEngineMode: "any", DeniedAction: "message_continue"}
	if err := st.CreateFlow(context.Background(), &fl); err != nil {
		t.Fatal(err)
	}
	return fl
}

func managedScope(t *testing.T, st store.Store, scope string) store.ScopeMapping {
	t.Helper()
	m, err := st.GetScopeMappingByManaged(context.Background(), "goauthentik.io/providers/oauth2/scope-"+scope)
	if err != nil {
		t.Fatalf("managed scope %s: %v", scope, err)
	}
	return m
}

// pkOf reads the provider pk from a Location /if/admin/providers/<pk>/.
func pkOf(t *testing.T, loc string) int64 {
	t.Helper()
	s := strings.TrimSuffix(strings.TrimPrefix(loc, "/if/admin/providers/"), "/")
	pk, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("Location %q is not a provider page", loc)
	}
	return pk
}

func TestProviderConsoleCreateEditAssign(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			f, implicit := oidcFixture(t, be)
			ctx := context.Background()
			admin := f.user(t, "admin", "internal", true)
			b := f.browser(t, &admin)
			openid, email, profile, offline := managedScope(t, f.st, "openid"), managedScope(t, f.st, "email"),
				managedScope(t, f.st, "profile"), managedScope(t, f.st, "offline_access")

			// The new form preselects the implicit-consent flow and the
			// openid, email and profile scopes, not offline_access.
			r := b.get(t, "/if/admin/providers/new/")
			r.expect(t, 200, "", "regex:", `value="`+implicit.UUID+`" selected`,
				`value="`+openid.UUID+`" selected`, `value="`+email.UUID+`" selected`, `value="`+profile.UUID+`" selected`)
			if strings.Contains(r.body, `value="`+offline.UUID+`" selected`) {
				t.Fatal("offline_access is preselected")
			}

			form := url.Values{"name": {""}, "authorization_flow": {implicit.UUID}, "client_type": {"confidential"},
				"client_id": {"grafana-client"}, "client_secret": {"s3cret-value"},
				"redirect_uris":        {"https://grafana.example.com/login/generic_oauth\nregex:https://(a|b.example.com/cb"},
				"access_code_validity": {"minutes=1"}, "access_token_validity": {"forever"}, "refresh_token_validity": {"days=30"},
				"sub_mode": {"hashed_user_id"}, "issuer_mode": {"per_provider"}, "property_mappings": {openid.UUID, email.UUID},
				"include_claims_in_id_token": {"on"}}
			// Every mistake is named at once, beside its field.
			b.post(t, "/if/admin/providers/new/", form).expect(t, 422, "", "This field may not be blank.",
				"is not a valid regular expression", "forever is not in the correct format")
			if ps, _ := f.st.ListOAuth2Providers(ctx); len(ps) != 0 {
				t.Fatalf("a refused form wrote %d providers", len(ps))
			}

			form.Set("name", "Grafana provider")
			form.Set("access_token_validity", "hours=2")
			form.Set("redirect_uris", "https://grafana.example.com/login/generic_oauth\n\nregex: https://(a|b)\\.example\\.com/cb")
			r = b.post(t, "/if/admin/providers/new/", form)
			r.expect(t, 303, "/if/admin/providers/")
			pk := pkOf(t, r.loc)
			p, err := f.st.GetOAuth2Provider(ctx, pk)
			if err != nil {
				t.Fatal(err)
			}
			want := []store.RedirectURI{{MatchingMode: "strict", URL: "https://grafana.example.com/login/generic_oauth"},
				{MatchingMode: "regex", URL: `https://(a|b)\.example\.com/cb`}}
			if len(p.RedirectURIs) != 2 || p.RedirectURIs[0] != want[0] || p.RedirectURIs[1] != want[1] {
				t.Fatalf("redirect URIs %+v, want %+v", p.RedirectURIs, want)
			}
			if p.ClientID != "grafana-client" || p.ClientSecret != "s3cret-value" || p.AccessTokenValidity != "hours=2" ||
				len(p.PropertyMappings) != 2 || p.AuthorizationFlow != implicit.UUID {
				t.Fatalf("stored provider %+v", p)
			}
			if len(f.events(t, "model_created")) == 0 {
				t.Fatal("no model_created event")
			}

			// The page shows the client credentials to copy and the global
			// URLs; the per-application ones wait for an application.
			page := "/if/admin/providers/" + strconv.FormatInt(pk, 10) + "/"
			base := f.srv.URL
			b.get(t, page).expect(t, 200, "", `readonly value="grafana-client"`, `readonly value="s3cret-value"`,
				`data-copy="s3cret-value"`, base+"/application/o/authorize/", base+"/application/o/token/",
				base+"/application/o/userinfo/", "Assign this provider to an application")

			// The application form offers the provider; once linked, the
			// issuer, discovery, JWKS and end-session URLs appear.
			b.post(t, "/if/admin/applications/new/", url.Values{"name": {"Grafana"}, "slug": {"grafana"},
				"provider": {strconv.FormatInt(pk, 10)}, "policy_engine_mode": {"any"}}).expect(t, 303, "/if/admin/applications/")
			b.get(t, page).expect(t, 200, "", base+"/application/o/grafana/", base+"/application/o/grafana/.well-known/openid-configuration",
				base+"/application/o/grafana/jwks/", base+"/application/o/grafana/end-session/")
			b.get(t, "/if/admin/applications/").expect(t, 200, "", `/if/admin/providers/`+strconv.FormatInt(pk, 10)+`/">Grafana provider`,
				"https://grafana.example.com/", "(from the provider)")
			// A second application is not offered the provider in use.
			r = b.get(t, "/if/admin/applications/new/")
			r.expect(t, 200, "", "No provider")
			if strings.Contains(r.body, ">Grafana provider<") {
				t.Fatal("the provider of another application is offered")
			}
			b.get(t, "/if/admin/applications/grafana/edit/").expect(t, 200, "", `value="`+strconv.FormatInt(pk, 10)+`" selected`)

			// Editing keeps the regex line as written.
			b.get(t, page+"edit/").expect(t, 200, "", `regex:https://(a|b)\.example\.com/cb`)
			form.Set("client_type", "public")
			form.Set("client_secret", "")
			b.post(t, page+"edit/", form).expect(t, 303, page)
			if p, _ = f.st.GetOAuth2Provider(ctx, pk); p.ClientType != "public" {
				t.Fatalf("client type %q after edit", p.ClientType)
			}
			b.get(t, "/if/admin/providers/").expect(t, 200, "", "Grafana provider", "grafana-client")
			b.get(t, page+"delete/").expect(t, 200, "", "Delete Provider Grafana provider?")
			b.post(t, page+"delete/", nil).expect(t, 303, "/if/admin/providers/")
			if _, err := f.st.GetOAuth2Provider(ctx, pk); err == nil {
				t.Fatal("delete kept the provider")
			}
			if a, _ := f.st.GetApplicationBySlug(ctx, "grafana"); a.Provider != nil {
				t.Fatal("the application still points at the deleted provider")
			}
		})
	}
}

func TestCreateApplicationWithProviderInOneForm(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			f, implicit := oidcFixture(t, be)
			ctx := context.Background()
			admin := f.user(t, "admin", "internal", true)
			b := f.browser(t, &admin)
			taken := store.Application{Name: "Taken", Slug: "taken", PolicyEngineMode: "any"}
			if err := f.st.CreateApplication(ctx, &taken); err != nil {
				t.Fatal(err)
			}
			r := b.get(t, "/if/admin/applications/new-with-provider/")
			r.expect(t, 200, "", "Provider name", `value="`+implicit.UUID+`" selected`, "regex:")
			// The form's own defaults (a fresh client ID and secret, the
			// validities, the default scopes) come back as they would be
			// sent.
			form := formValues(r.body)
			form.Set("name", "Wiki")
			form.Set("slug", "taken")
			form.Set("redirect_uris", "regex:(")
			// Both models refuse: both messages show, nothing is written.
			b.post(t, "/if/admin/applications/new-with-provider/", form).expect(t, 422, "",
				"Application with this slug already exists.", "is not a valid regular expression")
			// Only the application refuses: the provider is not kept either.
			form.Set("redirect_uris", "https://wiki.example.com/oauth/callback")
			b.post(t, "/if/admin/applications/new-with-provider/", form).expect(t, 422, "", "Application with this slug already exists.")
			if ps, _ := f.st.ListOAuth2Providers(ctx); len(ps) != 0 {
				t.Fatalf("a refused form wrote %d providers", len(ps))
			}
			if apps, _ := f.st.ListApplications(ctx); len(apps) != 1 {
				t.Fatalf("a refused form wrote applications: %d", len(apps))
			}

			form.Set("slug", "wiki")
			r = b.post(t, "/if/admin/applications/new-with-provider/", form)
			r.expect(t, 303, "/if/admin/providers/")
			pk := pkOf(t, r.loc)
			a, err := f.st.GetApplicationBySlug(ctx, "wiki")
			if err != nil {
				t.Fatal(err)
			}
			p, err := f.st.GetOAuth2Provider(ctx, pk)
			if err != nil {
				t.Fatal(err)
			}
			if a.Provider == nil || *a.Provider != pk || p.Name != "Wiki" || p.AuthorizationFlow != implicit.UUID ||
				len(p.PropertyMappings) != 3 || len(p.ClientSecret) != 128 {
				t.Fatalf("application %+v, provider %+v", a, p)
			}
			b.get(t, r.loc).expect(t, 200, "", "Application Wiki and provider Wiki created.", `readonly value="`+p.ClientSecret+`"`,
				f.srv.URL+"/application/o/wiki/.well-known/openid-configuration")
		})
	}
}

// formValues reads the inputs, textareas and selected options of the page's
// form, as a browser would submit them (good enough for the console's
// forms: one form, plain markup).
func formValues(body string) url.Values {
	v := url.Values{}
	rest := body
	for {
		i := strings.Index(rest, "<")
		if i < 0 {
			break
		}
		rest = rest[i:]
		end := strings.Index(rest, ">")
		if end < 0 {
			break
		}
		tag := rest[:end+1]
		rest = rest[end+1:]
		name := attr(tag, "name")
		switch {
		case strings.HasPrefix(tag, "<input") && name != "":
			if typ := attr(tag, "type"); typ == "checkbox" && !strings.Contains(tag, " checked") {
				continue
			}
			v.Add(name, attr(tag, "value"))
		case strings.HasPrefix(tag, "<textarea") && name != "":
			if close := strings.Index(rest, "</textarea>"); close >= 0 {
				v.Add(name, unescape(rest[:close]))
			}
		case strings.HasPrefix(tag, "<select") && name != "":
			close := strings.Index(rest, "</select>")
			opts := rest[:close]
			for _, o := range strings.Split(opts, "<option")[1:] {
				ot := o[:strings.Index(o, ">")+1]
				if strings.Contains(ot, " selected") {
					v.Add(name, attr("<option"+ot, "value"))
				}
			}
		}
	}
	return v
}

func attr(tag, name string) string {
	key := " " + name + `="`
	i := strings.Index(tag, key)
	if i < 0 {
		return ""
	}
	s := tag[i+len(key):]
	return unescape(s[:strings.Index(s, `"`)])
}

func unescape(s string) string {
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&#34;", `"`, "&#39;", "'", "&quot;", `"`, "&amp;", "&").Replace(s)
}

func TestKeyPairGenerateAndList(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			f := fixtureOn(t, be.Open(t), server.Options{MaxBodyBytes: 4 << 20})
			ctx := context.Background()
			admin := f.user(t, "admin", "internal", true)
			b := f.browser(t, &admin)
			b.get(t, "/if/admin/certificates/generate/").expect(t, 200, "", "Common name", `value="365"`)
			b.post(t, "/if/admin/certificates/generate/", url.Values{"common_name": {""}, "validity_days": {"0"}, "alg": {"dsa"}}).
				expect(t, 422, "", "This field is required.", "Enter a whole number of days", "Choose RSA or ECDSA.")
			b.post(t, "/if/admin/certificates/generate/", url.Values{"common_name": {"wiki.example.com"}, "validity_days": {"30"}, "alg": {"ecdsa"}}).
				expect(t, 303, "/if/admin/certificates/")
			k, err := f.st.GetCertificateKeyPairByName(ctx, "wiki.example.com")
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(k.KeyData, "PRIVATE KEY") || !strings.Contains(k.CertificateData, "CERTIFICATE") {
				t.Fatal("the generated pair lacks its certificate or key")
			}
			// Import: a PEM certificate with its key; a key of another
			// certificate is refused beside the field.
			_, otherKey, err := keypair.Generate("other", 1)
			if err != nil {
				t.Fatal(err)
			}
			b.post(t, "/if/admin/certificates/new/", url.Values{"name": {"imported"}, "certificate_data": {k.CertificateData}, "key_data": {otherKey}}).
				expect(t, 422, "", "does not belong to the certificate")
			b.post(t, "/if/admin/certificates/new/", url.Values{"name": {"imported"}, "certificate_data": {"not a certificate"}}).
				expect(t, 422, "", "Unable to load certificate")
			b.post(t, "/if/admin/certificates/new/", url.Values{"name": {"imported"}, "certificate_data": {k.CertificateData}, "key_data": {k.KeyData}}).
				expect(t, 303, "/if/admin/certificates/")
			if imp, err := f.st.GetCertificateKeyPairByName(ctx, "imported"); err != nil || imp.KeyData != k.KeyData {
				t.Fatalf("imported pair: %v", err)
			}
			// A second pair of the same name is refused beside the field.
			b.post(t, "/if/admin/certificates/generate/", url.Values{"common_name": {"wiki.example.com"}, "validity_days": {"30"}, "alg": {"rsa"}}).
				expect(t, 422, "", "already exists")
			r := b.get(t, "/if/admin/certificates/")
			r.expect(t, 200, "", "wiki.example.com", "<td>ec</td>", "available", "Generate")
			if strings.Contains(r.body, "PRIVATE KEY") || strings.Contains(r.body, strings.TrimSpace(k.KeyData)[40:80]) {
				t.Fatal("the list shows the private key")
			}
			// Its edit form keeps the stored key when the field is empty.
			r = b.get(t, "/if/admin/certificates/"+k.UUID+"/edit/")
			if strings.Contains(r.body, "PRIVATE KEY-----") {
				t.Fatal("the edit form shows the private key")
			}
			b.post(t, "/if/admin/certificates/"+k.UUID+"/edit/", url.Values{"name": {"wiki"}, "certificate_data": {k.CertificateData}, "key_data": {""}}).
				expect(t, 303, "/if/admin/certificates/")
			if k2, _ := f.st.GetCertificateKeyPair(ctx, k.UUID); k2.KeyData != k.KeyData || k2.Name != "wiki" {
				t.Fatalf("edit lost the key or the name: %q", k2.Name)
			}
			b.post(t, "/if/admin/certificates/"+k.UUID+"/delete/", nil).expect(t, 303, "/if/admin/certificates/")
			if _, err := f.st.GetCertificateKeyPair(ctx, k.UUID); err == nil {
				t.Fatal("delete kept the pair")
			}
		})
	}
}

func TestScopeMappingConsole(t *testing.T) {
	f := newFixture(t)
	if err := blueprint.ApplyDefaults(context.Background(), f.app); err != nil {
		t.Fatal(err)
	}
	admin := f.user(t, "admin", "internal", true)
	b := f.browser(t, &admin)
	openid := managedScope(t, f.st, "openid")
	b.get(t, "/if/admin/scope-mappings/").expect(t, 200, "", "/if/admin/scope-mappings/"+openid.UUID+"/edit/", "<code>openid</code>",
		`title="goauthentik.io/providers/oauth2/scope-openid">managed`)
	b.get(t, "/if/admin/scope-mappings/"+openid.UUID+"/edit/").expect(t, 200, "", "managed by usher")
	b.post(t, "/if/admin/scope-mappings/new/", url.Values{"name": {"Nick"}, "scope_name": {""}, "expression": {"return {"}}).
		expect(t, 422, "", "This field may not be blank.", "Expression Syntax Error")
	b.post(t, "/if/admin/scope-mappings/new/", url.Values{"name": {"Nick"}, "scope_name": {"nick"},
		"expression": {`return {"nickname": request.user.username}`}}).expect(t, 303, "/if/admin/scope-mappings/")
	m, err := f.st.GetScopeMappingByName(context.Background(), "Nick")
	if err != nil || m.Managed != nil || m.ScopeName != "nick" {
		t.Fatalf("stored %+v, %v", m, err)
	}
	r := b.get(t, "/if/admin/scope-mappings/")
	r.expect(t, 200, "", "Nick", "<code>nick</code>")
}

// The user page lists the applications the user may open, by the
// application's bindings, and the launch link follows the same rule; an
// application without a launch URL of its own starts at its provider's
// redirect URI's origin.
func TestUserPageListsOpenableApplications(t *testing.T) {
	for _, be := range storetest.Backends(t) {
		t.Run(be.Name, func(t *testing.T) {
			f, implicit := oidcFixture(t, be)
			ctx := context.Background()
			alice := f.user(t, "alice", "internal", false)
			staff := store.Group{Name: "staff"}
			readers := store.Group{Name: "readers"}
			for _, g := range []*store.Group{&staff, &readers} {
				if err := f.st.CreateGroup(ctx, g); err != nil {
					t.Fatal(err)
				}
			}
			if err := f.st.AddGroupMember(ctx, readers.UUID, alice.PK); err != nil {
				t.Fatal(err)
			}
			p := store.OAuth2Provider{Name: "Wiki provider", AuthorizationFlow: implicit.UUID, ClientType: "confidential",
				ClientID: "wiki", ClientSecret: "secret", AccessCodeValidity: "minutes=1", AccessTokenValidity: "hours=1",
				RefreshTokenValidity: "days=30", SubMode: "hashed_user_id", IssuerMode: "per_provider",
				RedirectURIs: []store.RedirectURI{{MatchingMode: "regex", URL: "https://ignored.example/.*"},
					{MatchingMode: "strict", URL: "https://wiki.example.com/oauth/callback"}},
				PropertyMappings: []string{}, GrantTypes: []string{"authorization_code"}}
			if err := f.st.CreateOAuth2Provider(ctx, &p); err != nil {
				t.Fatal(err)
			}
			apps := map[string]*store.Application{
				"wiki":    {Name: "Readers Wiki", Slug: "wiki", Provider: &p.PK, PolicyEngineMode: "any"},
				"payroll": {Name: "Staff Payroll", Slug: "payroll", MetaLaunchURL: "https://payroll.example.com/", PolicyEngineMode: "any"},
				"open":    {Name: "Open Board", Slug: "open", MetaLaunchURL: "https://board.example.com/", PolicyEngineMode: "any"},
				"nowhere": {Name: "No Launch", Slug: "nowhere", PolicyEngineMode: "any"},
			}
			for _, a := range apps {
				if err := f.st.CreateApplication(ctx, a); err != nil {
					t.Fatal(err)
				}
			}
			bind := func(target, group string) {
				g := group
				if err := f.st.CreatePolicyBinding(ctx, &store.PolicyBinding{Target: target, Group: &g, Enabled: true, Timeout: 30}); err != nil {
					t.Fatal(err)
				}
			}
			bind(apps["wiki"].UUID, readers.UUID)
			bind(apps["payroll"].UUID, staff.UUID)

			b := f.browser(t, &alice)
			r := b.get(t, "/if/user/")
			r.expect(t, 200, "", "Readers Wiki", "/application/launch/wiki/", "Open Board")
			for _, hidden := range []string{"Staff Payroll", "No Launch"} {
				if strings.Contains(r.body, hidden) {
					t.Fatalf("the user page lists %q", hidden)
				}
			}
			b.get(t, "/application/launch/wiki/").expect(t, 302, "https://wiki.example.com/")
			if r := b.get(t, "/application/launch/wiki/"); r.loc != "https://wiki.example.com/" {
				t.Fatalf("launch went to %q", r.loc)
			}
			b.get(t, "/application/launch/payroll/").expect(t, 403, "", "Staff Payroll")
			b.get(t, "/application/launch/open/").expect(t, 302, "https://board.example.com/")
		})
	}
}
