package flow

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/brand"
	"github.com/usher-id/usher/internal/event"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/ratelimit"
	"github.com/usher-id/usher/internal/store"
)

// SlugPattern is what a flow slug may look like in a URL.
var SlugPattern = regexp.MustCompile(`^[-a-zA-Z0-9_]+$`)

// Handler serves the JSON executor API and the cancel view.
type Handler struct {
	Exec *Executor
}

// Mount registers the routes.
func (h *Handler) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v3/flows/executor/{slug}/", h.execute)
	mux.HandleFunc("POST /api/v3/flows/executor/{slug}/", h.execute)
	mux.HandleFunc("GET /flows/-/cancel/", h.cancel)
	mux.HandleFunc("GET /flows/-/default/authentication/", h.toDefaultFlow(store.DesignationAuthentication))
	mux.HandleFunc("GET /flows/-/default/invalidation/", h.toDefaultFlow(store.DesignationInvalidation))
}

func (h *Handler) execute(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	slug := r.PathValue("slug")
	if !SlugPattern.MatchString(slug) {
		httpx.Detail(w, http.StatusNotFound, "Not found.")
		return
	}
	var data map[string]any
	if r.Method == http.MethodPost {
		var err error
		if data, err = h.decodeBody(w, r); err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				httpx.Detail(w, http.StatusRequestEntityTooLarge,
					fmt.Sprintf("The request body is larger than the %d bytes this server accepts.", tooBig.Limit))
				return
			}
			// authentik answers a body it cannot parse with its flow error
			// challenge (HTTP 200), which its web client shows; the flow's
			// state is unchanged, so the client may send the answer again.
			ch := NewFlowError(r)
			ch.Error = err.Error()
			httpx.JSON(w, http.StatusOK, ch)
			return
		}
	}
	sess, err := h.Exec.Session(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	ran, _ := strconv.Atoi(r.URL.Query().Get(ranParam))
	res, err := h.Exec.Execute(w, r, sess, Request{Slug: slug, Query: r.URL.Query().Get("query"), Data: data,
		Next: r.URL.Query().Get("next"), Ran: min(max(ran, 0), maxRan)})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Exec.Save(w, r, sess, &res); err != nil {
		h.fail(w, r, err)
		return
	}
	switch res.Kind {
	case ResultNotFound:
		httpx.Detail(w, http.StatusNotFound, "Not found.")
	case ResultLimited:
		ratelimit.WriteAPI(w, res.RetryAfter)
	case ResultNext:
		httpx.Redirect(w, r, withRan(r.URL, res.Ran), "/", http.StatusFound)
	case ResultRedirect:
		httpx.JSON(w, http.StatusOK, &RedirectChallenge{Common: Common{Component: ComponentRedirect}, To: res.To})
	default:
		httpx.JSON(w, http.StatusOK, res.Challenge)
	}
}

// ranParam counts the redirects a client followed through stages without a
// UI (Request.Ran); maxRan bounds what a client may claim.
const (
	ranParam = "ran"
	maxRan   = 100
)

// withRan is the request's own URL for the redirect after a stage, with
// ?ran= set to n (removed for 0).
func withRan(u *url.URL, n int) string {
	q := u.Query()
	if n > 0 {
		q.Set(ranParam, strconv.Itoa(n))
	} else if q.Has(ranParam) {
		q.Del(ranParam)
	} else {
		return u.RequestURI()
	}
	return u.Path + "?" + q.Encode()
}

// fail logs an internal error, records system_exception and answers with
// ak-stage-flow-error carrying only the request ID.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	LogFailure(h.Exec.App, r, err)
	httpx.JSON(w, http.StatusOK, NewFlowError(r))
}

// LogFailure logs err with the request and records a system_exception
// event (best effort).
func LogFailure(a *app.App, r *http.Request, err error) {
	if a.Log != nil {
		a.Log.ErrorContext(r.Context(), "flow executor failed", "path", r.URL.Path, "err", err)
	}
	if a.Events != nil {
		_ = a.Events.Record(r.Context(), a.Store, r, nil, event.SystemException,
			map[string]any{"message": err.Error()})
	}
}

// decodeBody reads a client's answer: a JSON object, or a form-encoded
// body. Unknown keys are kept; stages ignore what they do not ask for.
func (h *Handler) decodeBody(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	limit := h.Exec.App.MaxBodyBytes
	if limit <= 0 {
		limit = 1 << 20
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch ct {
	case "application/x-www-form-urlencoded", "multipart/form-data":
		if err := r.ParseMultipartForm(limit); err != nil && !errors.Is(err, http.ErrNotMultipart) {
			return nil, fmt.Errorf("Could not read the form: %w", err)
		}
		return FormData(r), nil
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, fmt.Errorf("Could not read the request body: %w", err)
	}
	data := map[string]any{}
	if len(body) == 0 {
		return data, nil
	}
	if err := json.Unmarshal(body, &data); err != nil {
		return nil, errors.New("JSON parse error - the body must be a JSON object: " + err.Error())
	}
	if data == nil {
		data = map[string]any{}
	}
	return data, nil
}

// FormData flattens a parsed form into an answer map (first value of
// each key).
func FormData(r *http.Request) map[string]any {
	data := map[string]any{}
	for k, vs := range r.PostForm {
		if len(vs) > 0 {
			data[k] = vs[0]
		}
	}
	return data
}

// cancel drops the running flow and sends the client to next when
// httpx.LocalRedirect accepts it, else to the brand's invalidation flow,
// else "/".
func (h *Handler) cancel(w http.ResponseWriter, r *http.Request) {
	a := h.Exec.App
	sess, err := h.Exec.Session(r)
	if err != nil {
		LogFailure(a, r, err)
		http.Error(w, "Something went wrong. Please try again.", http.StatusInternalServerError)
		return
	}
	clearFlow(sess)
	if err := a.Sessions.Save(w, r, sess); err != nil {
		LogFailure(a, r, err)
	}
	if to, ok := httpx.LocalRedirect(r.URL.Query().Get("next")); ok {
		httpx.SendRedirect(w, r, to, http.StatusFound)
		return
	}
	fallback := "/"
	if b, err := brand.ForRequest(r.Context(), a.Store, r); err == nil && b.FlowInvalidation != nil {
		if f, err := a.Store.GetFlow(r.Context(), *b.FlowInvalidation); err == nil {
			fallback = "/if/flow/" + url.PathEscape(f.Slug) + "/"
		} else if !errors.Is(err, store.ErrNotFound) {
			LogFailure(a, r, err)
		}
	}
	httpx.Redirect(w, r, fallback, "/", http.StatusFound)
}
