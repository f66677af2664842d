package resource

import "github.com/usher-id/usher/internal/store"

var applicationKind = &Kind{
	Model: store.ModelApplication, VerboseName: "Application", VerboseNamePlural: "Applications",
	Fields: []string{"pk", "pbm_uuid", "name", "slug", "provider", "provider_obj", "backchannel_providers",
		"backchannel_providers_obj", "launch_url", "open_in_new_tab", "meta_launch_url", "meta_icon", "meta_icon_url",
		"meta_icon_themed_urls", "meta_description", "meta_publisher", "policy_engine_mode", "group", "meta_hide"},
	PK:     func(o Object) any { return o.(store.Application).UUID },
	Name:   func(o Object) string { return o.(store.Application).Name },
	List:   func(c *Ctx) ([]Object, error) { return list(c.Q.ListApplications(c.ctx())) },
	Delete: func(c *Ctx, o Object) error { return c.Q.DeleteApplication(c.ctx(), o.(store.Application).UUID) },
}

func init() {
	applicationKind.Save, applicationKind.Serialize = saveApplication, serializeApplication
	register(applicationKind, finder{
		byPK: uuidPK(func(c *Ctx, id string) (Object, error) { return c.Q.GetApplication(c.ctx(), id) }),
		unique: map[string]func(c *Ctx, v string) (Object, error){
			"slug": func(c *Ctx, v string) (Object, error) { return c.Q.GetApplicationBySlug(c.ctx(), v) },
		},
	})
}

func saveApplication(c *Ctx, existing Object, data map[string]any) (Object, error) {
	a := store.Application{PolicyEngineMode: "any"}
	if existing != nil {
		a = existing.(store.Application)
	}
	in := newInput(c, applicationKind.Model, existing == nil, data)
	setPK(c, in, &a.UUID)
	in.readOnly("pbm_uuid", "provider_obj", "backchannel_providers_obj", "launch_url", "meta_icon_url",
		"meta_icon_themed_urls", "meta_hide")
	in.str("name", &a.Name, strOpt{required: true})
	if in.slug("slug", &a.Slug, true) && (existing == nil || a.Slug != existing.(store.Application).Slug) {
		if other, err := c.Q.GetApplicationBySlug(c.ctx(), a.Slug); err == nil && other.UUID != a.UUID {
			in.taken("slug", uniqueMsg("Application", "slug"))
		}
	}
	// usher has no providers: only null / empty values are accepted.
	if raw, ok := in.get("provider"); ok && raw != nil {
		in.fail("provider", "usher has no providers; leave provider empty.")
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
		return nil, err
	}
	var err error
	if existing == nil {
		err = c.Q.CreateApplication(c.ctx(), &a)
	} else {
		err = c.Q.UpdateApplication(c.ctx(), &a)
	}
	c.forget()
	if err != nil {
		return nil, conflict(err, "slug", uniqueMsg("Application", "slug"))
	}
	return a, nil
}

func serializeApplication(c *Ctx, o Object) (map[string]any, error) {
	a := o.(store.Application)
	var launch, icon any
	if a.MetaLaunchURL != "" {
		launch = a.MetaLaunchURL
	}
	if a.MetaIcon != "" {
		icon = a.MetaIcon
	}
	return map[string]any{
		"pk": a.UUID, "pbm_uuid": a.UUID, "name": a.Name, "slug": a.Slug, "provider": nil, "provider_obj": nil,
		"backchannel_providers": []int{}, "backchannel_providers_obj": []any{}, "launch_url": launch,
		"open_in_new_tab": a.OpenInNewTab, "meta_launch_url": a.MetaLaunchURL, "meta_icon": a.MetaIcon,
		"meta_icon_url": icon, "meta_icon_themed_urls": nil, "meta_description": a.MetaDescription,
		"meta_publisher": a.MetaPublisher, "policy_engine_mode": a.PolicyEngineMode, "group": a.Group,
		"meta_hide": false,
	}, nil
}
