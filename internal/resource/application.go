package resource

import (
	"fmt"

	"github.com/usher-id/usher/internal/domain/application"
	"github.com/usher-id/usher/internal/store"
)

// Applications is authentik's core.Application.
var Applications = &Model[store.Application]{
	Name: store.ModelApplication, VerboseName: "Application", VerboseNamePlural: "Applications",
	Fields: []string{"pk", "pbm_uuid", "name", "slug", "provider", "provider_obj", "backchannel_providers",
		"backchannel_providers_obj", "launch_url", "open_in_new_tab", "meta_launch_url", "meta_icon", "meta_icon_url",
		"meta_icon_themed_urls", "meta_description", "meta_publisher", "policy_engine_mode", "group", "meta_hide"},
	pk:    func(o store.Application) any { return o.UUID },
	title: func(o store.Application) string { return o.Name },
	list:  func(c *Ctx) ([]store.Application, error) { return c.Q.ListApplications(c.ctx()) },
	del:   func(c *Ctx, o store.Application) error { return c.Q.DeleteApplication(c.ctx(), o.UUID) },
}

func init() {
	Applications.save, Applications.serialize = saveApplication, serializeApplication
	define(Applications, finder[store.Application]{
		byPK: uuidPK(func(c *Ctx, id string) (store.Application, error) { return c.Q.GetApplication(c.ctx(), id) }),
		unique: map[string]func(c *Ctx, v string) (store.Application, error){
			"slug": func(c *Ctx, v string) (store.Application, error) { return c.Q.GetApplicationBySlug(c.ctx(), v) },
		},
	})
}

func saveApplication(c *Ctx, existing *store.Application, data map[string]any) (store.Application, error) {
	a := store.Application{PolicyEngineMode: "any"}
	if existing != nil {
		a = *existing
	}
	in := newInput(c, store.ModelApplication, existing == nil, data)
	setPK(c, in, &a.UUID)
	in.readOnly("pbm_uuid", "provider_obj", "backchannel_providers_obj", "launch_url", "meta_icon_url",
		"meta_icon_themed_urls", "meta_hide")
	in.str("name", &a.Name, strOpt{required: true})
	if in.slug("slug", &a.Slug, true) && (existing == nil || a.Slug != existing.Slug) {
		if other, err := c.Q.GetApplicationBySlug(c.ctx(), a.Slug); err == nil && other.UUID != a.UUID {
			in.taken("slug", uniqueMsg("Application", "slug"))
		}
	}
	if raw, ok := in.get("provider"); ok {
		if raw == nil {
			a.Provider = nil
		} else if n, good := asInt(raw); !good {
			in.fail("provider", "Incorrect type. Expected pk value, received "+pyType(raw)+".")
		} else if _, err := c.Q.GetOAuth2Provider(c.ctx(), int64(n)); err != nil {
			in.fail("provider", fmt.Sprintf("Invalid pk \"%d\" - object does not exist.", n))
		} else {
			pk := int64(n)
			a.Provider = &pk
			if other, err := c.Q.ApplicationOfProvider(c.ctx(), pk); err == nil && other.UUID != a.UUID {
				in.fail("provider", fmt.Sprintf("Application %q already uses this provider: a provider serves one application.", other.Name))
			}
		}
	}
	var noneList []string
	in.refs("backchannel_providers", &noneList, false, true, func(string) bool { return false })
	in.boolean("open_in_new_tab", &a.OpenInNewTab)
	in.str("meta_launch_url", &a.MetaLaunchURL, strOpt{blank: true})
	in.str("meta_icon", &a.MetaIcon, strOpt{blank: true})
	in.str("meta_description", &a.MetaDescription, strOpt{blank: true})
	in.str("meta_publisher", &a.MetaPublisher, strOpt{blank: true})
	in.choice("policy_engine_mode", &a.PolicyEngineMode, false, PolicyEngineModes...)
	in.str("group", &a.Group, strOpt{blank: true})
	if err := in.err(); err != nil {
		return store.Application{}, err
	}
	var err error
	if existing == nil {
		err = c.Q.CreateApplication(c.ctx(), &a)
	} else {
		err = c.Q.UpdateApplication(c.ctx(), &a)
	}
	c.forget()
	if err != nil {
		return store.Application{}, conflict(err, "slug", uniqueMsg("Application", "slug"))
	}
	return a, nil
}

func serializeApplication(c *Ctx, a store.Application) (map[string]any, error) {
	var launch, icon, provider, providerObj any
	if a.MetaLaunchURL != "" {
		launch = a.MetaLaunchURL
	}
	if a.MetaIcon != "" {
		icon = a.MetaIcon
	}
	if a.Provider != nil {
		provider = *a.Provider
		if p, err := c.Q.GetOAuth2Provider(c.ctx(), *a.Provider); err == nil {
			if providerObj, err = serializeProvider(c, p); err != nil {
				return nil, err
			}
			if u := application.ProviderLaunchURL(p); launch == nil && u != "" {
				// authentik's get_launch_url: an OAuth2 provider's first
				// strict redirect URI, reduced to its origin (the same
				// target /application/launch/<slug>/ redirects to).
				launch = u
			}
		}
	}
	return map[string]any{
		"pk": a.UUID, "pbm_uuid": a.UUID, "name": a.Name, "slug": a.Slug, "provider": provider, "provider_obj": providerObj,
		"backchannel_providers": []int{}, "backchannel_providers_obj": []any{}, "launch_url": launch,
		"open_in_new_tab": a.OpenInNewTab, "meta_launch_url": a.MetaLaunchURL, "meta_icon": a.MetaIcon,
		"meta_icon_url": icon, "meta_icon_themed_urls": nil, "meta_description": a.MetaDescription,
		"meta_publisher": a.MetaPublisher, "policy_engine_mode": a.PolicyEngineMode, "group": a.Group,
		"meta_hide": false,
	}, nil
}
