package console

import (
	"context"
	"net/http"
	"sort"
	"strconv"

	"github.com/usher-id/usher/internal/domain/mfa"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// The user's second factors on /if/user/: their devices (rename, remove)
// and links to the setup flows (each setup stage's configure_flow, as
// authentik's user settings list them).

type deviceRow struct {
	store.Device
	Type string
}

type setupLink struct{ URL, Label string }

// setupLabels name what each setup stage adds, for the account page.
var setupLabels = map[store.StageKind]string{
	store.StageAuthenticatorTOTP:     "Add an authenticator app",
	store.StageAuthenticatorStatic:   "Create recovery codes",
	store.StageAuthenticatorWebAuthn: "Add a passkey or security key",
	store.StageAuthenticatorEmail:    "Receive codes by email",
}

// userDevices loads the user's devices and the setup flows they can run.
func (h *Handler) userDevices(ctx context.Context, u *store.User) ([]deviceRow, []setupLink, error) {
	devs, err := h.App.Store.ListDevices(ctx, u.PK, "")
	if err != nil {
		return nil, nil, err
	}
	rows := make([]deviceRow, 0, len(devs))
	for _, d := range devs {
		rows = append(rows, deviceRow{d, resource.DeviceTypes[d.Kind].Verbose})
	}
	stages, err := h.App.Store.ListStages(ctx)
	if err != nil {
		return nil, nil, err
	}
	var links []setupLink
	seen := map[string]bool{}
	for _, s := range stages {
		label, ok := setupLabels[s.Kind]
		f := s.ConfigureFlow()
		if !ok || f == nil || seen[*f] {
			continue
		}
		fl, err := h.App.Store.GetFlow(ctx, *f)
		if err != nil {
			continue
		}
		seen[*f] = true
		links = append(links, setupLink{URL: "/if/flow/" + fl.Slug + "/?next=%2Fif%2Fuser%2F", Label: label})
	}
	sort.Slice(links, func(i, j int) bool { return links[i].Label < links[j].Label })
	return rows, links, nil
}

// userDeviceRename renames one of the user's own devices.
func (h *Handler) userDeviceRename(w http.ResponseWriter, r *http.Request, u *store.User) error {
	pk, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	var msg string
	err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		d, err := mfa.OwnDevice(r.Context(), q, u.PK, pk, "")
		if err != nil {
			return err
		}
		name, _, err := resource.DeviceName(d.Kind, map[string]any{"name": r.PostFormValue("name")}, true)
		if verr, ok := err.(*resource.ValidationError); ok {
			msg = verr.Fields["name"][0]
			return nil
		}
		if err != nil {
			return err
		}
		if err := mfa.Rename(r.Context(), q, &d, name); err != nil {
			return err
		}
		return h.record(r.Context(), q, r, u, event.ModelUpdated, map[string]any{"model": deviceRef(d)})
	})
	if err != nil {
		return err
	}
	if msg != "" {
		return h.redirect(w, r, "/if/user/", flash{"error", "The device was not renamed: " + msg})
	}
	return h.redirect(w, r, "/if/user/", flash{"ok", "The device was renamed."})
}

// userDeviceDelete removes one of the user's own devices.
func (h *Handler) userDeviceDelete(w http.ResponseWriter, r *http.Request, u *store.User) error {
	pk, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		d, err := mfa.OwnDevice(r.Context(), q, u.PK, pk, "")
		if err != nil {
			return err
		}
		if err := mfa.Remove(r.Context(), q, d); err != nil {
			return err
		}
		return h.record(r.Context(), q, r, u, event.ModelDeleted, map[string]any{"model": deviceRef(d)})
	})
	if err != nil {
		return err
	}
	return h.redirect(w, r, "/if/user/", flash{"ok", "The device was removed."})
}

// deviceRef is the audit events' reference to a device.
func deviceRef(d store.Device) map[string]any {
	return event.Model(resource.DeviceTypes[d.Kind].Model, d.PK, d.Name)
}

// userDeviceRemove is the admin console's removal of a user's device (a
// lost phone): the user then signs in as the validation stage's
// not_configured_action says, and sets up a new one.
func (h *Handler) userDeviceRemove(w http.ResponseWriter, r *http.Request, u *store.User, e *entity[store.User], target store.User) error {
	pk, _ := strconv.ParseInt(r.PathValue("device"), 10, 64)
	err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		d, err := mfa.OwnDevice(r.Context(), q, target.PK, pk, "")
		if err != nil {
			return err
		}
		if err := mfa.Remove(r.Context(), q, d); err != nil {
			return err
		}
		return h.record(r.Context(), q, r, u, event.ModelDeleted, map[string]any{"model": deviceRef(d)})
	})
	if err != nil {
		return err
	}
	return h.redirect(w, r, userBase(target), flash{"ok", "The device was removed."})
}
