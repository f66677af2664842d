package resource

import (
	"errors"

	"github.com/usher-id/usher/internal/store"
)

// Brands is authentik's brands.Brand.
var Brands = &Model[store.Brand]{
	Name: store.ModelBrand, VerboseName: "Brand", VerboseNamePlural: "Brands",
	Fields: []string{"brand_uuid", "domain", "default", "branding_title", "branding_logo", "branding_favicon",
		"branding_custom_css", "branding_default_flow_background", "branding_map_tiles", "flow_authentication",
		"flow_user_switch", "flow_invalidation", "flow_recovery", "flow_unenrollment", "flow_user_settings",
		"flow_device_code", "flow_lockdown", "flow_request", "default_application", "web_certificate",
		"client_certificates", "attributes"},
	pk:    func(o store.Brand) any { return o.UUID },
	title: func(o store.Brand) string { return o.Domain },
	list:  func(c *Ctx) ([]store.Brand, error) { return c.Q.ListBrands(c.ctx()) },
	del:   func(c *Ctx, o store.Brand) error { return c.Q.DeleteBrand(c.ctx(), o.UUID) },
}

func init() {
	Brands.save, Brands.serialize = saveBrand, serializeBrand
	define(Brands, finder[store.Brand]{
		byPK: uuidPK(func(c *Ctx, id string) (store.Brand, error) { return c.Q.GetBrand(c.ctx(), id) }),
	})
}

func saveBrand(c *Ctx, existing *store.Brand, data map[string]any) (store.Brand, error) {
	b := store.Brand{BrandingTitle: "authentik", BrandingLogo: "/static/dist/assets/icons/icon_left_brand.svg",
		BrandingFavicon: "/static/dist/assets/icons/icon.png", Attributes: map[string]any{}}
	if existing != nil {
		b = *existing
	}
	in := newInput(c, store.ModelBrand, existing == nil, data)
	setPK(c, in, &b.UUID)
	in.readOnly("brand_uuid")
	in.str("domain", &b.Domain, strOpt{required: true})
	in.boolean("default", &b.Default)
	in.str("branding_title", &b.BrandingTitle, strOpt{blank: true})
	in.str("branding_logo", &b.BrandingLogo, strOpt{blank: true})
	in.str("branding_favicon", &b.BrandingFavicon, strOpt{blank: true})
	var ignored string // usher renders its own pages: accepted, not stored
	in.str("branding_custom_css", &ignored, strOpt{blank: true})
	in.str("branding_default_flow_background", &ignored, strOpt{blank: true})
	in.str("branding_map_tiles", &ignored, strOpt{blank: true})
	flows := exists(c, getFlow)
	in.ref("flow_authentication", &b.FlowAuthentication, false, true, flows)
	in.ref("flow_invalidation", &b.FlowInvalidation, false, true, flows)
	in.ref("flow_recovery", &b.FlowRecovery, false, true, flows)
	in.ref("flow_unenrollment", &b.FlowUnenrollment, false, true, flows)
	in.ref("flow_user_settings", &b.FlowUserSettings, false, true, flows)
	// Flows for features usher does not have: only null is accepted.
	var none *string
	for _, f := range []string{"flow_device_code", "flow_user_switch", "flow_lockdown", "flow_request"} {
		in.ref(f, &none, false, true, func(string) bool { return false })
	}
	in.ref("web_certificate", &none, false, true, func(string) bool { return false })
	var noneList []string
	in.refs("client_certificates", &noneList, false, true, func(string) bool { return false })
	in.ref("default_application", &b.DefaultApplication, false, true, exists(c, getApp))
	in.dict("attributes", &b.Attributes)
	if in.ok() && b.Default {
		all, err := c.Q.ListBrands(c.ctx())
		if err != nil {
			return store.Brand{}, err
		}
		// Another default brand is a conflict like a taken unique value:
		// two instances applying the default brand at once retry on it.
		for _, o := range all {
			if o.Default && o.UUID != b.UUID {
				in.taken("default", "Only a single brand can be set as default.")
			}
		}
	}
	if err := in.err(); err != nil {
		return store.Brand{}, err
	}
	var err error
	if existing == nil {
		err = c.Q.CreateBrand(c.ctx(), &b)
	} else {
		err = c.Q.UpdateBrand(c.ctx(), &b)
	}
	c.forget()
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.Brand{}, NewValidationError("domain", uniqueMsg("Brand", "domain"))
		}
		return store.Brand{}, err
	}
	return b, nil
}

func serializeBrand(c *Ctx, b store.Brand) (map[string]any, error) {
	return map[string]any{
		"brand_uuid": b.UUID, "domain": b.Domain, "default": b.Default, "branding_title": b.BrandingTitle,
		"branding_logo": b.BrandingLogo, "branding_favicon": b.BrandingFavicon, "branding_custom_css": "",
		"branding_default_flow_background": BackgroundURL, "branding_map_tiles": "", "flow_user_switch": nil,
		"flow_lockdown": nil, "flow_request": nil,
		"flow_authentication": strPtr(b.FlowAuthentication), "flow_invalidation": strPtr(b.FlowInvalidation),
		"flow_recovery": strPtr(b.FlowRecovery), "flow_unenrollment": strPtr(b.FlowUnenrollment),
		"flow_user_settings": strPtr(b.FlowUserSettings), "flow_device_code": nil,
		"default_application": strPtr(b.DefaultApplication), "web_certificate": nil,
		"client_certificates": []string{}, "attributes": nonNilMap(b.Attributes),
	}, nil
}
