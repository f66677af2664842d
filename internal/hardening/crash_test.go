package hardening

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/usher-id/usher/internal/testkit"
)

// A server killed (SIGKILL) in the middle of a request and restarted on
// the same data directory comes back consistent: the interrupted request
// left nothing half-written, the invitee's session survives, and the
// enrollment finishes on the new process.
func TestKilledServerRestarts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not found")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "usher")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, goBin, "build", "-o", bin, "github.com/usher-id/usher/cmd/usher")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	const token = "crash-test-token-0123456789abcdef"
	addr := testkit.FreeAddr(t)
	base := "http://" + addr
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(), "USHER_DATA_DIR="+filepath.Join(dir, "data"), "USHER_LISTEN="+addr,
			"USHER_BOOTSTRAP_PASSWORD=crash-Admin-Passw0rd", "USHER_BOOTSTRAP_TOKEN="+token,
			"USHER_PASSWORD_HASH=argon2id:m=8,t=1,p=1", "USHER_BLUEPRINTS_DIR="+filepath.Join(dir, "blueprints"))
		logf, _ := os.Create(filepath.Join(dir, "serve.log"))
		cmd.Stdout, cmd.Stderr = logf, logf
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
		for deadline := time.Now().Add(30 * time.Second); ; {
			resp, err := http.Get(base + "/-/health/ready/")
			if err == nil {
				resp.Body.Close()
				if resp.StatusCode == 200 {
					return cmd
				}
			}
			if time.Now().After(deadline) {
				log, _ := os.ReadFile(filepath.Join(dir, "serve.log"))
				t.Fatalf("server not ready: %v\n%s", err, log)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	srv := start()

	// Import the example enrollment blueprint through the API.
	bp, err := os.ReadFile(testkit.ExampleBlueprint(t, "flows-invitation-enrollment.yaml"))
	if err != nil {
		t.Skip("example blueprints not found")
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "flows-invitation-enrollment.yaml")
	fw.Write(bp)
	mw.Close()
	req, _ := http.NewRequest("POST", base+"/api/v3/managed/blueprints/import/", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("blueprint import: %v %v", resp, err)
	}
	apiGet := func(path string) map[string]any {
		req, _ := http.NewRequest("GET", base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var v map[string]any
		json.NewDecoder(resp.Body).Decode(&v)
		return v
	}
	list := apiGet("/api/v3/stages/invitation/invitations/?name=example-external-basic-invitation")
	results, _ := list["results"].([]any)
	if len(results) != 1 {
		t.Fatalf("invitation not found: %v", list)
	}
	itoken := results[0].(map[string]any)["pk"].(string)

	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	flowURL := base + "/api/v3/flows/executor/" + enrollSlug + "/?query=" + url.QueryEscape("itoken="+itoken)
	post := func(v map[string]any) map[string]any {
		b, _ := json.Marshal(v)
		resp, err := c.Post(flowURL, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var ch map[string]any
		json.NewDecoder(resp.Body).Decode(&ch)
		return ch
	}
	if resp, err := c.Get(flowURL); err != nil {
		t.Fatal(err)
	} else {
		resp.Body.Close()
	}
	if ch := post(map[string]any{"component": "ak-stage-prompt", "username": "crashy", "password": "crash-Passw0rd-1",
		"password_repeat": "crash-Passw0rd-1"}); ch["component"] != "ak-stage-prompt" {
		t.Fatalf("credentials: %v", ch)
	}

	// The last answer is on its way when the process dies.
	pr, pw := io.Pipe()
	req, _ = http.NewRequest("POST", flowURL, pr)
	req.Header.Set("Content-Type", "application/json")
	done := make(chan error, 1)
	go func() {
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	pw.Write([]byte(`{"component":"ak-stage-prompt","name":"Crash`))
	time.Sleep(200 * time.Millisecond)
	if err := srv.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	srv.Process.Wait()
	pw.CloseWithError(fmt.Errorf("killed"))
	if err := <-done; err == nil {
		t.Log("the interrupted request got an answer before the kill")
	}

	start()
	users := apiGet("/api/v3/core/users/?username=crashy")
	if n, _ := users["pagination"].(map[string]any)["count"].(float64); n != 0 {
		t.Fatalf("the interrupted request created a user: %v", users)
	}
	// The session lives in the database: the invitee continues where they were.
	ch := post(map[string]any{"component": "ak-stage-prompt", "name": "Crash Test", "email": "crashy@example.org"})
	if ch["component"] != "xak-flow-redirect" {
		t.Fatalf("finishing after the restart: %v", ch)
	}
	users = apiGet("/api/v3/core/users/?username=crashy")
	if n, _ := users["pagination"].(map[string]any)["count"].(float64); n != 1 {
		t.Errorf("users named crashy after the restart = %v, want 1", n)
	}
}
