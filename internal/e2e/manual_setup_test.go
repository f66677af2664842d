package e2e

import (
	"fmt"
	"slices"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestManualSetup is the "Done when" of issue 7: starting from an empty
// usher, the admin follows authentik's invitations guide's "Manual setup (without
// blueprints)" in the console, step by step, with "Automatic group
// assignment" and "User paths"; then creates an invitation, expands it and
// copies the link, and an invitee enrolls with it. Every admin page visited
// is saved as a screenshot named by step.
func TestManualSetup(t *testing.T) {
	skipShort(t)
	srv := startServer(t, serverOptions{})
	b := newBrowser(t, srv.URL)
	admin := b.actor("admin")
	admin.login(adminUsername, adminPassword)
	admin.openAdmin()

	// Step 1: an Invitation stage that requires an invitation.
	createStage(admin, "Invitation Stage", "enrollment-invitation-stage", func() {
		admin.check("#f-continue_flow_without_invitation", false)
	})

	// Step 2: the enrollment flow.
	admin.nav("Flows")
	admin.shot("flows")
	admin.clickLink("Create")
	admin.shot("flow-create")
	admin.typeInto("#f-name", "Invitation enrollment")
	admin.typeInto("#f-title", "Welcome! Complete your enrollment")
	admin.typeInto("#f-slug", "invitation-enrollment")
	admin.choose("#f-designation", "Enrollment")
	admin.choose("#f-authentication", "Require unauthenticated")
	admin.shot("flow-create-filled")
	admin.clickButton("Create")
	admin.waitPath("/if/admin/flows/invitation-enrollment/")
	admin.shot("flow-overview")

	// Step 3: bind the invitation stage early, evaluated on plan.
	admin.clickLink("Stage Bindings")
	admin.waitText("This enrollment flow has no invitation stage")
	admin.shot("flow-bindings-empty")
	bindStage(admin, "enrollment-invitation-stage", "10", true)

	// The other stages: prompt fields, two prompt stages, User Write with a
	// group and a path, User Login.
	prompts := []struct{ name, key, label, typ, order string }{
		{"enrollment-field-username", "username", "Username", "username", "0"},
		{"enrollment-field-password", "password", "Password", "password", "1"},
		{"enrollment-field-password-repeat", "password_repeat", "Password (repeat)", "password", "2"},
		{"enrollment-field-name", "name", "Name", "text", "0"},
		{"enrollment-field-email", "email", "Email", "email", "1"},
	}
	admin.nav("Prompts")
	admin.shot("prompts")
	for _, p := range prompts {
		admin.clickLink("Create")
		admin.typeInto("#f-name", p.name)
		admin.typeInto("#f-field_key", p.key)
		admin.typeInto("#f-label", p.label)
		admin.choose("#f-type", p.typ)
		admin.check("#f-required", true)
		admin.typeInto("#f-order", p.order)
		admin.shot("prompt-create-" + p.key)
		admin.clickButton("Create")
		admin.waitPath("/if/admin/prompts/")
		admin.waitText(p.name)
	}
	admin.shot("prompts-created")

	admin.nav("Groups")
	admin.shot("groups")
	admin.clickLink("Create")
	admin.typeInto("#f-name", "new-hires")
	admin.shot("group-create")
	admin.clickButton("Create")
	admin.waitText("new-hires")
	admin.shot("groups-created")

	createStage(admin, "Prompt Stage", "enrollment-credentials", func() {
		for _, f := range []string{"enrollment-field-username", "enrollment-field-password", "enrollment-field-password-repeat"} {
			admin.choose("#f-fields", f)
		}
	})
	createStage(admin, "Prompt Stage", "enrollment-details", func() {
		admin.choose("#f-fields", "enrollment-field-name")
		admin.choose("#f-fields", "enrollment-field-email")
	})
	createStage(admin, "User Write Stage", "enrollment-user-write", func() {
		admin.choose("#f-user_creation_mode", "Always create new users")
		admin.choose("#f-user_type", "Internal")
		admin.typeInto("#f-user_path_template", "users/invited")
		admin.choose("#f-create_users_group", "new-hires")
	})
	createStage(admin, "User Login Stage", "enrollment-user-login", nil)

	admin.nav("Flows")
	admin.clickLink("Invitation enrollment")
	admin.clickLink("Stage Bindings")
	for _, s := range []struct{ name, order string }{{"enrollment-credentials", "20"}, {"enrollment-details", "30"},
		{"enrollment-user-write", "40"}, {"enrollment-user-login", "100"}} {
		bindStage(admin, s.name, s.order, false)
	}
	if admin.has(".flash.warn") {
		admin.fail("bind stages", fmt.Errorf("the bindings page still warns: %s", admin.text()))
	}
	admin.shot("flow-bindings-complete")

	// Step 4: Directory > Invitations > Create, then expand and copy.
	admin.nav("Invitations")
	admin.shot("invitations")
	admin.clickLink("Create")
	admin.shot("invitation-create")
	admin.typeInto("#f-name", "mia-invite")
	admin.choose("#f-flow", "Invitation enrollment (invitation-enrollment)")
	admin.setValue("#f-fixed_data", "name: Mia Manual\nemail: mia@example.com\n")
	admin.check("#f-single_use", true)
	admin.shot("invitation-create-filled")
	admin.clickButton("Create")
	admin.waitPath("/if/admin/invitations/")
	admin.shot("invitations-created")
	link := invitationLink(admin, "mia-invite")
	// Copy: record what the page writes to the clipboard.
	admin.do("stub the clipboard", chromedp.Evaluate[chromedp.Void](`Object.defineProperty(navigator, "clipboard",
		{value: {writeText: function (t) { window.__copied = t; return Promise.resolve(); }}, configurable: true})`))
	admin.click("Copy", `details[open] button.copy`)
	admin.waitJS("the link on the clipboard", `window.__copied === `+jsString(link))
	admin.shot("invitation-copied")

	mia := b.actor("invitee")
	got := mia.enroll(link, person{Username: "mia", Password: "mia-Passw0rd"})
	if got["name"] != "Mia Manual" || got["email"] != "mia@example.com" {
		t.Errorf("pre-filled values %v, want the invitation's name and email", got)
	}
	mia.waitPath("/if/user/")
	mia.shot("user-interface")
	u := srv.user(t, "mia")
	expectUser(t, u, apiUser{Name: "Mia Manual", Email: "mia@example.com", Type: "internal", Path: "users/invited"})
	if !slices.Contains(u.groupNames(), "new-hires") {
		t.Errorf("mia's groups %v, want new-hires", u.groupNames())
	}

	// The admin sees who used the invitation.
	invitationLink(admin, "mia-invite")
	admin.waitJS("mia under Used by", `document.querySelector("details[open] .plain-list").innerText.includes("mia")`)
	admin.shot("invitation-used")
}

// createStage goes to Flows and Stages > Stages > Create, picks the type,
// names the stage, lets fill set its settings and saves.
func createStage(admin *actor, typ, name string, fill func()) {
	admin.t.Helper()
	admin.nav("Stages")
	admin.shot("stages")
	admin.clickLink("Create")
	admin.shot("stage-types")
	admin.clickAndWait(typ, `//main//a[contains(@class,"type")][strong[normalize-space(.)=`+xpathString(typ)+`]]`)
	admin.shot("stage-create-" + name)
	admin.typeInto("#f-name", name)
	if fill != nil {
		fill()
	}
	admin.shot("stage-create-" + name + "-filled")
	admin.clickButton("Create")
	admin.waitPath("/if/admin/stages/")
	admin.waitText(name)
}

// bindStage clicks Bind Stage on a flow's Stage Bindings tab and binds the
// stage at order (re-evaluate policies on, as by default).
func bindStage(admin *actor, stage, order string, evaluateOnPlan bool) {
	admin.t.Helper()
	admin.clickLink("Bind Stage")
	admin.shot("bind-" + stage)
	admin.choose("#f-stage", stage+" (")
	admin.typeInto("#f-order", order)
	admin.check("#f-evaluate_on_plan", evaluateOnPlan)
	admin.check("#f-re_evaluate_policies", true)
	admin.shot("bind-" + stage + "-filled")
	admin.clickButton("Create")
	admin.waitText(stage)
	admin.shot("bindings-after-" + stage)
}
