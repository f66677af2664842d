package server

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/app"
	"github.com/usher-id/usher/internal/auth"
	"github.com/usher-id/usher/internal/httpx"
	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/testkit"
)

// testArea exercises the middleware from inside a handler.
type testArea struct{ a *app.App }

func (t testArea) Mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /boom", func(w http.ResponseWriter, r *http.Request) {
		panic("kaboom secret-detail")
	})
	mux.HandleFunc("GET /api/v3/boom/", func(w http.ResponseWriter, r *http.Request) {
		panic("kaboom")
	})
	// A page with a form: keeps the session so its CSRF token stays valid.
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		sess := auth.FromContext(r.Context())
		sess.Keep()
		if err := t.a.Sessions.Save(w, r, sess); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		fmt.Fprint(w, auth.CSRFToken(t.a.Secret, sess))
	})
	mux.HandleFunc("POST /form", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "saved ", r.PostFormValue("name"))
	})
	mux.HandleFunc("POST /api/v3/things/", func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			if IsTooLarge(err) {
				w.WriteHeader(http.StatusRequestEntityTooLarge)
				return
			}
		}
		httpx.JSON(w, http.StatusCreated, map[string]string{"ok": "yes"})
	})
	mux.HandleFunc("GET /whoami", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "%s %v %s", httpx.ClientIP(r), httpx.Secure(r), httpx.RequestID(r.Context()))
	})
}

type fixture struct {
	app  *app.App
	srv  *Server
	http *httptest.Server
	logs *testkit.SyncBuffer
}

func newFixture(t *testing.T, opts Options) *fixture {
	t.Helper()
	st := storetest.OpenSQLite(t)
	logs := &testkit.SyncBuffer{}
	a := &app.App{Store: st, Log: NewLogger(logs, "debug", "text"), Secret: []byte("0123456789abcdef0123456789abcdef"),
		Sessions: &auth.Manager{Store: st, TTL: time.Hour, Secure: httpx.Secure}, Version: "test"}
	s := New(a, opts, testArea{a})
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &fixture{app: a, srv: s, http: hs, logs: logs}
}

func (f *fixture) client(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (f *fixture) do(t *testing.T, c *http.Client, method, path string, header map[string]string, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, f.http.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{resp.StatusCode, resp.Header, string(b)}
}

func TestEndpoints(t *testing.T) {
	f := newFixture(t, Options{MaxBodyBytes: 1024})
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	json := map[string]string{"Content-Type": "application/json"}
	tests := []struct {
		name, method, path string
		header             map[string]string
		body               string
		status             int
		contains           []string
		absent             []string
	}{
		{"live", "GET", "/-/health/live/", nil, "", 200, []string{"ok"}, nil},
		{"ready", "GET", "/-/health/ready/", nil, "", 200, []string{"ok"}, nil},
		{"unknown path", "GET", "/nowhere", nil, "", 404, nil, nil},
		{"declared body over the limit", "POST", "/api/v3/things/", json, strings.Repeat("x", 2000), 413,
			[]string{`"detail":"The request body is larger than the 1024 bytes this server accepts."`}, nil},
		{"body within the limit", "POST", "/api/v3/things/", json, `{"a":1}`, 201, []string{`"ok":"yes"`}, nil},
		{"browser form without CSRF token", "POST", "/form", form, "name=x", 403,
			[]string{"This form has expired", "Go back, reload the page and try again."}, []string{"saved"}},
		{"browser form with a wrong token", "POST", "/form", form, "name=x&csrfmiddlewaretoken=forged", 403, nil, []string{"saved"}},
		{"API without cookie needs no CSRF", "POST", "/api/v3/things/", form, "a=1", 201, nil, nil},
		{"panic in a page", "GET", "/boom", nil, "", 500, []string{"Internal server error", "Request ID: <code>"}, []string{"kaboom", "goroutine"}},
		{"panic in the API", "GET", "/api/v3/boom/", nil, "", 500, []string{`"detail":"Something went wrong`, `"request_id":"`}, []string{"kaboom"}},
	}
	c := f.client(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(t, c, tt.method, tt.path, tt.header, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d; body %q", r.status, tt.status, r.body)
			}
			for _, s := range tt.contains {
				if !strings.Contains(r.body, s) {
					t.Errorf("body lacks %q: %q", s, r.body)
				}
			}
			for _, s := range tt.absent {
				if strings.Contains(r.body, s) {
					t.Errorf("body contains %q: %q", s, r.body)
				}
			}
			if got := r.header.Get("Content-Security-Policy"); got != ContentSecurityPolicy {
				t.Errorf("CSP = %q", got)
			}
			if r.header.Get("X-Content-Type-Options") != "nosniff" || r.header.Get("Referrer-Policy") != "same-origin" {
				t.Errorf("security headers missing: %v", r.header)
			}
			if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(r.header.Get(RequestIDHeader)) {
				t.Errorf("request ID = %q", r.header.Get(RequestIDHeader))
			}
		})
	}
	if logs := f.logs.String(); !strings.Contains(logs, "kaboom secret-detail") || !strings.Contains(logs, "goroutine") {
		t.Errorf("the panic and its stack should be logged:\n%s", logs)
	}
}

func TestCSRF(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.client(t)
	token := f.do(t, c, "GET", "/form", nil, "").body
	if token == "" {
		t.Fatal("no token")
	}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	tests := []struct {
		name, path string
		header     map[string]string
		body       string
		status     int
	}{
		{"form field", "/form", form, "name=alice&csrfmiddlewaretoken=" + url.QueryEscape(token), 200},
		{"header", "/form", map[string]string{"Content-Type": "application/x-www-form-urlencoded", auth.CSRFHeader: token}, "name=bob", 200},
		{"missing", "/form", form, "name=eve", 403},
		{"multipart form field", "/form", map[string]string{"Content-Type": "multipart/form-data; boundary=XX"},
			"--XX\r\nContent-Disposition: form-data; name=\"csrfmiddlewaretoken\"\r\n\r\n" + token + "\r\n--XX--\r\n", 200},
		{"API with cookie, form body", "/api/v3/things/", form, "a=1", 403},
		{"API with cookie, JSON body", "/api/v3/things/", map[string]string{"Content-Type": "application/json"}, `{}`, 201},
		{"API with cookie, CSRF header", "/api/v3/things/", map[string]string{"Content-Type": "text/plain", auth.CSRFHeader: token}, "x", 201},
		{"API with cookie, wrong CSRF header", "/api/v3/things/", map[string]string{"Content-Type": "application/json", auth.CSRFHeader: "nope"}, "{}", 403},
		{"API with bearer token", "/api/v3/things/", map[string]string{"Content-Type": "text/plain", "Authorization": "Bearer x"}, "x", 201},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := f.do(t, c, "POST", tt.path, tt.header, tt.body)
			if r.status != tt.status {
				t.Errorf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
		})
	}
	// The token belongs to this session: another browser cannot reuse it.
	other := f.client(t)
	f.do(t, other, "GET", "/form", nil, "")
	if r := f.do(t, other, "POST", "/form", form, "csrfmiddlewaretoken="+url.QueryEscape(token)); r.status != 403 {
		t.Errorf("token accepted for another session: %d", r.status)
	}
}

func TestReadyWhenDatabaseDown(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.client(t)
	if r := f.do(t, c, "GET", "/-/health/ready/", nil, ""); r.status != 200 {
		t.Fatalf("ready = %d", r.status)
	}
	f.app.Store.Close()
	if r := f.do(t, c, "GET", "/-/health/ready/", nil, ""); r.status != 503 {
		t.Errorf("ready with a closed store = %d, want 503", r.status)
	}
	if r := f.do(t, c, "GET", "/-/health/live/", nil, ""); r.status != 200 {
		t.Errorf("live with a closed store = %d, want 200", r.status)
	}
}

func TestMetrics(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.client(t)
	for range 3 {
		f.do(t, c, "GET", "/-/health/live/", nil, "")
	}
	f.do(t, c, "GET", "/does-not-exist", nil, "")
	body := f.do(t, c, "GET", "/metrics", nil, "").body
	for _, want := range []string{
		`usher_http_requests_total{route="GET /-/health/live/",code="2xx"} 3`,
		`usher_http_requests_total{route="unmatched",code="4xx"} 1`,
		`usher_http_request_duration_seconds_bucket{route="GET /-/health/live/",code="2xx",le="+Inf"} 3`,
		`usher_http_request_duration_seconds_count{route="GET /-/health/live/",code="2xx"} 3`,
		"# TYPE usher_http_request_duration_seconds histogram",
		"usher_db_connections_open ",
		"go_goroutines ",
		"process_cpu_seconds_total ",
		"go_memstats_mallocs_total ",
		`usher_build_info{version="test",`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("metrics lack %q:\n%s", want, body)
		}
	}
}

func TestRequestIDAndLogs(t *testing.T) {
	f := newFixture(t, Options{})
	c := f.client(t)
	tests := []struct{ sent, want string }{
		{"abc-123-def-456", "abc-123-def-456"},
		{"0f8fad5b-d9cb-469f-a165-70867728950e", "0f8fad5b-d9cb-469f-a165-70867728950e"},
		{"evil\" injected=1", ""},
		{"short", ""},
	}
	for _, tt := range tests {
		r := f.do(t, c, "GET", "/whoami", map[string]string{RequestIDHeader: tt.sent}, "")
		got := r.header.Get(RequestIDHeader)
		if tt.want != "" && got != tt.want || tt.want == "" && (got == tt.sent || len(got) != 32) {
			t.Errorf("sent %q, echoed %q", tt.sent, got)
		}
		if !strings.HasSuffix(r.body, " "+got) {
			t.Errorf("handler saw request ID %q, header %q", r.body, got)
		}
	}
	if !strings.Contains(f.logs.String(), "request_id=abc-123-def-456 client_ip=127.0.0.1") {
		t.Errorf("access log lacks request_id/client_ip:\n%s", f.logs.String())
	}
	if strings.Contains(f.logs.String(), "injected") {
		t.Error("a rejected request ID reached the log")
	}
}

func TestClientIPFromTrustedProxies(t *testing.T) {
	f := newFixture(t, Options{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}})
	tests := []struct {
		name, remote, xff, proto, want string
	}{
		{"direct client", "203.0.113.9:5555", "", "", "203.0.113.9 false"},
		{"untrusted peer cannot spoof", "203.0.113.9:5555", "198.51.100.1", "https", "203.0.113.9 false"},
		{"trusted proxy", "10.0.0.2:5555", "198.51.100.1", "https", "198.51.100.1 true"},
		{"chain of proxies, rightmost untrusted wins", "10.0.0.2:5555", "192.0.2.66, 198.51.100.1, 10.0.0.3", "http", "198.51.100.1 false"},
		{"garbage hop", "10.0.0.2:5555", "not-an-ip", "", "10.0.0.2 false"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/whoami", nil)
			req.RemoteAddr = tt.remote
			if tt.xff != "" {
				req.Header.Set("X-Forwarded-For", tt.xff)
			}
			if tt.proto != "" {
				req.Header.Set("X-Forwarded-Proto", tt.proto)
			}
			rec := httptest.NewRecorder()
			f.srv.Handler().ServeHTTP(rec, req)
			if got := rec.Body.String(); !strings.HasPrefix(got, tt.want+" ") {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestChunkedBodyOverLimit(t *testing.T) {
	f := newFixture(t, Options{MaxBodyBytes: 100})
	// A body of unknown length is cut off while the handler reads it.
	pr, pw := io.Pipe()
	go func() {
		pw.Write([]byte(strings.Repeat("y", 500)))
		pw.Close()
	}()
	req, _ := http.NewRequest("POST", f.http.URL+"/api/v3/things/", pr)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Errorf("status %d, want 413", resp.StatusCode)
	}
}

func TestListenAddressInUse(t *testing.T) {
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	addr := ln.Addr().String()
	_, err = Listen(addr)
	if err == nil || err.Error() != "listen "+addr+": address already in use (another program, or another usher, has it; set USHER_LISTEN to a free host:port)" {
		t.Errorf("error = %v", err)
	}
}

func TestServeShutsDownGracefully(t *testing.T) {
	f := newFixture(t, Options{})
	ln, err := Listen("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- f.srv.Serve(ctx, ln) }()
	resp, err := http.Get("http://" + ln.Addr().String() + "/-/health/live/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
}
