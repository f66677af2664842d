package console

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// pbTarget is what policy bindings attach to: a flow or a stage binding.
type pbTarget struct {
	UUID string
	Name string // "flow Enrollment", "stage binding 10 (invitation) of Enrollment"
	Base string // the bindings list; new/, {pbid}/edit/, {pbid}/delete/ below it
	Nav  string
}

// pbRow is one policy binding as the console lists it.
type pbRow struct {
	B    store.PolicyBinding
	Kind string // Policy, Group, User
	Name string
	URL  string // the bound object's page, when it has one
}

// mountPolicyBindings adds the Policy Bindings routes of flows and of
// stage bindings. The entity is built per request for its target.
func (h *Handler) mountPolicyBindings(mux *routes, flows *entity[store.Flow]) {
	type targetFunc func(w http.ResponseWriter, r *http.Request, u *store.User, t pbTarget) error
	onFlow := func(fn targetFunc) pageFunc {
		return flows.with(func(w http.ResponseWriter, r *http.Request, u *store.User, _ *entity[store.Flow], f store.Flow) error {
			return fn(w, r, u, pbTarget{UUID: f.UUID, Name: "flow " + f.Name, Nav: "flows",
				Base: "/if/admin/flows/" + url.PathEscape(f.Slug) + "/policies/"})
		})
	}
	onStageBinding := func(fn targetFunc) pageFunc {
		return onFlow(func(w http.ResponseWriter, r *http.Request, u *store.User, ft pbTarget) error {
			f, err := h.App.Store.GetFlow(r.Context(), ft.UUID)
			if err != nil {
				return err
			}
			return h.bindingEntity(f).with(func(w http.ResponseWriter, r *http.Request, u *store.User, _ *entity[store.FlowStageBinding], b store.FlowStageBinding) error {
				name := b.Stage
				if s, err := h.App.Store.GetStage(r.Context(), b.Stage); err == nil {
					name = s.Name
				}
				return fn(w, r, u, pbTarget{UUID: b.UUID, Nav: "flows",
					Name: "stage binding " + strconv.Itoa(b.Order) + " (" + name + ") of " + f.Name,
					Base: "/if/admin/flows/" + url.PathEscape(f.Slug) + "/bindings/" + url.PathEscape(b.UUID) + "/policies/"})
			})(w, r, u)
		})
	}
	for _, t := range []struct {
		base string
		on   func(targetFunc) pageFunc
	}{
		{"/if/admin/flows/{id}/policies/", onFlow},
		{"/if/admin/flows/{id}/bindings/{bid}/policies/", onStageBinding},
	} {
		type bindingsFunc func(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.PolicyBinding]) error
		withEntity := func(fn bindingsFunc) pageFunc {
			return t.on(func(w http.ResponseWriter, r *http.Request, u *store.User, pt pbTarget) error {
				return fn(w, r, u, h.policyBindingEntity(pt))
			})
		}
		withBinding := func(fn objectFunc[store.PolicyBinding]) pageFunc {
			return withEntity(func(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.PolicyBinding]) error {
				return e.with(fn)(w, r, u)
			})
		}
		newShow := func(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.PolicyBinding]) error {
			return e.show(w, r, u, nil)
		}
		newSave := func(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.PolicyBinding]) error {
			return e.submit(w, r, u, nil)
		}
		mux.HandleFunc("GET "+t.base+"new/", h.admin(withEntity(newShow)))
		mux.HandleFunc("POST "+t.base+"new/", h.admin(withEntity(newSave)))
		mux.HandleFunc("GET "+t.base+"{pbid}/edit/", h.admin(withBinding(editForm)))
		mux.HandleFunc("POST "+t.base+"{pbid}/edit/", h.admin(withBinding(editSave)))
		mux.HandleFunc("GET "+t.base+"{pbid}/delete/", h.admin(withBinding(confirmDelete)))
		mux.HandleFunc("POST "+t.base+"{pbid}/delete/", h.admin(withBinding(deleteRow)))
	}
	mux.HandleFunc("GET /if/admin/flows/{id}/bindings/{bid}/policies/", h.admin(onStageBinding(h.stageBindingPolicies)))
}

func (h *Handler) policyBindingEntity(t pbTarget) *entity[store.PolicyBinding] {
	return &entity[store.PolicyBinding]{h: h,
		Singular: "Policy binding", Base: t.Base, Nav: t.Nav, model: resource.PolicyBindings, IDParam: "pbid",
		load: func(ctx context.Context, id string) (store.PolicyBinding, error) {
			b, err := h.App.Store.GetPolicyBinding(ctx, id)
			if err == nil && b.Target != t.UUID {
				return store.PolicyBinding{}, store.ErrNotFound
			}
			return b, err
		},
		form: func(ctx context.Context, obj *store.PolicyBinding) (*formDef, error) {
			policies, err := h.App.Store.ListPolicies(ctx)
			if err != nil {
				return nil, err
			}
			sort.Slice(policies, func(i, j int) bool { return policies[i].Name < policies[j].Name })
			popts := []option{{Value: "", Label: "No policy"}}
			for _, p := range policies {
				popts = append(popts, option{Value: p.UUID, Label: p.Name})
			}
			gopts, err := groupOptions(ctx, h.App.Store, "No group", "")
			if err != nil {
				return nil, err
			}
			f := &formDef{Intro: "", Fields: []*field{
				{Kind: "heading", Label: "Bind one of", Help: "A policy, a group (its members pass) or a user (only they pass). Set exactly one."},
				{Name: "policy", Label: "Policy", Kind: "select", Options: popts, Nullable: true},
				{Name: "group", Label: "Group", Kind: "select", Options: gopts, Nullable: true},
				{Name: "user", Label: "User", Kind: "text", Autocomplete: "off", Help: "Username of the user."},
				{Kind: "heading", Label: "Settings"},
				{Name: "enabled", Label: "Enabled", Kind: "checkbox"},
				{Name: "negate", Label: "Negate result", Kind: "checkbox", Help: "Negates the outcome of the binding. Messages are unaffected."},
				{Name: "order", Label: "Order", Kind: "number", Required: true},
				{Name: "timeout", Label: "Timeout", Kind: "number", Required: true, Help: "Timeout after which policy execution is terminated (seconds)."},
				{Name: "failure_result", Label: "Failure result", Kind: "select", Options: choices("", "Don't pass", "on", "Pass"),
					Help: "Result used when policy execution fails."},
			}}
			if obj == nil {
				f.Title = "Create binding on " + t.Name
			} else {
				f.Title = "Update binding on " + t.Name
			}
			f.Cancel = t.Base
			return f, nil
		},
		values: func(obj *store.PolicyBinding) url.Values {
			if obj == nil {
				next := 0
				if bs, err := h.App.Store.ListPolicyBindings(context.Background(), t.UUID); err == nil && len(bs) > 0 {
					next = (bs[len(bs)-1].Order/10 + 1) * 10
				}
				return url.Values{"enabled": {"on"}, "order": {strconv.Itoa(next)}, "timeout": {"30"}}
			}
			b := *obj
			v := url.Values{"policy": {strPtr(b.Policy)}, "group": {strPtr(b.Group)}, "enabled": {boolStr(b.Enabled)},
				"negate": {boolStr(b.Negate)}, "order": {strconv.Itoa(b.Order)}, "timeout": {strconv.Itoa(b.Timeout)},
				"failure_result": {boolStr(b.FailureResult)}}
			if b.User != nil {
				if u, err := h.App.Store.GetUser(context.Background(), *b.User); err == nil {
					v.Set("user", u.Username)
				}
			}
			return v
		},
		data: func(f *formDef, v url.Values, _ *store.PolicyBinding) map[string]any {
			d := map[string]any{"target": t.UUID, "policy": nullable(v.Get("policy")), "group": nullable(v.Get("group")),
				"user": nil, "enabled": checked(v, "enabled"), "negate": checked(v, "negate"),
				"failure_result": checked(v, "failure_result")}
			if name := strings.TrimSpace(v.Get("user")); name != "" {
				u, err := h.App.Store.GetUserByUsername(context.Background(), name)
				switch {
				case errors.Is(err, store.ErrNotFound):
					f.addError("user", "No user with username “"+name+"”.")
				case err != nil:
					f.addError("user", "The user could not be looked up. Try again.")
				default:
					d["user"] = u.PK
				}
			}
			f.intValue(v, "order", d, false)
			f.intValue(v, "timeout", d, false)
			return d
		},
		ident: func(b store.PolicyBinding) (string, string) {
			row := h.describePolicyBinding(context.Background(), b)
			// Read after "Policy binding": "Policy binding require-vpn on
			// Enrollment created.", "Policy binding group staff on ...".
			name := row.Name
			if row.Kind != "Policy" {
				name = strings.ToLower(row.Kind) + " " + name
			}
			return b.UUID, name + " on " + t.Name
		},
	}
}

// describePolicyBinding names what a binding binds.
func (h *Handler) describePolicyBinding(ctx context.Context, b store.PolicyBinding) pbRow {
	row := pbRow{B: b}
	switch {
	case b.Policy != nil:
		row.Kind, row.Name = "Policy", *b.Policy
		if p, err := h.App.Store.GetPolicy(ctx, *b.Policy); err == nil {
			row.Name, row.URL = p.Name, "/if/admin/policies/"+p.UUID+"/edit/"
		}
	case b.Group != nil:
		row.Kind, row.Name = "Group", *b.Group
		if g, err := h.App.Store.GetGroup(ctx, *b.Group); err == nil {
			row.Name, row.URL = g.Name, "/if/admin/groups/"+g.UUID+"/"
		}
	case b.User != nil:
		row.Kind, row.Name = "User", strconv.FormatInt(*b.User, 10)
		if u, err := h.App.Store.GetUser(ctx, *b.User); err == nil {
			row.Name, row.URL = u.Username, "/if/admin/users/"+strconv.FormatInt(u.PK, 10)+"/"
		}
	}
	return row
}

// policyBindingRows lists a target's bindings by order.
func (h *Handler) policyBindingRows(ctx context.Context, target string) ([]pbRow, error) {
	bs, err := h.App.Store.ListPolicyBindings(ctx, target)
	if err != nil {
		return nil, err
	}
	rows := make([]pbRow, 0, len(bs))
	for _, b := range bs {
		rows = append(rows, h.describePolicyBinding(ctx, b))
	}
	return rows, nil
}

type pbListPage struct {
	Target pbTarget
	Rows   []pbRow
	Mode   string // the target's policy engine mode
	Back   string
}

// stageBindingPolicies is the Policy Bindings page of one stage binding.
func (h *Handler) stageBindingPolicies(w http.ResponseWriter, r *http.Request, u *store.User, t pbTarget) error {
	rows, err := h.policyBindingRows(r.Context(), t.UUID)
	if err != nil {
		return err
	}
	b, err := h.App.Store.GetBinding(r.Context(), t.UUID)
	if err != nil {
		return err
	}
	back := strings.TrimSuffix(t.Base, url.PathEscape(b.UUID)+"/policies/")
	v := h.view(r, u, "Policy bindings of "+t.Name, "flows")
	v.Back = &link{URL: back, Label: "Stage bindings"}
	v.P = pbListPage{Target: t, Rows: rows, Mode: b.PolicyEngineMode, Back: back}
	return h.render(w, r, http.StatusOK, "stage_binding_policies", v)
}
