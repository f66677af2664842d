package store

// Brand selects look and default flows by request host (authentik_brands.brand).
type Brand struct {
	UUID               string
	Domain             string
	Default            bool
	BrandingTitle      string // default "authentik"; usher ships "usher"
	BrandingLogo       string
	BrandingFavicon    string
	FlowAuthentication *string // flow UUIDs; nulled when the flow is deleted
	FlowInvalidation   *string
	FlowRecovery       *string
	FlowUnenrollment   *string
	FlowUserSettings   *string
	DefaultApplication *string // application UUID; nulled on delete
	Attributes         map[string]any
}

// Application is something users launch (authentik_core.application). Its
// UUID is also a policy binding target.
type Application struct {
	UUID             string
	Name             string
	Slug             string // unique
	Group            string
	MetaLaunchURL    string
	MetaIcon         string
	MetaDescription  string
	MetaPublisher    string
	OpenInNewTab     bool
	PolicyEngineMode string // any (default), all
	// Provider is the OAuth2 provider's pk (nil: none).
	Provider *int64
}
