package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/intake/client"
	"github.com/recheck/recheck/internal/loadtest"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/internal/testphotos"
)

// imageUID is the uid of the image's user recheck (Dockerfile).
const imageUID = 10001

// container is one recheck process run from the image.
type container struct {
	cmd    *exec.Cmd
	name   string
	http   string
	ops    string
	log    string
	exited chan struct{}
}

// buildah runs buildah with the storage driver make image used.
func buildah(args ...string) *exec.Cmd {
	driver := os.Getenv("BUILDAH_STORAGE_DRIVER")
	if driver == "" {
		driver = "vfs"
	}
	return exec.Command("buildah", append([]string{"--storage-driver", driver}, args...)...)
}

// runImage runs `recheck role` in the working container ctr as the
// image's user (its USER), on the host's network, with dir mounted at the same path
// (the storage and the credentials) and env; it returns once /readyz
// answers 200 on the process's listener and reports how long that took.
func runImage(t *testing.T, ctr, role string, dir string, env map[string]string) (*container, time.Duration) {
	t.Helper()
	ports := freeTCPPorts(t, 2)
	c := &container{name: role, http: fmt.Sprintf("127.0.0.1:%d", ports[0]), ops: fmt.Sprintf("127.0.0.1:%d", ports[1]),
		log: filepath.Join(t.TempDir(), role+".log"), exited: make(chan struct{})}
	args := []string{"run", "--isolation", "chroot", "--network", "host", "-v", dir + ":" + dir}
	for k, v := range env {
		if k == "RECHECK_MODELS_DIR" {
			continue // the image's own models
		}
		args = append(args, "-e", k+"="+v)
	}
	args = append(args, "-e", "RECHECK_HTTP_ADDR="+c.http, "-e", "RECHECK_OPS_ADDR="+c.ops, "-e", "RECHECK_LOG_FORMAT=json",
		ctr, "--", "recheck", role)
	f, err := os.Create(c.log)
	require.NoError(t, err)
	c.cmd = buildah(args...)
	c.cmd.Stdout, c.cmd.Stderr = f, f
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	start := time.Now()
	require.NoError(t, c.cmd.Start())
	go func() { _ = c.cmd.Wait(); f.Close(); close(c.exited) }()
	t.Cleanup(func() {
		_ = c.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-c.exited:
		case <-time.After(30 * time.Second):
			_ = c.cmd.Process.Kill()
		}
	})
	readyz := "http://" + c.ops + "/readyz"
	if role != "worker" {
		readyz = "http://" + c.http + "/readyz"
	}
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		select {
		case <-c.exited:
			log, _ := os.ReadFile(c.log)
			t.Fatalf("recheck %s in the image exited before it was ready:\n%s", role, log)
		default:
		}
		if ready(readyz) {
			return c, time.Since(start)
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(c.log)
			t.Fatalf("recheck %s in the image: /readyz not 200 within 3 minutes:\n%s", role, log)
		}
	}
}

// freeTCPPorts returns n ports of 127.0.0.1 nothing listens on now.
func freeTCPPorts(t *testing.T, n int) []int {
	t.Helper()
	var out []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		require.NoError(t, err)
		defer l.Close()
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out
}

// TestImage runs the image make image built (RECHECK_IMAGE, e.g.
// recheck:latest; make image-test): `recheck serve` as the image's
// non-root user answers /readyz, and one capture goes from the admission
// photo to 审核通过 through signed requests; then an intake and two workers
// from the same image, on their own ports, share a Redis and a storage
// directory and finish 20 captures. It reports the time from start to
// ready. Skipped unless RECHECK_IMAGE names an image (it needs root and
// buildah).
func TestImage(t *testing.T) {
	image := os.Getenv("RECHECK_IMAGE")
	if image == "" {
		t.Skip("RECHECK_IMAGE is unset: make image-test runs this test on the image make image built")
	}
	require.Zero(t, os.Getuid(), "buildah run needs root")
	out, err := buildah("from", "--pull=never", image).CombinedOutput()
	require.NoError(t, err, string(out))
	ctr := strings.TrimSpace(string(out[strings.LastIndexByte(strings.TrimSpace(string(out)), '\n')+1:]))
	t.Cleanup(func() { _ = buildah("rm", ctr).Run() })
	out, err = buildah("run", "--isolation", "chroot", ctr, "--", "id", "-u").CombinedOutput()
	require.NoError(t, err, string(out))
	require.Equal(t, fmt.Sprint(imageUID), strings.TrimSpace(string(out)), "the image runs as its non-root user")
	out, err = buildah("inspect", "--type", "image", "--format", "{{.Docker.Config.Healthcheck.Test}} {{.Docker.Config.User}}", image).CombinedOutput()
	require.NoError(t, err, string(out))
	require.Equal(t, "[CMD recheck healthcheck] recheck", strings.TrimSpace(string(out)), "the image keeps its HEALTHCHECK (built --format docker) and its user")

	rs := redistest.StartWith(t, redistest.Options{AOF: true, TCP: true})
	dir := t.TempDir()
	secret := devCredentials(t, dir)
	registerCTID(t, dir, "faces/deepface/img15.jpg")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "data"), 0o755))
	require.NoError(t, filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, imageUID, imageUID)
	}))
	env := serviceEnv(rs, dir)
	env["RECHECK_REDIS_URL"] = rs.TCPURL

	// One process, both roles: one capture to 审核通过.
	serve, took := runImage(t, ctr, "serve", dir, env)
	t.Logf("recheck serve in the image: ready %s after start", took.Round(100*time.Millisecond))
	s := &service{base: "http://" + serve.http, redis: rs, up: client.New("http://"+serve.http, devKeyID, secret), admin: adminToken(t, dir)}
	s.putAdmission(t, "S1", "faces/deepface/img13.jpg")
	status, body := s.postCapture(t, "S1", testphotos.Read(t, "faces/deepface/img14.jpg"))
	same := s.confirmed(t, status, body)
	require.Equal(t, "pending_review", same["state"], same)
	status, body = s.post(t, "/v1/captures/"+same["id"].(string)+"/review", map[string]string{"decision": "approve"}, true)
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "approved", body["state"])
	require.Contains(t, body["message_zh"], "审核通过")
	require.NoError(t, serve.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-serve.exited:
	case <-time.After(time.Minute):
		t.Fatal("recheck serve in the image did not stop on SIGTERM")
	}

	// An intake and two workers, each its own process from the image.
	api, took := runImage(t, ctr, "intake", dir, env)
	t.Logf("recheck intake in the image: ready %s after start", took.Round(100*time.Millisecond))
	for i := range 2 {
		_, took := runImage(t, ctr, "worker", dir, env)
		t.Logf("recheck worker %d in the image: ready %s after start", i+1, took.Round(100*time.Millisecond))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	rep, err := loadtest.Run(ctx, loadtest.Options{
		Base: "http://" + api.http, KeyID: devKeyID, Secret: secret, Token: adminToken(t, dir),
		Captures: 20, Concurrency: 4, School: "load", Photos: loadPhotos(t), Size: loadtest.Size1MP, Redis: rs.Client,
	})
	require.NoError(t, err)
	require.Empty(t, rep.Errors)
	total := 0
	for _, c := range rep.Outcomes {
		total += c
	}
	require.Equal(t, 20, total, "every capture reached a final state: %v", rep.Outcomes)
	t.Logf("20 captures through one intake and two workers from the image: %.1f s, %.2f captures/s, outcomes %v", rep.Seconds, rep.Rate, rep.Outcomes)
}
