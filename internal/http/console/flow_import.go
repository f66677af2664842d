package console

import (
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store"
)

type importPage struct {
	Error    string
	FileName string
	Result   *blueprint.Result
	Counts   map[string]int
}

// flowImportForm is Flows > Import: choose a blueprint file.
func (h *Handler) flowImportForm(w http.ResponseWriter, r *http.Request, u *store.User) error {
	return h.renderImport(w, r, u, http.StatusOK, importPage{})
}

func (h *Handler) renderImport(w http.ResponseWriter, r *http.Request, u *store.User, status int, p importPage) error {
	v := h.view(r, u, "Import", "flows")
	v.Back = &link{URL: "/if/admin/flows/", Label: "Flows"}
	v.P = p
	return h.render(w, r, status, "flow_import", v)
}

// importPath is where blueprint files are uploaded.
const importPath = "/if/admin/flows/import/"

// BodyLimits are the request body limits the console needs above the
// server's default (pass them in server.Options.BodyLimits): the import
// page takes a whole blueprint plus the multipart envelope.
func (h *Handler) BodyLimits() map[string]int64 {
	return map[string]int64{importPath: blueprint.MaxBytes(h.App) + 64<<10}
}

// flowImport applies an uploaded blueprint in one transaction (all or
// nothing) and shows the per-entry log. Like authentik's import, no
// blueprint instance is recorded.
func (h *Handler) flowImport(w http.ResponseWriter, r *http.Request, u *store.User) error {
	limit := blueprint.MaxBytes(h.App)
	file, hdr, err := r.FormFile("file")
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return h.renderImport(w, r, u, http.StatusRequestEntityTooLarge, importPage{
			Error: fmt.Sprintf("The upload is larger than the %d bytes this server accepts. A blueprint may have at most %d bytes.", tooLarge.Limit, limit)})
	}
	if err != nil {
		return h.renderImport(w, r, u, http.StatusUnprocessableEntity, importPage{Error: "Choose a blueprint file (YAML or JSON) to import."})
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, limit+1))
	if err != nil {
		return h.renderImport(w, r, u, http.StatusUnprocessableEntity, importPage{Error: "The file could not be read. Try again."})
	}
	if int64(len(data)) > limit {
		return h.renderImport(w, r, u, http.StatusRequestEntityTooLarge, importPage{FileName: hdr.Filename,
			Error: fmt.Sprintf("The file is larger than the %d bytes a blueprint may have.", limit)})
	}
	bp, err := blueprint.Parse(data, hdr.Filename)
	if err != nil {
		return h.renderImport(w, r, u, http.StatusUnprocessableEntity, importPage{FileName: hdr.Filename, Error: err.Error()})
	}
	// An upload may not read the server's environment or files.
	if err := bp.CheckTrust(false); err != nil {
		return h.renderImport(w, r, u, http.StatusUnprocessableEntity, importPage{FileName: hdr.Filename, Error: err.Error()})
	}
	res, err := blueprint.Apply(r.Context(), h.App, bp, blueprint.Options{User: u, BaseURL: httpx.BaseURL(r)})
	p := importPage{FileName: hdr.Filename, Result: &res, Counts: res.Counts()}
	if err != nil {
		var ee *blueprint.EntryError
		if !errors.As(err, &ee) && !res.Success && len(res.Logs) == 0 {
			return err
		}
		// The log below already shows each error beside its entry: the
		// banner says what happened instead of repeating the first one.
		n := 0
		for _, l := range res.Logs {
			if l.LogLevel == "error" {
				n++
			}
		}
		switch {
		case n == 0:
			p.Error = err.Error()
		case n == 1:
			p.Error = "Nothing was imported: one entry has an error, shown in the log below. Fix it and import the file again."
		default:
			p.Error = fmt.Sprintf("Nothing was imported: %d entries have errors, shown in the log below. Fix them and import the file again.", n)
		}
		return h.renderImport(w, r, u, http.StatusUnprocessableEntity, p)
	}
	if err := h.recordImport(r, u, res); err != nil {
		return err
	}
	return h.renderImport(w, r, u, http.StatusOK, p)
}

// recordImport writes the audit events of an applied blueprint, one per
// created, updated or deleted object.
func (h *Handler) recordImport(r *http.Request, u *store.User, res blueprint.Result) error {
	actions := map[string]string{blueprint.ActionCreated: event.ModelCreated, blueprint.ActionUpdated: event.ModelUpdated,
		blueprint.ActionDeleted: event.ModelDeleted}
	return h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		for _, c := range res.Changes {
			action, ok := actions[c.Action]
			if !ok {
				continue
			}
			if err := h.record(r.Context(), q, r, u, action, map[string]any{"model": event.Model(c.Model, c.PK, c.ID)}); err != nil {
				return err
			}
		}
		return nil
	})
}
