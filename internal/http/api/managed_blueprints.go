package api

import (
	"errors"
	"io"
	"io/fs"
	"net/http"

	"github.com/usher-id/usher/internal/blueprint"
	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// blueprintAvailable answers GET /api/v3/managed/blueprints/available/.
func (h *Handler) blueprintAvailable(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := blueprint.ListAvailable(h.App)
	if err != nil {
		return err
	}
	if list == nil {
		list = []blueprint.Available{}
	}
	writeJSON(w, http.StatusOK, list)
	return nil
}

// BodyLimits are the API's own request body limits: blueprint uploads
// (import, and instances carrying content) may be as large as a blueprint
// may be, plus room for the form around the file.
func (h *Handler) BodyLimits() map[string]int64 {
	return map[string]int64{"/api/v3/managed/blueprints/": blueprint.MaxBytes(h.App) + 64<<10}
}

// blueprintImport answers POST /api/v3/managed/blueprints/import/: a
// multipart `file` or a discovered `path`, applied once (atomically) and
// not recorded as an instance. Once the blueprint is read, the answer is
// 200 {"logs": [...], "success": bool}, even when it fails (authentik's blueprints/api.py import_).
func (h *Handler) blueprintImport(w http.ResponseWriter, r *http.Request, c *call) error {
	limit := blueprint.MaxBytes(h.App)
	r.Body = http.MaxBytesReader(w, r.Body, limit+1<<20) // room for the multipart framing
	if err := r.ParseMultipartForm(limit); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		return err
	}
	var data []byte
	name := r.FormValue("path")
	// A file in the blueprints directory was placed by the operator and may
	// use !Env and !File; an uploaded one may not (blueprint/trust.go).
	trusted := true
	if f, hdr, err := r.FormFile("file"); err == nil {
		trusted = false
		defer f.Close()
		if data, err = io.ReadAll(f); err != nil {
			return err
		}
		name = hdr.Filename
		if err := blueprint.CheckSize(h.App, name, data); err != nil {
			return errField("file", err.Error())
		}
	} else if name != "" {
		var err error
		data, err = blueprint.ReadFile(h.App, name)
		switch {
		case errors.Is(err, blueprint.ErrInvalidPath):
			return errField("path", "Invalid blueprint path")
		case errors.Is(err, fs.ErrNotExist):
			return errField("path", "Blueprint file does not exist")
		case err != nil:
			return errField("path", err.Error())
		}
	} else {
		return errField("non_field_errors", "Either path or file must be set")
	}
	bp, err := blueprint.Parse(data, name)
	if err != nil {
		writeJSON(w, http.StatusOK, map[string]any{"success": false, "logs": []blueprint.LogEntry{{
			Timestamp: fieldrule.FormatTime(h.App.Clock()), LogLevel: "error", Logger: "usher.blueprint",
			Event: err.Error(), Attributes: map[string]any{}}}})
		return nil
	}
	if err := bp.CheckTrust(trusted); err != nil {
		return errField("file", err.Error())
	}
	u := c.User
	res, _ := blueprint.Apply(r.Context(), h.App, bp, blueprint.Options{User: &u, BaseURL: httpx.BaseURL(r), Trusted: trusted})
	logs := res.Logs
	if logs == nil {
		logs = []blueprint.LogEntry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"success": res.Success, "logs": logs})
	return nil
}

// blueprintApply answers POST /api/v3/managed/blueprints/{pk}/apply/: the
// instance is applied now (authentik queues it) and returned.
func (h *Handler) blueprintApply(w http.ResponseWriter, r *http.Request, c *call) error {
	id, ok := resource.NormUUID(r.PathValue("pk"))
	if !ok {
		return store.ErrNotFound
	}
	inst, err := h.App.Store.GetBlueprintInstance(r.Context(), id)
	if err != nil {
		return err
	}
	// A blueprint that fails is recorded on the instance (status error or
	// orphaned); only a failure to record that is a server error.
	_, applyErr := blueprint.ApplyInstance(r.Context(), h.App, &inst)
	if inst, err = h.App.Store.GetBlueprintInstance(r.Context(), id); err != nil {
		return errors.Join(applyErr, err)
	}
	if applyErr != nil && inst.Status == blueprint.StatusSuccessful {
		return applyErr
	}
	out, err := resource.BlueprintInstances.Serialize(h.resourceCtx(r, c, h.App.Store), inst)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
