package bench

import (
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/usher-id/usher/internal/auth"
)

// benchBrowser is one browser without JavaScript: it keeps the session
// cookie, follows redirects inside the flow pages one request at a time
// (so each is timed) and fills forms. It is deliberately cheap (no cookie
// jar, no regular expressions) because it shares the CPUs with the server
// it measures.
type benchBrowser struct {
	http   *http.Client
	base   string
	cookie string
	// lat receives the latency of every request.
	lat *[]time.Duration
}

// benchPage is one response.
type benchPage struct {
	status   int
	location string
	body     string
}

func (b *benchBrowser) do(method, path string, form url.Values) (benchPage, error) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.base+path, body)
	if err != nil {
		return benchPage{}, err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.cookie != "" {
		req.Header.Set("Cookie", auth.CookieName+"="+b.cookie)
	}
	start := time.Now()
	resp, err := b.http.Do(req)
	if err != nil {
		return benchPage{}, err
	}
	raw, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if b.lat != nil {
		*b.lat = append(*b.lat, time.Since(start))
	}
	if err != nil {
		return benchPage{}, err
	}
	for _, c := range resp.Cookies() {
		if c.Name == auth.CookieName {
			b.cookie = c.Value
		}
	}
	return benchPage{status: resp.StatusCode, location: resp.Header.Get("Location"), body: string(raw)}, nil
}

// open GETs path and follows redirects within /if/flow/; it returns the
// first page that is not such a redirect.
func (b *benchBrowser) open(path string) (benchPage, error) {
	for range 10 {
		p, err := b.do(http.MethodGet, path, nil)
		if err != nil || !p.inFlow() {
			return p, err
		}
		path = p.location
	}
	return benchPage{}, errors.New("too many redirects")
}

// inFlow reports whether p redirects to another flow page.
func (p benchPage) inFlow() bool {
	return p.status >= 300 && p.status < 400 && strings.HasPrefix(p.location, "/if/flow/")
}

// enroll walks the flow at link: it fills each form (user name, password
// twice, name, email; pre-filled and hidden values kept) and submits, until
// the flow redirects out of /if/flow/. It returns where the flow ended.
func (b *benchBrowser) enroll(link, id string) (string, error) {
	p, err := b.open(link)
	for step := 0; err == nil; step++ {
		switch {
		case p.status >= 300 && p.status < 400:
			return p.location, nil
		case p.status != http.StatusOK:
			return "", fmt.Errorf("HTTP %d: %s", p.status, pageMessage(p.body))
		case step == 10:
			return "", errors.New("the flow did not end after 10 forms")
		}
		action, inputs, ok := parseBenchForm(p.body)
		if !ok {
			return "", fmt.Errorf("page has no form: %s", pageMessage(p.body))
		}
		if p, err = b.do(http.MethodPost, action, fillBenchForm(inputs, id)); err != nil {
			break
		}
		if p.inFlow() {
			p, err = b.open(p.location)
		}
	}
	return "", err
}

// pageMessage is the gist of an unexpected page, for error reports.
func pageMessage(body string) string {
	for _, marker := range []string{`<div class="errors"`, `<p class="message"`, `<div class="field-error"`, "<h1>"} {
		if i := strings.Index(body, marker); i >= 0 {
			s := body[i:]
			if j := strings.Index(s, "</"); j >= 0 {
				s = s[:j]
			}
			if j := strings.LastIndex(s, ">"); j >= 0 {
				s = s[j+1:]
			}
			return html.UnescapeString(strings.TrimSpace(s))
		}
	}
	if len(body) > 200 {
		body = body[:200]
	}
	return body
}

// benchInput is a form control: its name, type and current value.
type benchInput struct{ name, typ, value string }

// parseBenchForm reads the page's post form: its action and inputs (the
// flow pages render one form of <input> elements; textarea and select are
// not used by enrollment prompts and are skipped).
func parseBenchForm(body string) (string, []benchInput, bool) {
	const formTag = `<form method="post" action="`
	i := strings.Index(body, formTag)
	if i < 0 {
		return "", nil, false
	}
	rest := body[i+len(formTag):]
	end := strings.IndexByte(rest, '"')
	if end < 0 {
		return "", nil, false
	}
	action := html.UnescapeString(rest[:end])
	if j := strings.Index(rest, "</form>"); j >= 0 {
		rest = rest[:j]
	}
	var inputs []benchInput
	for {
		k := strings.Index(rest, "<input ")
		if k < 0 {
			break
		}
		rest = rest[k+len("<input "):]
		tagEnd := strings.IndexByte(rest, '>')
		if tagEnd < 0 {
			break
		}
		tag := rest[:tagEnd]
		in := benchInput{name: attr(tag, "name"), typ: attr(tag, "type"), value: attr(tag, "value")}
		if in.name == "" || (in.typ == "checkbox" || in.typ == "radio") && !strings.Contains(tag, " checked") {
			continue
		}
		inputs = append(inputs, in)
	}
	return action, inputs, true
}

// attr returns the value of name="..." in a tag's attribute text.
func attr(tag, name string) string {
	var v string
	if strings.HasPrefix(tag, name+`="`) {
		v = tag[len(name)+2:]
	} else if i := strings.Index(tag, " "+name+`="`); i >= 0 {
		v = tag[i+len(name)+3:]
	} else {
		return ""
	}
	if j := strings.IndexByte(v, '"'); j >= 0 {
		v = v[:j]
	}
	return html.UnescapeString(v)
}

// fillBenchForm answers an enrollment form as bench user id: passwords get
// one password, empty fields a value by their name or type; pre-filled and
// hidden values (the CSRF token, the invitation's data) are kept.
func fillBenchForm(inputs []benchInput, id string) url.Values {
	v := make(url.Values, len(inputs))
	for _, in := range inputs {
		val := in.value
		switch {
		case in.typ == "password":
			val = "Bench-password-" + id
		case val != "" || in.typ == "hidden" || in.typ == "checkbox":
		case in.typ == "email" || in.name == "email":
			val = id + "@bench.example.org"
		case in.name == "username":
			val = id
		case in.typ == "number":
			val = "1"
		case in.typ == "date":
			val = "2000-01-01"
		default:
			val = "Bench " + id
		}
		v.Add(in.name, val)
	}
	return v
}
