package console

type navItem struct {
	Key, Label, URL string
	Active          bool
}

type navGroup struct {
	Title string
	Items []navItem
}

// navigation follows authentik's invitations guide's menu names exactly.
var navigation = []navGroup{
	{"", []navItem{{Key: "overview", Label: "Overview", URL: "/if/admin/"}}},
	{"Flows and Stages", []navItem{{Key: "flows", Label: "Flows", URL: "/if/admin/flows/"},
		{Key: "stages", Label: "Stages", URL: "/if/admin/stages/"}, {Key: "prompts", Label: "Prompts", URL: "/if/admin/prompts/"}}},
	{"Directory", []navItem{{Key: "users", Label: "Users", URL: "/if/admin/users/"},
		{Key: "groups", Label: "Groups", URL: "/if/admin/groups/"}, {Key: "invitations", Label: "Invitations", URL: "/if/admin/invitations/"}}},
	{"Applications", []navItem{{Key: "applications", Label: "Applications", URL: "/if/admin/applications/"},
		{Key: "providers", Label: "Providers", URL: "/if/admin/providers/"}}},
	{"Customization", []navItem{{Key: "policies", Label: "Policies", URL: "/if/admin/policies/"},
		{Key: "scopemappings", Label: "Scope mappings", URL: "/if/admin/scope-mappings/"}}},
	{"System", []navItem{{Key: "brands", Label: "Brands", URL: "/if/admin/brands/"},
		{Key: "certificates", Label: "Certificates", URL: "/if/admin/certificates/"},
		{Key: "blueprints", Label: "Blueprints", URL: "/if/admin/blueprints/"}}},
	{"", []navItem{{Key: "events", Label: "Events", URL: "/if/admin/events/"}}},
}

// NavGroups is the sidebar with the current page marked.
func (v *view) NavGroups() []navGroup {
	out := make([]navGroup, len(navigation))
	for i, g := range navigation {
		items := make([]navItem, len(g.Items))
		for j, it := range g.Items {
			it.Active = it.Key == v.Nav
			items[j] = it
		}
		out[i] = navGroup{g.Title, items}
	}
	return out
}
