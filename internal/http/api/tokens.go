package api

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/domain/token"
	"github.com/usher-id/usher/internal/domain/user"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/fieldrule"
	"github.com/usher-id/usher/internal/resource"
	"github.com/usher-id/usher/internal/store"
)

func init() {
	extend(func(h *Handler, mux *http.ServeMux) {
		mux.HandleFunc("GET /api/v3/core/tokens/{$}", h.authenticated(h.tokenList))
		mux.HandleFunc("POST /api/v3/core/tokens/{$}", h.authenticated(h.tokenCreate))
		mux.HandleFunc("GET /api/v3/core/tokens/{identifier}/{$}", h.authenticated(h.tokenRetrieve))
		mux.HandleFunc("DELETE /api/v3/core/tokens/{identifier}/{$}", h.authenticated(h.tokenDelete))
		mux.HandleFunc("GET /api/v3/core/tokens/{identifier}/view_key/{$}", h.authenticated(h.tokenViewKey))
		mux.HandleFunc("POST /api/v3/core/users/service_account/{$}", h.superuser(h.serviceAccountCreate))
	})
}

// msgViewKey answers view_key: authentik reads the key back from the
// database; usher never stored it.
const msgViewKey = "usher keeps only a hash of each token's key, so it cannot be shown again: " +
	"it was returned once, as \"key\" in the response that created the token. Delete the token and create a new one."

var identifierRE = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)

// tokenRef names a token in events.
func tokenRef(t store.Token) map[string]any {
	return event.Model(store.ModelToken, token.PK(t.Identifier), t.Identifier)
}

// serializeToken is authentik's TokenSerializer.
func (h *Handler) serializeToken(r *http.Request, c *call, q store.Queries, t store.Token) (map[string]any, error) {
	u, err := q.GetUser(r.Context(), t.UserPK)
	if err != nil {
		return nil, err
	}
	uo, err := resource.Users.Serialize(h.resourceCtx(r, c, q), u)
	if err != nil {
		return nil, err
	}
	var expires any
	if t.Expires != nil {
		expires = fieldrule.FormatTime(*t.Expires)
	}
	var managed any
	if t.Identifier == "authentik-bootstrap-token" {
		managed = "goauthentik.io/api/bootstrap"
	}
	return map[string]any{"pk": token.PK(t.Identifier), "managed": managed, "identifier": t.Identifier, "intent": t.Intent,
		"user": t.UserPK, "user_obj": uo, "description": t.Description, "expires": expires, "expiring": t.Expires != nil}, nil
}

// visibleToken finds a token the caller may see: their own, or any for a
// superuser. Anything else is a 404, as authentik's queryset filter does.
func (h *Handler) visibleToken(r *http.Request, c *call, q store.Queries) (store.Token, error) {
	t, err := q.GetToken(r.Context(), r.PathValue("identifier"))
	if err != nil {
		return store.Token{}, err
	}
	if t.UserPK != c.User.PK && !h.isSuperuser(r, c) {
		return store.Token{}, store.ErrNotFound
	}
	return t, nil
}

func (h *Handler) isSuperuser(r *http.Request, c *call) bool {
	ok, err := h.App.Store.IsSuperuser(r.Context(), c.User.PK)
	return err == nil && ok
}

// tokenList is GET /core/tokens/: the caller's tokens, everyone's for a
// superuser, filtered by identifier, intent, user__username, description
// and search.
func (h *Handler) tokenList(w http.ResponseWriter, r *http.Request, c *call) error {
	p, ok := pageOf(r)
	if !ok {
		return errDetail(http.StatusNotFound, "Invalid page.")
	}
	ctx := r.Context()
	owner := c.User.PK
	if h.isSuperuser(r, c) {
		owner = 0
	}
	q := h.App.Store
	all, err := q.ListTokens(ctx, owner)
	if err != nil {
		return err
	}
	f := r.URL.Query()
	users := map[int64]store.User{}
	var rows []store.Token
	for _, t := range all {
		if v := f.Get("identifier"); v != "" && t.Identifier != v {
			continue
		}
		if v := f.Get("intent"); v != "" && t.Intent != v {
			continue
		}
		if v := f.Get("description"); v != "" && t.Description != v {
			continue
		}
		if v := strings.ToLower(f.Get("search")); v != "" &&
			!strings.Contains(strings.ToLower(t.Identifier), v) && !strings.Contains(strings.ToLower(t.Description), v) {
			continue
		}
		if v := f.Get("user__username"); v != "" {
			u, ok := users[t.UserPK]
			if !ok {
				if u, err = q.GetUser(ctx, t.UserPK); err != nil {
					return err
				}
				users[t.UserPK] = u
			}
			if u.Username != v {
				continue
			}
		}
		rows = append(rows, t)
	}
	if !checkPage(r, &p, len(rows)) {
		return errDetail(http.StatusNotFound, "Invalid page.")
	}
	results := []any{}
	for _, t := range rows[min(p.Offset(), len(rows)):min(p.Offset()+p.Size, len(rows))] {
		s, err := h.serializeToken(r, c, q, t)
		if err != nil {
			return err
		}
		results = append(results, s)
	}
	writeJSON(w, http.StatusOK, envelope(p, len(rows), results))
	return nil
}

// tokenCreate is POST /core/tokens/. The answer is authentik's Token plus
// "key", the one time the key is shown.
func (h *Handler) tokenCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	data, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	now := h.App.Clock()
	t := store.Token{UserPK: c.User.PK, Intent: token.IntentAPI}
	bad := &resource.ValidationError{}
	switch id, _ := data["identifier"].(string); {
	case id == "":
		bad.Add("identifier", "This field is required.")
	case len(id) > 255 || !identifierRE.MatchString(id):
		bad.Add("identifier", "Enter a valid identifier: letters, numbers, underscores or hyphens, at most 255.")
	default:
		t.Identifier = id
	}
	if v, ok := data["intent"]; ok && v != nil {
		s, _ := v.(string)
		if s != token.IntentAPI && s != token.IntentAppPassword {
			bad.Add("intent", `Give "api" or "app_password"; verification and recovery tokens are made by flows.`)
		}
		t.Intent = s
	}
	if v, ok := data["description"]; ok && v != nil {
		s, isStr := v.(string)
		if !isStr {
			bad.Add("description", "Not a valid string.")
		}
		t.Description = s
	}
	if v, ok := data["user"]; ok && v != nil {
		pk, isNum := v.(float64)
		switch {
		case !isNum || pk != float64(int64(pk)):
			bad.Add("user", "A valid integer is required.")
		case int64(pk) != c.User.PK && !h.isSuperuser(r, c):
			bad.Add("user", "You may only create tokens for yourself.")
		default:
			t.UserPK = int64(pk)
		}
	}
	expiring := true
	if v, ok := data["expiring"]; ok && v != nil {
		b, isBool := v.(bool)
		if !isBool {
			bad.Add("expiring", "Must be a valid boolean.")
		}
		expiring = b
	}
	if v, ok := data["expires"]; ok && v != nil && expiring {
		s, _ := v.(string)
		at, ok := parseTime(s)
		switch {
		case !ok:
			bad.Add("expires", "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].")
		case !at.After(now):
			bad.Add("expires", "This date is in the past; give a time in the future, or expiring false.")
		default:
			t.Expires = &at
		}
	}
	if expiring && t.Expires == nil {
		at := now.Add(token.DefaultLifetime)
		t.Expires = &at
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	var out map[string]any
	err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		if _, err := q.GetUser(r.Context(), t.UserPK); errors.Is(err, store.ErrNotFound) {
			return resource.NewValidationError("user", "Invalid pk - object does not exist.")
		} else if err != nil {
			return err
		}
		key, err := token.Issue(r.Context(), q, &t)
		if errors.Is(err, store.ErrConflict) {
			return resource.NewValidationError("identifier", "A token with this identifier already exists.")
		} else if err != nil {
			return err
		}
		if out, err = h.serializeToken(r, c, q, t); err != nil {
			return err
		}
		out["key"] = key
		return h.record(r, q, c, event.ModelCreated, tokenRef(t))
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, out)
	return nil
}

func (h *Handler) tokenRetrieve(w http.ResponseWriter, r *http.Request, c *call) error {
	t, err := h.visibleToken(r, c, h.App.Store)
	if err != nil {
		return err
	}
	out, err := h.serializeToken(r, c, h.App.Store, t)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func (h *Handler) tokenDelete(w http.ResponseWriter, r *http.Request, c *call) error {
	err := h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		t, err := h.visibleToken(r, c, q)
		if err != nil {
			return err
		}
		if err := q.DeleteToken(r.Context(), t.Identifier); err != nil {
			return err
		}
		return h.record(r, q, c, event.ModelDeleted, tokenRef(t))
	})
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// tokenViewKey answers authentik's view_key: the token exists (else 404
// as usual), but its key cannot be shown (msgViewKey).
func (h *Handler) tokenViewKey(w http.ResponseWriter, r *http.Request, c *call) error {
	if _, err := h.visibleToken(r, c, h.App.Store); err != nil {
		return err
	}
	return errDetail(http.StatusNotFound, msgViewKey)
}

// serviceAccountCreate is POST /core/users/service_account/ (authentik's
// UserViewSet.service_account): {name, create_group, expiring, expires}
// → {username, token, user_uid, user_pk, group_pk}.
func (h *Handler) serviceAccountCreate(w http.ResponseWriter, r *http.Request, c *call) error {
	data, err := h.readBody(w, r)
	if err != nil {
		return err
	}
	bad := &resource.ValidationError{}
	name, _ := data["name"].(string)
	if name == "" {
		bad.Add("name", "This field is required.")
	} else if msg := fieldrule.Username(name); msg != "" {
		bad.Add("name", msg)
	}
	withGroup, _ := data["create_group"].(bool)
	expiring := true
	if v, ok := data["expiring"].(bool); ok {
		expiring = v
	}
	now := h.App.Clock()
	var expires *time.Time
	if expiring {
		at := now.Add(user.ServiceAccountLifetime)
		if s, ok := data["expires"].(string); ok && s != "" {
			if at, ok = parseTime(s); !ok {
				bad.Add("expires", "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].")
			} else if !at.After(now) {
				bad.Add("expires", "This date is in the past; give a time in the future, or expiring false.")
			}
		}
		expires = &at
	}
	if len(bad.Fields) > 0 {
		return bad
	}
	var sa user.ServiceAccount
	err = h.App.Store.Tx(r.Context(), func(q store.Queries) error {
		var err error
		sa, err = user.CreateServiceAccount(r.Context(), q, name, withGroup, expires)
		if errors.Is(err, store.ErrConflict) {
			return resource.NewValidationError("name", "A user, group or token with this name already exists.")
		} else if err != nil {
			return err
		}
		return h.record(r, q, c, event.ModelCreated, ref(resource.Users, sa.User))
	})
	if err != nil {
		return err
	}
	out := map[string]any{"username": sa.User.Username, "token": sa.Key, "user_uid": resource.UserUID(sa.User), "user_pk": sa.User.PK}
	if sa.GroupUUID != "" {
		out["group_pk"] = sa.GroupUUID
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
