package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/store/storetest"
	"github.com/usher-id/usher/internal/worker/mail/mailtest"
)

// The administrator every test server bootstraps.
const (
	adminUsername = "akadmin"
	adminPassword = "e2e-admin-password"
	adminToken    = "e2e-bootstrap-token-0123456789abcdef"
)

// serverOptions choose the database and mail server of a test server.
type serverOptions struct {
	DSN  string           // PostgreSQL database; "" runs SQLite in a temp data directory
	Mail *mailtest.Server // where emails go; nil leaves the default (nothing listens)
	// DataDir is the data directory ("" a new temporary one).
	DataDir string
	// FirstRun starts as a new user would: no bootstrap password or token,
	// so usher generates the password and prints it.
	FirstRun bool
}

// server is one running `usher serve` process.
type server struct {
	URL  string
	name string
	cmd  *exec.Cmd
	logs *logBuffer
	done chan struct{} // closed when the process has exited

	readyErr error // outcome of tryReady when run on another goroutine
}

// backends are the databases the critical scenarios run on.
var backends = []string{"sqlite", "postgres"}

// databaseFor returns the DSN for a backend: "" for SQLite, a fresh empty
// PostgreSQL database (dropped after the test) for postgres. Without
// USHER_TEST_POSTGRES_DSN the test skips, or fails under CI=true.
func databaseFor(t *testing.T, backend string) string {
	if backend == "postgres" {
		return storetest.NewPostgresDatabase(t)
	}
	return ""
}

// startServer starts usher and waits until it is ready.
func startServer(t *testing.T, o serverOptions) *server {
	t.Helper()
	s := launch(t, o, "server")
	s.waitReady(t)
	return s
}

// launch starts `usher serve` on a free port and returns once it listens
// (the database may not be ready yet).
func launch(t *testing.T, o serverOptions, name string) *server {
	t.Helper()
	s := spawn(t, o, name)
	s.waitListening(t)
	return s
}

// spawn starts `usher serve` without waiting for it. The process is stopped
// when the test ends; its log is saved to the artifacts directory when the
// test failed.
func spawn(t *testing.T, o serverOptions, name string) *server {
	t.Helper()
	dataDir := o.DataDir
	if dataDir == "" {
		dataDir = t.TempDir()
	}
	env := []string{
		"USHER_LISTEN=127.0.0.1:0",
		"USHER_DATA_DIR=" + dataDir,
		"USHER_LOG_FORMAT=json",
		// Cheap hashing: enrollment and login stay fast.
		"USHER_PASSWORD_HASH=argon2id:m=8,t=1,p=1",
		"USHER_EMAIL__FROM=usher@example.com",
	}
	if !o.FirstRun {
		env = append(env, "USHER_BOOTSTRAP_PASSWORD="+adminPassword, "USHER_BOOTSTRAP_TOKEN="+adminToken,
			"USHER_BOOTSTRAP_EMAIL=admin@example.com")
	}
	if o.DSN != "" {
		env = append(env, "USHER_DATABASE_URL="+o.DSN)
	}
	if o.Mail != nil {
		env = append(env, "USHER_EMAIL__HOST="+o.Mail.Host, "USHER_EMAIL__PORT="+strconv.Itoa(o.Mail.Port), "USHER_EMAIL__TIMEOUT=5s")
	}
	s := &server{name: name, logs: &logBuffer{}, done: make(chan struct{})}
	s.cmd = exec.Command(usherBin, "serve")
	s.cmd.Env = append(processEnv(), env...)
	s.cmd.Stdout, s.cmd.Stderr = s.logs, s.logs
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start usher: %v", err)
	}
	go func() {
		_ = s.cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() { s.stop(t) })
	return s
}

// waitListening waits for the "usher listening" log line and sets URL.
func (s *server) waitListening(t *testing.T) {
	t.Helper()
	if err := s.listening(); err != nil {
		t.Fatalf("usher %s: %v\n%s", s.name, err, s.logs.String())
	}
}

func (s *server) listening() error {
	deadline := time.After(30 * time.Second)
	for {
		if addr := s.logs.field("usher listening", "addr"); addr != "" {
			s.URL = "http://" + addr
			return nil
		}
		select {
		case <-s.done:
			return fmt.Errorf("exited before listening: %v", s.cmd.ProcessState)
		case <-deadline:
			return fmt.Errorf("did not listen within 30s")
		case <-s.logs.wrote():
		}
	}
}

// processEnv is the test's environment without USHER_* variables: usher
// refuses unknown ones, and the test's own (USHER_TEST_POSTGRES_DSN) must
// not leak into the server.
func processEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "USHER_") {
			env = append(env, kv)
		}
	}
	return env
}

// waitReady polls /-/health/ready/ until it answers 200.
func (s *server) waitReady(t *testing.T) {
	t.Helper()
	if err := s.ready(); err != nil {
		t.Fatalf("usher %s: %v\n%s", s.name, err, s.logs.String())
	}
}

// tryReady waits until the server listens and is ready; it does not touch
// the test, so it may run on another goroutine.
func (s *server) tryReady() error {
	if err := s.listening(); err != nil {
		return err
	}
	return s.ready()
}

func (s *server) ready() error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/-/health/ready/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		select {
		case <-s.done:
			return fmt.Errorf("exited before it was ready: %v", s.cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready within 30s (last: %v)", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// stop ends the process with SIGTERM (SIGKILL after 10s) and keeps its log
// when the test failed.
func (s *server) stop(t *testing.T) {
	select {
	case <-s.done:
	default:
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
	if t.Failed() {
		path := filepath.Join(artifactsDir(t), artifactName(t, s.name+".log"))
		if err := os.WriteFile(path, []byte(s.logs.String()), 0o644); err == nil {
			t.Logf("usher %s log: %s", s.name, path)
		}
	}
}

// response is an answer of the server.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// request sends a request with the given bearer token ("" for none).
func (s *server) request(t *testing.T, method, path, token string, body any) response {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return response{resp.StatusCode, resp.Header, data}
}

// getJSON GETs an API path with the bootstrap token into out, failing
// unless the answer is 200.
func (s *server) getJSON(t *testing.T, path string, out any) {
	t.Helper()
	r := s.request(t, http.MethodGet, path, adminToken, nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	if err := json.Unmarshal(r.Body, out); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, r.Body)
	}
}

// apiUser is the part of authentik's User serializer the tests check.
type apiUser struct {
	PK          int64          `json:"pk"`
	Username    string         `json:"username"`
	Name        string         `json:"name"`
	Email       string         `json:"email"`
	IsActive    bool           `json:"is_active"`
	IsSuperuser bool           `json:"is_superuser"`
	Type        string         `json:"type"`
	Path        string         `json:"path"`
	Attributes  map[string]any `json:"attributes"`
	GroupsObj   []struct {
		Name string `json:"name"`
	} `json:"groups_obj"`
}

func (u apiUser) groupNames() []string {
	var names []string
	for _, g := range u.GroupsObj {
		names = append(names, g.Name)
	}
	return names
}

// users lists users with the given query (e.g. "username=jane").
func (s *server) users(t *testing.T, query string) []apiUser {
	t.Helper()
	var page struct {
		Results []apiUser `json:"results"`
	}
	s.getJSON(t, "/api/v3/core/users/?"+query, &page)
	return page.Results
}

// user returns the one user with that username.
func (s *server) user(t *testing.T, username string) apiUser {
	t.Helper()
	us := s.users(t, "username="+username)
	if len(us) != 1 {
		t.Fatalf("users named %q: %d, want 1", username, len(us))
	}
	return us[0]
}

// apiInvitation is the part of the Invitation serializer the tests check.
type apiInvitation struct {
	PK        string         `json:"pk"`
	Name      string         `json:"name"`
	SingleUse bool           `json:"single_use"`
	FixedData map[string]any `json:"fixed_data"`
	FlowObj   *struct {
		Slug string `json:"slug"`
	} `json:"flow_obj"`
}

func (s *server) invitations(t *testing.T) map[string]apiInvitation {
	t.Helper()
	var page struct {
		Results []apiInvitation `json:"results"`
	}
	s.getJSON(t, "/api/v3/stages/invitation/invitations/?page_size=100", &page)
	out := map[string]apiInvitation{}
	for _, inv := range page.Results {
		out[inv.Name] = inv
	}
	return out
}

// logBuffer collects a process's output and tells waiters about writes.
type logBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	notify chan struct{}
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buf.Write(p)
	if l.notify != nil {
		close(l.notify)
		l.notify = nil
	}
	return len(p), nil
}

// wrote returns a channel closed at the next write.
func (l *logBuffer) wrote() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.notify == nil {
		l.notify = make(chan struct{})
	}
	return l.notify
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// records parses the JSON log lines whose msg is msg.
func (l *logBuffer) records(msg string) []map[string]any {
	var out []map[string]any
	for _, line := range strings.Split(l.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["msg"] == msg {
			out = append(out, rec)
		}
	}
	return out
}

// field returns key of the first record with msg, or "".
func (l *logBuffer) field(msg, key string) string {
	if recs := l.records(msg); len(recs) > 0 {
		if v, ok := recs[0][key]; ok {
			return fmt.Sprint(v)
		}
	}
	return ""
}

// importBlueprintAPI imports a blueprint file through
// POST /api/v3/managed/blueprints/import/ and fails unless it succeeded.
func (s *server) importBlueprintAPI(t *testing.T, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, err := mw.CreateFormFile("file", filepath.Base(file))
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	req, err := http.NewRequest(http.MethodPost, s.URL+"/api/v3/managed/blueprints/import/", &body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+adminToken)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("import %s: %v", file, err)
	}
	defer resp.Body.Close()
	var res struct {
		Success bool `json:"success"`
		Logs    []struct {
			Event string `json:"event"`
		} `json:"logs"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil || resp.StatusCode != http.StatusOK || !res.Success {
		t.Fatalf("import %s: status %d, success %v, %v, logs %+v", file, resp.StatusCode, res.Success, err, res.Logs)
	}
}
