package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
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

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/keyspace"
	"github.com/recheck/recheck/internal/loadtest"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
	"github.com/recheck/recheck/jobs"
)

// TestMain runs a recheck role instead of the tests when a fault test
// starts this binary as one of its processes (one it can kill -9 or put on
// another test host): RECHECK_CHAOS_ROLE names the role (worker, intake),
// RECHECK_CHAOS_WORKER=1 means worker.
func TestMain(m *testing.M) {
	role := os.Getenv("RECHECK_CHAOS_ROLE")
	if role == "" && os.Getenv("RECHECK_CHAOS_WORKER") == "1" {
		role = "worker"
	}
	if role != "" {
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
		defer stop()
		os.Exit(run(ctx, []string{role}, os.Getenv, io.Discard, os.Stderr))
	}
	os.Exit(m.Run())
}

// chaosWorker is one worker process of the chaos test.
type chaosWorker struct {
	cmd *exec.Cmd
	log string
	// exited is closed when the process has ended.
	exited chan struct{}
}

func startChaosWorker(t *testing.T, env map[string]string, logPath string) *chaosWorker {
	t.Helper()
	return startRoleProcess(t, "worker", nil, env, logPath)
}

// startRoleProcess starts this test binary as a recheck role, its command
// line prefixed by wrap (e.g. ip netns exec: on a test host), logging to
// logPath.
func startRoleProcess(t *testing.T, role string, wrap []string, env map[string]string, logPath string) *chaosWorker {
	t.Helper()
	f, err := os.Create(logPath)
	require.NoError(t, err)
	argv := append(append([]string{}, wrap...), os.Args[0], "-test.run=^$")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "RECHECK_CHAOS_ROLE="+role)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	require.NoError(t, cmd.Start())
	w := &chaosWorker{cmd: cmd, log: logPath, exited: make(chan struct{})}
	go func() { _ = cmd.Wait(); f.Close(); close(w.exited) }()
	return w
}

// splitService starts Redis (append-only file on) and the intake API in
// this process, and returns the environment of a worker process beside it.
func splitService(t *testing.T) (*redistest.Server, string, *service, map[string]string) {
	t.Helper()
	rs := redistest.StartWith(t, redistest.Options{AOF: true})
	dir := t.TempDir()
	api := startRoles(t, rs, dir, roles{intake: true})
	env := serviceEnv(rs, dir)
	env["RECHECK_MODELS_DIR"] = testmodels.Dir(t)
	env["RECHECK_OPS_ADDR"] = "127.0.0.1:0"
	env["RECHECK_LOG_FORMAT"] = "json"
	return rs, dir, api, env
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
	if testing.Short() {
		t.Skip("-short: this test kills a worker process amid captures (a minute or two); make test runs it")
	}
	n, kills := envInt("RECHECK_CHAOS_CAPTURES", 16), envInt("RECHECK_CHAOS_KILLS", 1)
	rs, dir, api, env := splitService(t)
	env["RECHECK_POLL_INTERVAL"] = "100ms"
	logDir := t.TempDir()
	var mu sync.Mutex
	workers := []*chaosWorker{startChaosWorker(t, env, filepath.Join(logDir, "worker-0.log"))}
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
			workers = append(workers, startChaosWorker(t, env, filepath.Join(logDir, fmt.Sprintf("worker-%d.log", k))))
			mu.Unlock()
		}
	}()
	rep, err := loadtest.Run(ctx, loadtest.Options{
		Base: api.base, KeyID: devKeyID, Secret: secret, Token: adminToken(t, dir),
		Captures: n, Concurrency: 4, School: "load", Photos: loadPhotos(t), Size: loadtest.Size1MP, Redis: rs.Client,
		Progress: func(d, _ int, _ map[string]int) { done.Store(int64(d)) },
	})
	<-killer
	require.NoError(t, err)
	require.Empty(t, rep.Errors)

	var logs []io.Reader
	for _, w := range workers {
		f, err := os.Open(w.log)
		require.NoError(t, err)
		defer f.Close()
		logs = append(logs, f)
	}
	var at []time.Time
	for _, k := range killed {
		at = append(at, k.at)
	}
	o := verifyRun(t, ctx, env, rs, n, logs, at)
	line := fmt.Sprintf("chaos: captures=%d kills=%d redis_restarts=0 lost=%d duplicated=%d max_recovery_s=%.0f",
		n, len(killed), o.lost, o.duplicated, o.maxRecovery.Seconds())
	t.Log(line)
	report(t, line)
	require.Zero(t, o.lost)
	require.Zero(t, o.duplicated)
	require.Equal(t, kills, len(killed))
	require.True(t, strings.HasPrefix(line, "chaos:"))
}

// outcome is what a chaos run's verification found.
type outcome struct {
	lost, duplicated int
	maxRecovery      time.Duration
}

// verifyRun checks a chaos run: checkCaptures, and every message the
// histories owe logged exactly once in logs; recovery is measured from each
// fault to the last capture that was in flight at it.
func verifyRun(t *testing.T, ctx context.Context, env map[string]string, rs *redistest.Server, n int, logs []io.Reader, faults []time.Time) outcome {
	t.Helper()
	waitQueuesIdle(t, ctx, rs)
	cfg, err := loadConfig(nil, func(k string) string { return env[k] })
	require.NoError(t, err)
	repo, store, err := openRepository(ctx, cfg, rs.Client)
	require.NoError(t, err)
	recs, duplicated := checkCaptures(t, ctx, repo, store)
	lost := n - len(recs)
	var maxRecovery time.Duration
	notices := map[string]int{}
	for _, rec := range recs {
		for _, e := range rec.History {
			if e.Notice != "" {
				notices[rec.ID+" "+e.Notice] = 0
			}
		}
		for _, at := range faults {
			if rec.CreatedAt.Before(at) && rec.UpdatedAt.After(at) {
				maxRecovery = max(maxRecovery, rec.UpdatedAt.Sub(at))
			}
		}
	}
	// Each message logged once across every worker process.
	for _, f := range logs {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
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
	return outcome{lost: lost + unsent, duplicated: duplicated, maxRecovery: maxRecovery}
}

// TestRedisRestart stops Redis (append-only file on) in the middle of a
// run and starts it again a few seconds later: meanwhile the API answers
// 503 with Retry-After (not 500, not a hang), the workers reconnect, and
// the run completes with the same guarantees as TestWorkerCrash.
func TestRedisRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test restarts Redis amid captures; make test runs it")
	}
	n := envInt("RECHECK_CHAOS_CAPTURES", 16)
	rs := redistest.StartWith(t, redistest.Options{AOF: true})
	dir := t.TempDir()
	s := startRoles(t, rs, dir, roles{intake: true, worker: true})
	env := serviceEnv(rs, dir)
	secret, _, err := devKey(filepath.Join(dir, "dev", devKeysFile))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	var done atomic.Int64
	var down time.Time
	var answered int
	var waited time.Duration
	restarted := make(chan struct{})
	go func() {
		defer close(restarted)
		for done.Load() < int64(n/3) && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		rs.Stop()
		down = time.Now()
		start := time.Now()
		resp, err := s.up.Get(ctx, "/v1/schools/load/students/nobody")
		waited = time.Since(start)
		if err == nil {
			answered = resp.Status
		}
		time.Sleep(3 * time.Second)
		rs.Relaunch(t)
	}()
	rep, err := loadtest.Run(ctx, loadtest.Options{
		Base: s.base, KeyID: devKeyID, Secret: secret, Token: adminToken(t, dir),
		Captures: n, Concurrency: 4, School: "load", Photos: loadPhotos(t), Size: loadtest.Size1MP,
		Progress: func(d, _ int, _ map[string]int) { done.Store(int64(d)) },
	})
	<-restarted
	require.NoError(t, err)
	require.Empty(t, rep.Errors)
	require.Equal(t, http.StatusServiceUnavailable, answered, "503 while Redis is down")
	require.Less(t, waited, 20*time.Second, "an answer, not a hang")
	o := verifyRun(t, ctx, env, rs, n, []io.Reader{&logReader{s: s}}, []time.Time{down})
	line := fmt.Sprintf("chaos: captures=%d kills=0 redis_restarts=1 lost=%d duplicated=%d max_recovery_s=%.0f",
		n, o.lost, o.duplicated, o.maxRecovery.Seconds())
	t.Logf("%s (the API answered 503 %s after Redis stopped)", line, waited.Round(time.Millisecond))
	report(t, line)
	require.Zero(t, o.lost)
	require.Zero(t, o.duplicated)
}

// logReader reads an in-process service's log as it is when first read:
// verifyRun reads it after the queues are idle, when every message is in.
type logReader struct {
	s *service
	r io.Reader
}

func (l *logReader) Read(p []byte) (int, error) {
	if l.r == nil {
		l.r = strings.NewReader(l.s.logs.String())
	}
	return l.r.Read(p)
}

// report appends a chaos line to $RECHECK_CHAOS_REPORT (make chaos sums
// them into one).
func report(t *testing.T, line string) {
	t.Helper()
	p := os.Getenv("RECHECK_CHAOS_REPORT")
	if p == "" {
		return
	}
	f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	require.NoError(t, err)
	defer f.Close()
	_, err = fmt.Fprintln(f, line)
	require.NoError(t, err)
}

// TestWorkerShutdown sends SIGTERM to the worker process in the middle of a
// run: it ends within its shutdown timeout, finishing or handing back what
// it was running, so that a new worker goes on at once (no lease to wait
// out) and the run completes with the same guarantees.
func TestWorkerShutdown(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test stops worker processes amid captures; make test runs it")
	}
	n := envInt("RECHECK_CHAOS_CAPTURES", 12)
	rs, dir, api, env := splitService(t)
	logDir := t.TempDir()
	first := startChaosWorker(t, env, filepath.Join(logDir, "worker-0.log"))
	secret, _, err := devKey(filepath.Join(dir, "dev", devKeysFile))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	var done atomic.Int64
	type stop struct {
		at     time.Time
		took   time.Duration
		second *chaosWorker
	}
	stops := make(chan stop, 1)
	go func() {
		for done.Load() < int64(n/3) && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		at := time.Now()
		_ = first.cmd.Process.Signal(syscall.SIGTERM)
		<-first.exited
		stops <- stop{at: at, took: time.Since(at), second: startChaosWorker(t, env, filepath.Join(logDir, "worker-1.log"))}
	}()
	rep, err := loadtest.Run(ctx, loadtest.Options{
		Base: api.base, KeyID: devKeyID, Secret: secret, Token: adminToken(t, dir),
		Captures: n, Concurrency: 4, School: "load", Photos: loadPhotos(t), Size: loadtest.Size1MP,
		Progress: func(d, _ int, _ map[string]int) { done.Store(int64(d)) },
	})
	st := <-stops
	second, stopped, took := st.second, st.at, st.took
	t.Cleanup(func() {
		_ = second.cmd.Process.Signal(syscall.SIGTERM)
		<-second.exited
	})
	require.NoError(t, err)
	require.Empty(t, rep.Errors)
	shutdown, err := time.ParseDuration(env["RECHECK_SHUTDOWN_TIMEOUT"])
	require.NoError(t, err)
	require.Less(t, took, shutdown+5*time.Second, "the worker ended within its shutdown timeout")
	var logs []io.Reader
	for _, p := range []string{first.log, second.log} {
		f, err := os.Open(p)
		require.NoError(t, err)
		defer f.Close()
		logs = append(logs, f)
	}
	o := verifyRun(t, ctx, env, rs, n, logs, []time.Time{stopped})
	t.Logf("SIGTERM: the worker ended %s after it, the last capture in flight finished %s after it; lost %d, duplicated %d",
		took.Round(time.Millisecond), o.maxRecovery.Round(time.Millisecond), o.lost, o.duplicated)
	require.Zero(t, o.lost)
	require.Zero(t, o.duplicated)
	require.Less(t, o.maxRecovery, 30*time.Second, "handed back, not left to a lease")
}

// waitQueuesIdle waits until no task is pending, running, scheduled or
// retrying in any queue and no change waits in the outbox, read in one
// transaction: a capture is final before its durable copy is written and
// its message dispatched, and a message a killed worker held waits for
// asynq's lease recovery.
func waitQueuesIdle(t *testing.T, ctx context.Context, rs *redistest.Server) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(100 * time.Millisecond) {
		var counts []*redis.IntCmd
		_, err := rs.Client.TxPipelined(ctx, func(p redis.Pipeliner) error {
			for q := range jobs.QueueWeights {
				base := "asynq:{" + q + "}:"
				counts = append(counts, p.LLen(ctx, base+"pending"), p.LLen(ctx, base+"active"),
					p.ZCard(ctx, base+"scheduled"), p.ZCard(ctx, base+"retry"))
			}
			counts = append(counts, p.HLen(ctx, keyspace.Outbox))
			return nil
		})
		require.NoError(t, err)
		busy := int64(0)
		for _, c := range counts {
			busy += c.Val()
		}
		if busy == 0 {
			return
		}
		require.True(t, time.Now().Before(deadline), "the queues never emptied: %d tasks", busy)
	}
}
