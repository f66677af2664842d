package brand

import (
	"testing"

	"github.com/usher-id/usher/internal/store"
)

func TestMatch(t *testing.T) {
	brands := []store.Brand{
		{Domain: "example.com", BrandingTitle: "Example"},
		{Domain: "sso.example.com", BrandingTitle: "SSO"},
		{Domain: "authentik-default", Default: true, BrandingTitle: "Default"},
	}
	cases := []struct {
		host string
		want string
	}{
		{"example.com", "Example"},
		{"EXAMPLE.com:9000", "Example"},
		{"a.example.com", "Example"},
		{"sso.example.com", "SSO"},
		{"x.sso.example.com", "SSO"},
		{"badexample.com", "Default"},
		{"other.org", "Default"},
	}
	for _, c := range cases {
		if got := Match(brands, c.host).BrandingTitle; got != c.want {
			t.Errorf("Match(%q) = %q, want %q", c.host, got, c.want)
		}
	}
	if got := Title(Match(nil, "x")); got != "usher" {
		t.Errorf("built-in title = %q, want usher", got)
	}
}
