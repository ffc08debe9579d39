package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
	"github.com/recheck/recheck/loadtest"
)

// TestMain runs a worker instead of the tests when the chaos test starts
// this binary as a worker process (one it can kill -9).
func TestMain(m *testing.M) {
	if os.Getenv("RECHECK_CHAOS_WORKER") == "1" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		os.Exit(run(ctx, []string{"worker"}, os.Getenv, io.Discard, os.Stderr))
	}
	os.Exit(m.Run())
}

// chaosWorker is one worker process of the chaos test.
type chaosWorker struct {
	cmd *exec.Cmd
	log string
}

func startChaosWorker(t *testing.T, env map[string]string, logPath string) *chaosWorker {
	t.Helper()
	f, err := os.Create(logPath)
	require.NoError(t, err)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "RECHECK_CHAOS_WORKER=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = f, f
	require.NoError(t, cmd.Start())
	go func() { _ = cmd.Wait(); f.Close() }()
	return &chaosWorker{cmd: cmd, log: logPath}
}

// loadPhotos makes the labelled folder of scripts/load-photos.sh from the
// shared portraits, as symlinks.
func loadPhotos(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	ea := "faces-east-asian/nz0001na_Asian_faces/"
	for person, pair := range map[string][2]string{
		"g04":         {"faces/deepface/img13.jpg", "faces/deepface/img14.jpg"},
		"chenweiting": {ea + "chenweiting__101_20.jpg", ea + "chenweiting__101_24.jpg"},
		"caolei":      {ea + "caolei__116_1.jpg", ea + "caolei__116_6.jpg"},
		"chenjian":    {ea + "chenjianzhou__102_1.jpg", ea + "chenjianzhou__102_9.jpg"},
	} {
		require.NoError(t, os.MkdirAll(filepath.Join(dir, person), 0o755))
		require.NoError(t, os.Symlink(testphotos.Path(t, pair[0]), filepath.Join(dir, person, "a.jpg")))
		require.NoError(t, os.Symlink(testphotos.Path(t, pair[1]), filepath.Join(dir, person, "b.jpg")))
	}
	return dir
}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// TestWorkerCrash drives captures through the real API while the worker
// process is killed with SIGKILL and restarted, and checks that every
// capture reaches its final state exactly once: none lost, no transition
// twice, no notification twice, no standardization charged twice, no
// object left in storage without its capture. make test kills once;
// make chaos (RECHECK_CHAOS_CAPTURES, RECHECK_CHAOS_KILLS) more.
func TestWorkerCrash(t *testing.T) {
	n, kills := envInt("RECHECK_CHAOS_CAPTURES", 16), envInt("RECHECK_CHAOS_KILLS", 1)
	rs := redistest.StartWith(t, redistest.Options{AOF: true})
	dir := t.TempDir()
	api := startRoles(t, rs, dir, roles{intake: true})
	env := serviceEnv(rs, dir)
	env["RECHECK_MODELS_DIR"] = testmodels.Dir(t)
	env["RECHECK_OPS_ADDR"] = "127.0.0.1:0"
	env["RECHECK_LOG_FORMAT"] = "json"
	env["RECHECK_POLL_INTERVAL"] = "100ms"
	logs := t.TempDir()
	var mu sync.Mutex
	workers := []*chaosWorker{startChaosWorker(t, env, filepath.Join(logs, "worker-0.log"))}
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		_ = workers[len(workers)-1].cmd.Process.Signal(syscall.SIGTERM)
	})

	secret, _, err := devKey(filepath.Join(dir, "dev", devKeysFile))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	var done atomic.Int64
	type kill struct{ at time.Time }
	var killed []kill
	killer := make(chan struct{})
	go func() { // kill -9 the worker after every n/(kills+1) finished captures
		defer close(killer)
		for k := 1; k <= kills; k++ {
			for done.Load() < int64(k*n/(kills+1)) {
				if ctx.Err() != nil {
					return
				}
				time.Sleep(20 * time.Millisecond)
			}
			mu.Lock()
			w := workers[len(workers)-1]
			require.NoError(t, w.cmd.Process.Kill())
			killed = append(killed, kill{time.Now()})
			time.Sleep(500 * time.Millisecond)
			workers = append(workers, startChaosWorker(t, env, filepath.Join(logs, fmt.Sprintf("worker-%d.log", k))))
			mu.Unlock()
		}
	}()
	rep, err := loadtest.Run(ctx, loadtest.Options{
		Base: api.base, KeyID: devKeyID, Secret: secret, Reviewer: "admin", Password: devPassword,
		Captures: n, Concurrency: 4, School: "load", Photos: loadPhotos(t), Size: loadtest.Size1MP, Redis: rs.Client,
		Progress: func(d, _ int, _ map[string]int) { done.Store(int64(d)) },
	})
	<-killer
	require.NoError(t, err)
	require.Empty(t, rep.Errors)

	// Every capture final, each transition once.
	cfg, err := loadConfig(nil, func(k string) string { return env[k] })
	require.NoError(t, err)
	repo, _, err := openRepository(ctx, cfg, rs.Client)
	require.NoError(t, err)
	ids, err := repo.SchoolCaptures(ctx, "load", 0, 1<<30)
	require.NoError(t, err)
	lost, duplicated := n-len(ids), 0
	var maxRecovery time.Duration
	notices := map[string]int{}
	for _, id := range ids {
		rec, err := repo.Get(ctx, id)
		require.NoError(t, err)
		require.Contains(t, []capture.State{capture.Approved, capture.Rejected, capture.Blocked}, rec.State, "%s ends", id)
		seen := map[capture.Cause]bool{}
		for _, e := range rec.History {
			if seen[e.Cause] {
				duplicated++
				t.Errorf("%s: %s twice", id, e.Cause)
			}
			seen[e.Cause] = true
			if e.Notice != "" {
				notices[id+" "+e.Notice] = 0
			}
		}
		j, err := repo.Journey(ctx, "load", rec.StudentID)
		require.NoError(t, err)
		require.LessOrEqual(t, len(j.Slots), 1, "%s: one standardization charged", rec.StudentID)
		for _, k := range killed {
			if rec.CreatedAt.Before(k.at) && rec.UpdatedAt.After(k.at) {
				maxRecovery = max(maxRecovery, rec.UpdatedAt.Sub(k.at))
			}
		}
	}
	// Each message logged once across every worker process.
	for _, w := range workers {
		f, err := os.Open(w.log)
		require.NoError(t, err)
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var raw map[string]any
			if json.Unmarshal(sc.Bytes(), &raw) != nil || raw["message"] != "notification (log notifier: not sent)" {
				continue
			}
			id, _ := raw["capture_id"].(string)
			notice, _ := raw["notice"].(string)
			k := id + " " + notice
			notices[k]++
			if notices[k] > 1 {
				duplicated++
				t.Errorf("%s sent twice", k)
			}
		}
		f.Close()
	}
	// Every message the history owes was sent exactly once.
	unsent := 0
	for k, c := range notices {
		if c == 0 {
			unsent++
			t.Errorf("%s never sent", k)
		}
	}
	require.NotEmpty(t, notices, "the run sent messages")
	// No object without its capture.
	objects, err := filepath.Glob(filepath.Join(dir, "data", "schools", "load", "captures", "*"))
	require.NoError(t, err)
	for _, o := range objects {
		_, err := repo.Get(ctx, filepath.Base(o))
		require.NoError(t, err, "orphaned object %s", o)
	}
	line := fmt.Sprintf("chaos: captures=%d kills=%d redis_restarts=0 lost=%d duplicated=%d max_recovery_s=%.0f",
		n, len(killed), lost+unsent, duplicated, maxRecovery.Seconds())
	t.Log(line)
	if p := os.Getenv("RECHECK_CHAOS_REPORT"); p != "" {
		require.NoError(t, os.WriteFile(p, []byte(line+"\n"), 0o644))
	}
	require.Zero(t, lost+unsent)
	require.Zero(t, duplicated)
	require.Equal(t, kills, len(killed))
	require.True(t, strings.HasPrefix(line, "chaos:"))
}
