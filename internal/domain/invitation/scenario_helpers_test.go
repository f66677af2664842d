package invitation_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	ak "goauthentik.io/api/v3"

	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/store"
	"github.com/usher-id/usher/internal/testapp"
)

// apiAs is an API client with a bearer token for one user of a testapp.Env.
type apiAs struct {
	t    *testing.T
	base string
	key  string
}

// adminAPI creates an API token for the fixture's akadmin.
func adminAPI(t *testing.T, e *testapp.Env) apiAs {
	return tokenFor(t, e, e.Fixture.Admin)
}

func tokenFor(t *testing.T, e *testapp.Env, u store.User) apiAs {
	t.Helper()
	key := "key-" + auth.NewTokenKey()
	must(t, e.Store.CreateToken(context.Background(), &store.Token{Identifier: "tok-" + u.Username,
		KeyHash: auth.HashToken(key), UserPK: u.PK, Intent: "api"}))
	return apiAs{t: t, base: e.URL, key: key}
}

// do sends body as JSON and decodes a JSON object answer (nil otherwise).
func (a apiAs) do(method, path string, body any) (int, map[string]any) {
	a.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		must(a.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, a.base+path, rd)
	must(a.t, err)
	req.Header.Set("Authorization", "Bearer "+a.key)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	must(a.t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	return resp.StatusCode, m
}

// client is authentik's Go client with the same token.
func (a apiAs) client() *ak.APIClient {
	cfg := ak.NewConfiguration()
	cfg.Servers = ak.ServerConfigurations{{URL: a.base + "/api/v3"}}
	cfg.AddDefaultHeader("Authorization", "Bearer "+a.key)
	return ak.NewAPIClient(cfg)
}

// groupNames lists the names of a user's groups.
func groupNames(t *testing.T, q store.Queries, pk int64) map[string]bool {
	t.Helper()
	gs, err := q.UserGroups(context.Background(), pk)
	must(t, err)
	out := map[string]bool{}
	for _, g := range gs {
		out[g.Name] = true
	}
	return out
}
