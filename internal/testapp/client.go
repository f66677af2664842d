package testapp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/usher-id/usher/internal/auth"
)

// Client is one browser or API client with its own cookie jar.
type Client struct {
	T    testing.TB
	Base string
	HTTP *http.Client
}

// NewClient returns a client for the server at base. Redirects inside
// /if/flow/ and /api/ are followed (as browsers and authentik's client
// do); a redirect elsewhere (the end of a flow) is returned as is.
func NewClient(t testing.TB, base string) *Client {
	jar, _ := cookiejar.New(nil)
	c := &Client{T: t, Base: base}
	c.HTTP = &http.Client{Jar: jar, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) > 20 {
			return fmt.Errorf("too many redirects")
		}
		if strings.HasPrefix(req.URL.Path, "/if/flow/") || strings.HasPrefix(req.URL.Path, "/api/") {
			return nil
		}
		return http.ErrUseLastResponse
	}}
	return c
}

// Reuse returns a client for another base URL sharing this client's
// cookies (a restarted server on the same store).
func (c *Client) Reuse(base string) *Client {
	return &Client{T: c.T, Base: base, HTTP: &http.Client{Jar: c.HTTP.Jar, CheckRedirect: c.HTTP.CheckRedirect}}
}

// ExecutorURL is the executor API URL for slug with the wrapped query.
func (c *Client) ExecutorURL(slug, query string) string {
	return c.Base + "/api/v3/flows/executor/" + slug + "/?query=" + url.QueryEscape(query)
}

// Do sends a request and decodes a JSON answer (nil when not JSON).
func (c *Client) Do(method, u string, body any) (*http.Response, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return nil, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var m map[string]any
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &m); err != nil {
			return resp, nil, fmt.Errorf("decode %s: %w", raw, err)
		}
	}
	return resp, m, nil
}

// Step is one challenge seen while walking a flow.
type Step struct {
	Component string
	Challenge map[string]any
}

// FollowJSON walks a flow through the executor API: GET the first
// challenge, answer each with values (prompt fields by field_key,
// uid_field, password, remember_me), and stop at xak-flow-redirect,
// access denied, or a challenge answered twice with errors. It returns
// every challenge seen; the last is the outcome.
func (c *Client) FollowJSON(slug, query string, values map[string]any) []Step {
	c.T.Helper()
	u := c.ExecutorURL(slug, query)
	_, ch, err := c.Do(http.MethodGet, u, nil)
	if err != nil {
		c.T.Fatal(err)
	}
	var steps []Step
	for i := 0; i < 20; i++ {
		comp, _ := ch["component"].(string)
		steps = append(steps, Step{Component: comp, Challenge: ch})
		if comp == "xak-flow-redirect" || comp == "ak-stage-access-denied" || comp == "ak-stage-flow-error" || comp == "" {
			return steps
		}
		if _, bad := ch["response_errors"]; bad {
			return steps
		}
		_, ch, err = c.Do(http.MethodPost, u, Answer(ch, values))
		if err != nil {
			c.T.Fatal(err)
		}
	}
	c.T.Fatalf("flow %s did not end: %v", slug, steps)
	return steps
}

// Answer builds the JSON answer to a challenge from values.
func Answer(ch map[string]any, values map[string]any) map[string]any {
	a := map[string]any{"component": ch["component"]}
	switch ch["component"] {
	case "ak-stage-prompt":
		fields, _ := ch["fields"].([]any)
		for _, f := range fields {
			key, _ := f.(map[string]any)["field_key"].(string)
			if v, ok := values[key]; ok {
				a[key] = v
			}
		}
	default:
		for _, k := range []string{"uid_field", "password", "remember_me", "code", "selected_stage"} {
			if v, ok := values[k]; ok {
				a[k] = v
			}
		}
	}
	return a
}

// Last returns the outcome of a walk.
func Last(steps []Step) Step { return steps[len(steps)-1] }

// Page is a fetched flow page.
type Page struct {
	Status   int
	Location string // set when the flow redirected out of /if/flow/
	Body     string
	URL      string
}

// HasForm reports whether the page shows a form.
func (p Page) HasForm() bool { return strings.Contains(p.Body, "<form") }

// PageURL is the flow page URL with the query string as printed in links.
func (c *Client) PageURL(slug, query string) string {
	u := c.Base + "/if/flow/" + slug + "/"
	if query != "" {
		u += "?" + query
	}
	return u
}

// Get fetches a page.
func (c *Client) Get(u string) Page {
	c.T.Helper()
	resp, err := c.HTTP.Get(u)
	if err != nil {
		c.T.Fatal(err)
	}
	return readPage(resp)
}

// Submit posts a page's form with the form's own values overridden by
// values (only for inputs the form has).
func (c *Client) Submit(p Page, values map[string]any) Page {
	c.T.Helper()
	action, form := ParseForm(p.Body)
	for k := range form {
		if v, ok := values[k]; ok {
			form.Set(k, fmt.Sprint(v))
		}
	}
	target := c.Base + action
	resp, err := c.HTTP.PostForm(target, form)
	if err != nil {
		c.T.Fatal(err)
	}
	return readPage(resp)
}

func readPage(resp *http.Response) Page {
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	p := Page{Status: resp.StatusCode, Body: string(b), URL: resp.Request.URL.String()}
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		p.Location = resp.Header.Get("Location")
	}
	return p
}

// FollowHTML walks a flow through the pages like a browser without
// JavaScript: open the link, fill each form from values, submit, until
// the flow redirects away or a page has no form (denied) or shows errors.
func (c *Client) FollowHTML(slug, query string, values map[string]any) []Page {
	c.T.Helper()
	p := c.Get(c.PageURL(slug, query))
	pages := []Page{p}
	for i := 0; i < 20; i++ {
		if p.Location != "" || !p.HasForm() || strings.Contains(p.Body, `class="field-error"`) ||
			strings.Contains(p.Body, `id="form-errors"`) {
			return pages
		}
		p = c.Submit(p, values)
		pages = append(pages, p)
	}
	c.T.Fatalf("flow page %s did not end", slug)
	return pages
}

var (
	formRe     = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
	inputRe    = regexp.MustCompile(`<input ([^>]*)>`)
	textareaRe = regexp.MustCompile(`(?s)<textarea ([^>]*)>(.*?)</textarea>`)
	selectRe   = regexp.MustCompile(`(?s)<select ([^>]*)>(.*?)</select>`)
	optionRe   = regexp.MustCompile(`<option value="([^"]*)"( selected)?>`)
	attrRe     = regexp.MustCompile(`([a-z-]+)(?:="([^"]*)")?`)
)

func attrs(s string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRe.FindAllStringSubmatch(s, -1) {
		m[a[1]] = html.UnescapeString(a[2])
	}
	return m
}

// ParseForm extracts a page's form action and the values a browser would
// submit as the form stands.
func ParseForm(body string) (string, url.Values) {
	v := url.Values{}
	m := formRe.FindStringSubmatch(body)
	if m == nil {
		return "", v
	}
	for _, in := range inputRe.FindAllStringSubmatch(body, -1) {
		a := attrs(in[1])
		name := a["name"]
		if name == "" {
			continue
		}
		switch a["type"] {
		case "checkbox", "radio":
			if _, checked := a["checked"]; checked {
				v.Add(name, a["value"])
			}
		default:
			v.Add(name, a["value"])
		}
	}
	for _, ta := range textareaRe.FindAllStringSubmatch(body, -1) {
		v.Set(attrs(ta[1])["name"], html.UnescapeString(ta[2]))
	}
	for _, s := range selectRe.FindAllStringSubmatch(body, -1) {
		name := attrs(s[1])["name"]
		opts := optionRe.FindAllStringSubmatch(s[2], -1)
		for i, o := range opts {
			if o[2] != "" || (i == 0 && v.Get(name) == "") {
				v.Set(name, html.UnescapeString(o[1]))
			}
		}
	}
	return html.UnescapeString(m[1]), v
}

// CSRFToken is the CSRF token of the client's session on base, computed
// from the session cookie and the test secret, for requests that carry it
// in authentik's X-authentik-CSRF header.
func (c *Client) CSRFToken(base string) string {
	u, err := url.Parse(base)
	if err != nil {
		c.T.Fatal(err)
	}
	for _, ck := range c.HTTP.Jar.Cookies(u) {
		if ck.Name == auth.CookieName {
			return auth.CSRFToken(Secret, &auth.Session{ID: ck.Value})
		}
	}
	c.T.Fatalf("no %s cookie for %s", auth.CookieName, base)
	return ""
}
