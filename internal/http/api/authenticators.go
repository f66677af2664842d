package api

import (
	"net/http"
	"strconv"

	"github.com/usher-id/usher/internal/domain/mfa"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

// Authenticator devices (authentik's authenticators API): each user's own
// under /api/v3/authenticators/<class>/ and /all/, every user's for
// superusers under /api/v3/authenticators/admin/<class>/ and /admin/all/.
// The only writable field is name; devices are created by the setup
// stages, never through the API (usher has no admin POST).
func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		kinds := map[string]store.DeviceKind{"totp": store.DeviceTOTP, "static": store.DeviceStatic,
			"webauthn": store.DeviceWebAuthn, "email": store.DeviceEmail}
		for path, kind := range kinds {
			own := devices{h: h, kind: kind}
			admin := devices{h: h, kind: kind, admin: true}
			for _, e := range []struct {
				prefix string
				d      devices
				wrap   func(handlerFunc) http.HandlerFunc
			}{{"/api/v3/authenticators/" + path + "/", own, h.authenticated},
				{"/api/v3/authenticators/admin/" + path + "/", admin, h.superuser}} {
				mux.HandleFunc("GET "+e.prefix+"{$}", e.wrap(e.d.list))
				mux.HandleFunc("GET "+e.prefix+"{id}/{$}", e.wrap(e.d.retrieve))
				mux.HandleFunc("PUT "+e.prefix+"{id}/{$}", e.wrap(e.d.update(true)))
				mux.HandleFunc("PATCH "+e.prefix+"{id}/{$}", e.wrap(e.d.update(false)))
				mux.HandleFunc("DELETE "+e.prefix+"{id}/{$}", e.wrap(e.d.destroy))
			}
		}
		mux.HandleFunc("GET /api/v3/authenticators/all/{$}", h.authenticated(func(w http.ResponseWriter, r *http.Request, c *call) error {
			return h.deviceSummaries(w, r, c, c.User.PK)
		}))
		mux.HandleFunc("GET /api/v3/authenticators/admin/all/{$}", h.superuser(func(w http.ResponseWriter, r *http.Request, c *call) error {
			pk, err := strconv.ParseInt(r.URL.Query().Get("user"), 10, 64)
			if err != nil || pk <= 0 {
				return resource.NewValidationError("user", "A valid integer is required.")
			}
			return h.deviceSummaries(w, r, c, pk)
		}))
	})
}

// deviceSummaries answers a user's devices of every class (a plain list,
// as authentik's DeviceViewSet answers).
func (h *Handler) deviceSummaries(w http.ResponseWriter, r *http.Request, c *call, userPK int64) error {
	list, err := h.App.Store.ListDevices(r.Context(), userPK, "")
	if err != nil {
		return err
	}
	rc := h.resourceCtx(r, c, h.App.Store)
	out := make([]any, 0, len(list))
	for _, d := range list {
		out = append(out, resource.DeviceSummary(rc, d))
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// devices serves one device class, the caller's own or (admin) everyone's.
type devices struct {
	h     *Handler
	kind  store.DeviceKind
	admin bool
}

// owner limits the rows to the caller's, unless admin.
func (d devices) owner(c *call) int64 {
	if d.admin {
		return 0
	}
	return c.User.PK
}

func (d devices) get(r *http.Request, c *call, q store.Queries) (store.Device, error) {
	return mfa.OwnDevice(r.Context(), q, d.owner(c), mustPK(r), d.kind)
}

func (d devices) list(w http.ResponseWriter, r *http.Request, c *call) error {
	p, ok := pageOf(r)
	if !ok {
		return errInvalidPage
	}
	rows, err := d.h.App.Store.ListDevices(r.Context(), d.owner(c), d.kind)
	if err != nil {
		return err
	}
	rc := d.h.resourceCtx(r, c, d.h.App.Store)
	objs := make([]map[string]any, 0, len(rows))
	for _, row := range rows {
		m, err := resource.SerializeDevice(rc, row)
		if err != nil {
			return err
		}
		objs = append(objs, m)
	}
	q := r.URL.Query()
	lq := listQuery{Page: p, Ordering: q.Get("ordering"), Search: q.Get("search"), Params: q}
	return writePage(w, r, lq, objs, withAliases(filters("name"), "user", "user.pk"), []string{"name"}, "pk")
}

func (d devices) retrieve(w http.ResponseWriter, r *http.Request, c *call) error {
	dev, err := d.get(r, c, d.h.App.Store)
	if err != nil {
		return err
	}
	out, err := resource.SerializeDevice(d.h.resourceCtx(r, c, d.h.App.Store), dev)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (d devices) update(full bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		data, err := d.h.readBody(w, r)
		if err != nil {
			return err
		}
		var out map[string]any
		err = d.h.App.Store.Tx(r.Context(), func(q store.Queries) error {
			dev, err := d.get(r, c, q)
			if err != nil {
				return err
			}
			name, set, err := resource.DeviceName(d.kind, data, full)
			if err != nil {
				return err
			}
			if set {
				if err := mfa.Rename(r.Context(), q, &dev, name); err != nil {
					return err
				}
			}
			if out, err = resource.SerializeDevice(d.h.resourceCtx(r, c, q), dev); err != nil {
				return err
			}
			return d.h.record(r, q, c, event.ModelUpdated, deviceRef(dev))
		})
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, out)
		return nil
	}
}

func (d devices) destroy(w http.ResponseWriter, r *http.Request, c *call) error {
	err := d.h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		dev, err := d.get(r, c, q)
		if err != nil {
			return err
		}
		if err := mfa.Remove(r.Context(), q, dev); err != nil {
			return err
		}
		return d.h.record(r, q, c, event.ModelDeleted, deviceRef(dev))
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// mustPK is the URL's id, 0 (found by nothing) when it is not a number.
func mustPK(r *http.Request) int64 {
	pk, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return pk
}

// deviceRef is the audit events' reference to a device.
func deviceRef(d store.Device) map[string]any {
	return event.Model(resource.DeviceTypes[d.Kind].Model, d.PK, d.Name)
}
