package console_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/http/console"
	"github.com/usher-id/usher/internal/store"
)

func TestPolicyConsole(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	f.user(t, "jane", store.UserTypeExternal, false)
	b := f.browser(t, &admin)

	b.get(t, "/if/admin/policies/new/").expect(t, 200, "", "Create Expression Policy", `name="expression"`, "Execution logging", "ak_is_group_member")

	const good = "ak_logger.info('checked', user=request.user.username)\n" +
		"if context.get('email', '').endswith('@company.com'):\n  return True\n" +
		"ak_message('Only company addresses may enroll.')\nreturn False\n"
	create := []struct {
		name   string
		form   url.Values
		status int
		body   []string
	}{
		{"syntax error names line and column beside the field", url.Values{"name": {"company"}, "expression": {"x = 1\nreturn (x +\n"}}, 422,
			[]string{`field has-error kind-code`, "Expression Syntax Error: line 3, column 1", "return (x "}},
		{"blank expression", url.Values{"name": {"company"}, "expression": {""}}, 422, []string{"This field"}},
		{"blank name", url.Values{"name": {""}, "expression": {"return True"}}, 422, []string{"This field"}},
		{"valid", url.Values{"name": {"company"}, "expression": {good}, "execution_logging": {"on"}}, 303, nil},
		{"duplicate name", url.Values{"name": {"company"}, "expression": {"return True"}}, 422, []string{"Policy with this name already exists."}},
	}
	for _, tc := range create {
		t.Run("create/"+tc.name, func(t *testing.T) {
			b.post(t, "/if/admin/policies/new/", tc.form).expect(t, tc.status, "", tc.body...)
		})
	}
	p, err := f.st.GetPolicyByName(ctx, "company")
	if err != nil || p.Expression != good || !p.ExecutionLogging {
		t.Fatalf("policy stored wrong: %+v %v", p, err)
	}
	if ev := f.events(t, "model_created"); len(ev) != 1 || ev[0].Context["model"].(map[string]any)["model_name"] != "expressionpolicy" {
		t.Fatalf("want one model_created expressionpolicy event, got %+v", ev)
	}

	t.Run("list shows it with test, edit and delete", func(t *testing.T) {
		b.get(t, "/if/admin/policies/").expect(t, 200, "", "company", "not used",
			"/if/admin/policies/"+p.UUID+"/test/", "/if/admin/policies/"+p.UUID+"/edit/", "/if/admin/policies/"+p.UUID+"/delete/")
	})

	t.Run("edit refuses a syntax error and keeps the old expression", func(t *testing.T) {
		edit := "/if/admin/policies/" + p.UUID + "/edit/"
		b.get(t, edit).expect(t, 200, "", `value="company"`, "ak_message(&#39;Only company addresses may enroll.&#39;)")
		b.post(t, edit, url.Values{"name": {"company"}, "expression": {"return True\n  x"}}).expect(t, 422, "", "Expression Syntax Error: line 2")
		if got, _ := f.st.GetPolicy(ctx, p.UUID); got.Expression != good {
			t.Fatal("a refused edit changed the policy")
		}
	})

	testURL := "/if/admin/policies/" + p.UUID + "/test/"
	t.Run("test page defaults to the signed-in user", func(t *testing.T) {
		b.get(t, testURL).expect(t, 200, "", "Test policy company", `name="user" id="f-user" value="admin"`, `name="context"`, "Run the test")
	})
	tests := []struct {
		name   string
		form   url.Values
		status int
		body   []string
		not    string
	}{
		{"unknown user", url.Values{"user": {"nobody"}, "context": {"{}"}}, 422, []string{"No user with this username or ID."}, "Passing"},
		{"context must be a mapping", url.Values{"user": {"jane"}, "context": {"- a\n"}}, 422, []string{"Value must be a dictionary"}, "Passing"},
		{"context YAML error names the line", url.Values{"user": {"jane"}, "context": {"email: [x\n"}}, 422, []string{"Line "}, "Passing"},
		{"passing with a YAML context", url.Values{"user": {"jane"}, "context": {"email: jane@company.com\n"}}, 200,
			[]string{"<strong>Passing</strong>", "as jane", "No messages.", "checked", "&#34;user&#34;: &#34;jane&#34;"}, "Not passing"},
		{"not passing with a JSON context, with its message", url.Values{"user": {"jane"}, "context": {`{"email": "jane@gmail.com"}`}}, 200,
			[]string{"<strong>Not passing</strong>", "Only company addresses may enroll."}, "<strong>Passing"},
	}
	for _, tc := range tests {
		t.Run("test/"+tc.name, func(t *testing.T) {
			r := b.post(t, testURL, tc.form)
			r.expect(t, tc.status, "", tc.body...)
			if strings.Contains(r.body, tc.not) {
				t.Fatalf("body has %q", tc.not)
			}
		})
	}
	if len(f.events(t, "policy_execution")) != 2 {
		t.Fatal("execution logging: want a policy_execution event per test run")
	}

	t.Run("delete asks first, then deletes", func(t *testing.T) {
		b.get(t, "/if/admin/policies/"+p.UUID+"/delete/").expect(t, 200, "", "Delete Expression Policy company?", `method="post"`)
		b.post(t, "/if/admin/policies/"+p.UUID+"/delete/", nil).expect(t, 303, "/if/admin/policies/")
		if _, err := f.st.GetPolicy(ctx, p.UUID); err == nil {
			t.Fatal("not deleted")
		}
		if len(f.events(t, "model_deleted")) != 1 {
			t.Fatal("want a model_deleted event")
		}
	})

	t.Run("non-superusers are refused", func(t *testing.T) {
		jane, _ := f.st.GetUserByUsername(ctx, "jane")
		// jane is external: authentik's page for non-internal users.
		f.browser(t, &jane).get(t, "/if/admin/policies/new/").expect(t, 200, "", console.InternalOnlyMessage)
		staff := f.user(t, "staff", store.UserTypeInternal, false)
		f.browser(t, &staff).get(t, "/if/admin/policies/new/").expect(t, 403, "")
	})
}

func TestPolicyBindingsConsole(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	jane := f.user(t, "jane", store.UserTypeExternal, false)
	flow := invitableFlow(t, f, "enroll", true)
	other := invitableFlow(t, f, "other", true)
	b := f.browser(t, &admin)
	pol := store.Policy{Name: "invited-only", Kind: "expression", Expression: "return True"}
	if err := f.st.CreatePolicy(ctx, &pol); err != nil {
		t.Fatal(err)
	}
	grp := store.Group{Name: "staff"}
	if err := f.st.CreateGroup(ctx, &grp); err != nil {
		t.Fatal(err)
	}
	sbs, _ := f.st.ListBindings(ctx, flow.UUID)
	stageBinding := sbs[0]
	otherBindings, _ := f.st.ListBindings(ctx, other.UUID)

	flowBase := "/if/admin/flows/enroll/policies/"
	sbBase := "/if/admin/flows/enroll/bindings/" + stageBinding.UUID + "/policies/"

	t.Run("flow tab is empty at first", func(t *testing.T) {
		b.get(t, flowBase).expect(t, 200, "", "Policy Bindings", `aria-current="page" class="active">Policy Bindings`,
			"No policies, groups or users are bound.", flowBase+"new/")
	})

	base := url.Values{"order": {"0"}, "timeout": {"30"}, "enabled": {"on"}}
	with := func(kv ...string) url.Values {
		v := url.Values{}
		for k, vs := range base {
			v[k] = vs
		}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	tests := []struct {
		name   string
		path   string
		form   url.Values
		status int
		body   []string
	}{
		{"nothing bound", flowBase + "new/", with(), 422, []string{"One of &#39;group&#39;, &#39;policy&#39;, &#39;user&#39; must be set."}},
		{"two bound", flowBase + "new/", with("policy", pol.UUID, "group", grp.UUID), 422,
			[]string{"Only one of &#39;group&#39;, &#39;policy&#39;, &#39;user&#39; can be set."}},
		{"unknown user", flowBase + "new/", with("user", "ghost"), 422, []string{"No user with username “ghost”."}},
		{"bad order", flowBase + "new/", with("policy", pol.UUID, "order", "first"), 422, []string{"A valid integer is required."}},
		{"negative timeout", flowBase + "new/", with("policy", pol.UUID, "timeout", "-1"), 422,
			[]string{"Ensure this value is greater than or equal to 0."}},
		{"policy on the flow", flowBase + "new/", with("policy", pol.UUID, "failure_result", "on"), 303, nil},
		{"same policy and order again", flowBase + "new/", with("policy", pol.UUID), 422,
			[]string{"The fields policy, target, order must make a unique set."}},
		{"user on the flow", flowBase + "new/", with("user", "jane", "order", "10", "negate", "on"), 303, nil},
		{"group on a stage binding", sbBase + "new/", with("group", grp.UUID), 303, nil},
		{"stage binding of another flow is not found", "/if/admin/flows/enroll/bindings/" + otherBindings[0].UUID + "/policies/new/",
			with("group", grp.UUID), 404, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b.post(t, tc.path, tc.form).expect(t, tc.status, "", tc.body...)
		})
	}

	onFlow, _ := f.st.ListPolicyBindings(ctx, flow.UUID)
	if len(onFlow) != 2 || onFlow[0].Policy == nil || *onFlow[0].Policy != pol.UUID || !onFlow[0].FailureResult ||
		onFlow[1].User == nil || *onFlow[1].User != jane.PK || !onFlow[1].Negate || onFlow[1].Order != 10 {
		t.Fatalf("flow bindings stored wrong: %+v", onFlow)
	}
	onStage, _ := f.st.ListPolicyBindings(ctx, stageBinding.UUID)
	if len(onStage) != 1 || onStage[0].Group == nil || *onStage[0].Group != grp.UUID {
		t.Fatalf("stage binding bindings stored wrong: %+v", onStage)
	}

	t.Run("lists name what is bound", func(t *testing.T) {
		b.get(t, flowBase).expect(t, 200, "", "invited-only", "/if/admin/users/", ">jane</a>", "don't pass")
		b.get(t, sbBase).expect(t, 200, "", "Policy bindings", "staff", sbBase+onStage[0].UUID+"/edit/")
		b.get(t, "/if/admin/flows/enroll/bindings/").expect(t, 200, "", "Policies (1)")
	})

	t.Run("edit keeps values and saves", func(t *testing.T) {
		edit := flowBase + onFlow[1].UUID + "/edit/"
		b.get(t, edit).expect(t, 200, "", `name="user" id="f-user" value="jane"`, `name="negate" id="f-negate" value="on" checked`)
		b.post(t, edit, with("user", "jane", "order", "20")).expect(t, 303, flowBase)
		got, _ := f.st.GetPolicyBinding(ctx, onFlow[1].UUID)
		if got.Order != 20 || got.Negate || !got.Enabled {
			t.Fatalf("edit not saved: %+v", got)
		}
	})

	t.Run("a binding is only reachable under its own target", func(t *testing.T) {
		b.get(t, sbBase+onFlow[0].UUID+"/edit/").expect(t, 404, "")
		b.get(t, "/if/admin/flows/other/policies/"+onFlow[0].UUID+"/delete/").expect(t, 404, "")
	})

	t.Run("remove asks first, then removes", func(t *testing.T) {
		b.get(t, sbBase+onStage[0].UUID+"/delete/").expect(t, 200, "", "Delete Policy binding", `method="post"`)
		b.post(t, sbBase+onStage[0].UUID+"/delete/", nil).expect(t, 303, sbBase)
		if _, err := f.st.GetPolicyBinding(ctx, onStage[0].UUID); err == nil {
			t.Fatal("not removed")
		}
		ev := f.events(t, "model_deleted")
		if len(ev) != 1 || ev[0].Context["model"].(map[string]any)["model_name"] != "policybinding" {
			t.Fatalf("want a model_deleted policybinding event, got %+v", ev)
		}
	})
}

// Saving an expression that parses only once re-indented shows a warning
// naming the lines and the text that runs.
func TestPolicyConsoleReindentWarning(t *testing.T) {
	f := newFixture(t)
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	b := f.browser(t, &admin)
	b.post(t, "/if/admin/policies/new/", url.Values{"name": {"flat"},
		"expression": {"if request.user.username == 'jane':\nreturn True"}}).expect(t, 303, "/if/admin/policies/")
	b.get(t, "/if/admin/policies/").expect(t, 200, "", "Expression Policy flat created.", `class="flash warn"`,
		"parses only with line 2 indented", "    return True")
}

// Password policies in the console: created through their own form, the
// skipped online breach check said plainly, listed with their type, edited
// on their own page (not the expression form).
func TestPasswordPolicyConsole(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	admin := f.user(t, "admin", store.UserTypeInternal, true)
	b := f.browser(t, &admin)
	b.get(t, "/if/admin/policies/password/new/").expect(t, 200, "", "Create Password Policy", `name="length_min"`,
		"never sends passwords or their hashes to the online service")
	form := url.Values{"name": {"corp"}, "password_field": {"password"}, "length_min": {"12"}, "amount_digits": {"1"},
		"amount_uppercase": {"0"}, "amount_lowercase": {"0"}, "amount_symbols": {"0"}, "zxcvbn_score_threshold": {"2"},
		"hibp_allowed_count": {"0"}, "check_static_rules": {"on"}, "check_have_i_been_pwned": {"on"}, "symbol_charset": {"!?"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("zxcvbn_score_threshold", "9")
	b.post(t, "/if/admin/policies/password/new/", bad).expect(t, 422, "", "give 0 to 3")
	b.post(t, "/if/admin/policies/password/new/", form).expect(t, 303, "/if/admin/policies/")
	b.get(t, "/if/admin/policies/").expect(t, 200, "", "Password Policy corp created.", "Have I Been Pwned check is skipped",
		"Password Policy", "/if/admin/policies/password/")
	p, err := f.st.GetPolicyByName(ctx, "corp")
	if err != nil || p.Kind != store.PolicyPassword || p.Password.LengthMin != 12 || !p.Password.CheckHaveIBeenPwned {
		t.Fatalf("stored %+v %+v %v", p, p.Password, err)
	}
	b.get(t, "/if/admin/policies/password/"+p.UUID+"/edit/").expect(t, 200, "", `value="12"`)
	b.get(t, "/if/admin/policies/"+p.UUID+"/edit/").expect(t, 404, "")
}
