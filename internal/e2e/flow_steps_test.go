package e2e

import (
	"fmt"
	"github.com/usher-id/usher/internal/testkit"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// exampleBlueprint is the path of one of authentik's example blueprints,
// used as they are (never edited).
func exampleBlueprint(t *testing.T, name string) string {
	t.Helper()
	return testkit.ExampleBlueprint(t, name)
}

// person is someone enrolling; empty fields are left to pre-filled values.
type person struct {
	Username, Password, Name, Email string
}

// formField is an input of a flow page.
type formField struct {
	Name     string `json:"name"`
	Type     string `json:"type"`
	Value    string `json:"value"`
	ReadOnly bool   `json:"readOnly"`
}

// enroll opens link and answers every page of the flow until it leaves
// /if/flow/. Fields that already hold a value (pre-filled by the
// invitation) are left alone. It returns those pre-filled values by field
// key.
func (a *actor) enroll(link string, p person) map[string]string {
	a.t.Helper()
	answers := map[string]string{"username": p.Username, "password": p.Password, "password_repeat": p.Password,
		"name": p.Name, "email": p.Email}
	prefilled := map[string]string{}
	a.open(link)
	for page := 1; strings.HasPrefix(a.path(), "/if/flow/"); page++ {
		if page > 6 {
			a.fail("enroll", fmt.Errorf("still in the flow after %d pages", page-1))
		}
		if !a.has("form") || a.has(".errors, .field-error") {
			a.fail("enroll", fmt.Errorf("the flow stopped on page %d: %q", page, a.text()))
		}
		fields := eval[[]formField](a, "read the form", `Array.from(document.querySelectorAll("form input, form select, form textarea"))
			.filter(e => e.type !== "hidden" && e.type !== "submit")
			.map(e => ({name: e.name, type: e.type, value: e.value, readOnly: e.readOnly}))`)
		for _, f := range fields {
			if f.Value != "" {
				prefilled[f.Name] = f.Value
				continue
			}
			if f.ReadOnly {
				continue
			}
			v, ok := answers[f.Name]
			if !ok || v == "" {
				a.fail("enroll", fmt.Errorf("page %d asks for %q, which the test has no answer for", page, f.Name))
			}
			a.typeInto(`form [name="`+f.Name+`"]`, v)
		}
		a.shot(fmt.Sprintf("flow-page-%d", page))
		a.clickButton(a.submitLabel())
	}
	return prefilled
}

// importBlueprint imports a blueprint file through Flows and Stages >
// Flows > Import and returns the lines of the import log.
func importBlueprint(a *actor, file string) []string {
	a.t.Helper()
	a.nav("Flows")
	a.shot("flows")
	a.clickLink("Import")
	a.shot("flow-import")
	a.do("choose "+filepath.Base(file), chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{file}))
	a.clickButton("Import")
	a.waitText("Imported " + filepath.Base(file))
	logs := eval[[]string](a, "read the import log", `Array.from(document.querySelectorAll("main table tbody tr")).map(r => r.innerText.trim())`)
	if len(logs) == 0 {
		a.fail("import "+file, fmt.Errorf("no log lines shown"))
	}
	a.shot("flow-import-result")
	return logs
}

// invitationRow is the XPath of the summary row of the named invitation on
// Directory > Invitations.
func invitationRow(name string) string {
	return `//details[contains(@class,"xitem")][summary/span[contains(@class,"name")]/text()[normalize-space(.)=` +
		xpathString(name) + `]]/summary`
}

// invitationLink opens Directory > Invitations, expands the invitation's
// row and reads "Link to use the invitation".
func invitationLink(a *actor, name string) string {
	a.t.Helper()
	a.nav("Invitations")
	a.waitText(name)
	a.click("the row of "+name, invitationRow(name))
	a.do("wait for the link", chromedp.WaitVisible(chromedp.CSS("details[open] input.link")))
	a.waitText("Link to use the invitation")
	a.shot("invitation-" + name)
	return a.value("details[open] input.link")
}
