package api

import (
	"errors"
	"net/http"

	"github.com/usher-id/usher/internal/flow/stage/prompt"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("POST /api/v3/stages/prompt/prompts/preview/{$}", h.superuser(h.promptPreview))
	})
}

// errPreviewed rolls back the transaction the preview validated in.
var errPreviewed = errors.New("preview: roll back")

// promptPreview is authentik's PromptViewSet.preview: the body is a prompt
// (PromptRequest), the answer the challenge a flow would send for it. The
// prompt is checked by the same model as a create, in a transaction that
// is rolled back, so nothing is written; its name is not checked (the
// admin form previews prompts that exist under that name).
func (h *Handler) promptPreview(w http.ResponseWriter, r *http.Request, c *call) error {
	data, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	data["name"] = "usher-prompt-preview"
	var p store.Prompt
	err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		var err error
		if p, err = resource.Prompts.Create(h.resourceCtx(r, c, q), data); err != nil {
			return err
		}
		return errPreviewed
	})
	if !errors.Is(err, errPreviewed) {
		return err
	}
	writeJSON(w, http.StatusOK, prompt.Preview(p))
	return nil
}
