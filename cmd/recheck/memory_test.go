package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/intake/client"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/internal/syncbuf"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

// rssCeiling is the most an intake process may hold while 50 uploads of
// 20 MB arrive at once.
const rssCeiling = 400 << 20

// procKB reads a /proc/<pid>/status field in bytes.
func procKB(t *testing.T, pid int, field string) int64 {
	t.Helper()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	require.NoError(t, err)
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, field+":") {
			kb, err := strconv.ParseInt(strings.Fields(line)[1], 10, 64)
			require.NoError(t, err)
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// TestIntakeMemoryIsBounded builds recheck as it ships, runs `recheck
// intake` on its defaults, sends it 50 uploads of 20 MB at once, and checks
// that its resident memory stays under the ceiling, that what it could not
// take it refused with 503 rather than read, and that it returns near where
// it started.
func TestIntakeMemoryIsBounded(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and uploads 1 GB")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "recheck")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=1")
	out, err := build.CombinedOutput()
	require.NoError(t, err, "%s", out)

	rs := redistest.Start(t)
	secret := devCredentials(t, dir)
	env := serviceEnv(rs, dir)
	env["RECHECK_MODELS_DIR"] = testmodels.Dir(t)
	env["RECHECK_HTTP_ADDR"] = freeAddr(t)
	env["RECHECK_LOG_LEVEL"] = "warn"
	env["MALLOC_ARENA_MAX"] = "2"
	cmd := exec.Command(bin, "intake")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "HOME="+dir, "PATH="+os.Getenv("PATH"))
	logs := &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	base := "http://" + env["RECHECK_HTTP_ADDR"]
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the intake did not start: %s", logs.Bytes())
		}
	}
	pid := cmd.Process.Pid
	baseline := procKB(t, pid, "VmRSS")

	// A phone photo padded to 20 MB (a JPEG ends at its EOI marker; the
	// rest is read, stored and ignored by decoders).
	photo := testphotos.Read(t, "faces/deepface/img14.jpg")
	photo = append(photo, make([]byte, 20_000_000-len(photo))...)
	c := client.New(base, devKeyID, secret)
	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := c.SubmitCapture(context.Background(), client.Capture{
				School: "cjlu", Cohort: "2026", StudentID: fmt.Sprintf("S%02d", i), OpenID: "o-mem",
				DocumentType: "passport", DocumentNumber: fmt.Sprintf("E123456%02d", i), Name: "Load Test",
			}, photo, "")
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				statuses[-1]++
				return
			}
			statuses[resp.Status]++
		}()
	}
	wg.Wait()
	peak := procKB(t, pid, "VmHWM")
	t.Logf("50 uploads of 20 MB: answers %v; resident memory %d MB at start, peak %d MB", statuses, baseline>>20, peak>>20)
	require.Zero(t, statuses[-1], "every upload got an answer")
	require.Equal(t, 50, statuses[http.StatusAccepted]+statuses[http.StatusServiceUnavailable], "accepted, or refused as busy: %v", statuses)
	require.Positive(t, statuses[http.StatusAccepted])
	require.Less(t, peak, int64(rssCeiling), "peak resident memory %d MB", peak>>20)

	var now int64
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if now = procKB(t, pid, "VmRSS"); now <= baseline+64<<20 {
			break
		}
	}
	t.Logf("resident memory after the burst: %d MB", now>>20)
	require.LessOrEqual(t, now, baseline+64<<20, "memory returns near its baseline (%d MB at start, %d MB after)", baseline>>20, now>>20)
}

// freeAddr returns a free local address.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	return ln.Addr().String()
}
