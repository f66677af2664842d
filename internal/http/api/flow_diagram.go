package api

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/usher-id/usher/internal/resource"
)

func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("GET /api/v3/flows/instances/{slug}/diagram/{$}", h.superuser(h.flowDiagram))
		mux.HandleFunc("GET /api/v3/flows/instances/cache_info/{$}", h.superuser(h.flowCacheInfo))
	})
}

// flowDiagram answers authentik's FlowViewSet.diagram: the flow as a
// Mermaid graph, its stages in binding order, each with its type, and the
// bindings that have policies marked. authentik draws policy outcomes as
// branches; usher shows which stages are conditional.
func (h *Handler) flowDiagram(w http.ResponseWriter, r *http.Request, c *call) error {
	ctx := r.Context()
	q := h.App.Store
	f, err := q.GetFlowBySlug(ctx, r.PathValue("slug"))
	if err != nil {
		return err
	}
	bindings, err := q.ListBindings(ctx, f.UUID)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "graph TD\nflow_start[[\"Flow\\n%s\"]]\n", mermaidText(f.Name))
	prev := "flow_start"
	for i, fb := range bindings {
		st, err := q.GetStage(ctx, fb.Stage)
		if err != nil {
			return err
		}
		kind := string(st.Kind)
		if m, ok := resource.StageModel(st.Kind); ok {
			kind = m.VerboseName
		}
		node := fmt.Sprintf("stage_%d", i+1)
		label := fmt.Sprintf("%s\\n%s", mermaidText(kind), mermaidText(st.Name))
		policies, err := q.ListPolicyBindings(ctx, fb.UUID)
		if err != nil {
			return err
		}
		if len(policies) > 0 {
			label += fmt.Sprintf("\\n(%d policy binding(s))", len(policies))
		}
		fmt.Fprintf(&b, "%s[\"Stage (order %d)\\n%s\"]\n%s --> %s\n", node, fb.Order, label, prev, node)
		prev = node
	}
	fmt.Fprintf(&b, "done((\"Flow end\"))\n%s --> done\n", prev)
	writeJSON(w, http.StatusOK, map[string]string{"diagram": b.String()})
	return nil
}

// mermaidText keeps a name from closing the node's quoted label.
func mermaidText(s string) string {
	return strings.NewReplacer(`"`, "#quot;", "\n", " ").Replace(s)
}

// flowCacheInfo answers authentik's cache_info with the number of flows
// whose configuration an instance may hold: usher keeps no per-user flow
// plan cache (plans live in the session rows), so there is nothing else
// to count.
func (h *Handler) flowCacheInfo(w http.ResponseWriter, r *http.Request, c *call) error {
	flows, err := h.App.Store.ListFlows(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]int{"count": len(flows)})
	return nil
}
