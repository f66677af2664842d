package flow

import (
	"errors"
	"net/http"
	"net/url"
	"sort"

	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

// toDefaultFlow answers /flows/-/default/<designation>/ as authentik's
// ToDefaultFlow view does: the brand's flow for the designation, else the
// first flow with that designation (by slug), opened with the request's
// query kept (?next=… survives); 404 "No Flow found." when there is none.
func (h *Handler) toDefaultFlow(designation string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		a := h.Exec.App
		slug, err := defaultFlowSlug(r, a.Store, designation)
		if err != nil {
			LogFailure(a, r, err)
			http.Error(w, "Something went wrong. Please try again.", http.StatusInternalServerError)
			return
		}
		if slug == "" {
			httpx.Detail(w, http.StatusNotFound, "No Flow found.")
			return
		}
		to := "/if/flow/" + url.PathEscape(slug) + "/"
		if r.URL.RawQuery != "" {
			to += "?" + r.URL.RawQuery
		}
		httpx.Redirect(w, r, to, "/", http.StatusFound)
	}
}

func defaultFlowSlug(r *http.Request, st store.Store, designation string) (string, error) {
	ctx := r.Context()
	if b, err := brand.ForRequest(ctx, st, r); err == nil {
		id := b.FlowAuthentication
		if designation == store.DesignationInvalidation {
			id = b.FlowInvalidation
		}
		if id != nil {
			f, err := st.GetFlow(ctx, *id)
			if err == nil {
				return f.Slug, nil
			}
			if !errors.Is(err, store.ErrNotFound) {
				return "", err
			}
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return "", err
	}
	flows, err := st.ListFlows(ctx)
	if err != nil {
		return "", err
	}
	sort.Slice(flows, func(i, j int) bool { return flows[i].Slug < flows[j].Slug })
	for _, f := range flows {
		if f.Designation == designation {
			return f.Slug, nil
		}
	}
	return "", nil
}
