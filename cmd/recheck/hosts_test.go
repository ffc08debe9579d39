package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/intake/client"
	"github.com/recheck/recheck/internal/loadtest"
	"github.com/recheck/recheck/internal/netns"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/internal/testmodels"
)

// ready reports whether url (a /readyz) answers 200.
func ready(url string) bool {
	resp, err := http.Get(url)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// TestHosts runs the service across four test hosts (network namespaces
// on a bridge): Redis, its replica and three Sentinels on one, the intake
// API on another, a worker on each of two more; the storage directory is
// shared, as an S3 bucket would be. A quarter of the way through, worker
// host 1 is cut off the network (its link down) for RECHECK_CHAOS_CUT
// (90 s: longer than asynq's lease and recovery, so that the other host
// finishes its tasks) and brought back, its process never stopped: its
// late work must change nothing. Half way through, the intake host is
// partitioned from the Redis host (its packets dropped) for 8 s: clients
// get 503 with Retry-After, never a 500 or a hang. Every capture then
// reaches its final state exactly once, as in TestWorkerCrash. Needs
// root, iproute2 and nftables (make chaos installs them); make chaos runs
// it (RECHECK_CHAOS_HOSTS=1) with RECHECK_CHAOS_CAPTURES captures.
func TestHosts(t *testing.T) {
	if testing.Short() || os.Getenv("RECHECK_CHAOS_HOSTS") != "1" {
		t.Skip("this test cuts and partitions test hosts for minutes: make chaos runs it (RECHECK_CHAOS_HOSTS=1)")
	}
	n := envInt("RECHECK_CHAOS_CAPTURES", 24)
	cut := time.Duration(envInt("RECHECK_CHAOS_CUT", 90)) * time.Second
	lan := netns.New(t)
	redisHost, intakeHost := lan.Host(t, "redis"), lan.Host(t, "intake")
	workerHosts := []*netns.Host{lan.Host(t, "w1"), lan.Host(t, "w2")}
	sent := redistest.StartSentinels(t, redistest.SentinelOptions{Host: redisHost.IP, Wrap: redisHost.Wrap()})
	rs := sent.Server(t)
	dir := t.TempDir()
	secret := devCredentials(t, dir)
	env := serviceEnv(rs, dir)
	env["RECHECK_MODELS_DIR"] = testmodels.Dir(t)
	env["RECHECK_LOG_FORMAT"] = "json"
	env["RECHECK_POLL_INTERVAL"] = "100ms"
	env["RECHECK_SWEEP_INTERVAL"] = "5s"

	calls := receiveCallbacks(t, lan.Gateway, dir, env)

	logs := t.TempDir()
	ienv := maps.Clone(env)
	ienv["RECHECK_HTTP_ADDR"] = intakeHost.IP + ":8080"
	ienv["RECHECK_OPS_ADDR"] = intakeHost.IP + ":9464"
	procs := []*chaosWorker{startRoleProcess(t, "intake", intakeHost.Wrap(), ienv, filepath.Join(logs, "intake.log"))}
	for i, h := range workerHosts {
		wenv := maps.Clone(env)
		wenv["RECHECK_OPS_ADDR"] = h.IP + ":9464"
		wenv["RECHECK_LOG_LEVEL"] = "debug" // "task started": what a host held when it was cut
		procs = append(procs, startRoleProcess(t, "worker", h.Wrap(), wenv, filepath.Join(logs, fmt.Sprintf("worker-%d.log", i+1))))
	}
	t.Cleanup(func() {
		for _, p := range procs {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
		}
	})
	base := "http://" + ienv["RECHECK_HTTP_ADDR"]
	redistest.WaitUntil(t, 2*time.Minute, "the intake host is ready", func() bool { return ready(base + "/readyz") })
	up := client.New(base, devKeyID, secret)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	var done atomic.Int64
	waitDone := func(k int) {
		for done.Load() < int64(k) && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
	}
	var faults []time.Time
	var held []string
	var partitionStatus int
	var partitionRetryAfter string
	var partitionWait time.Duration
	faulted := make(chan struct{})
	go func() {
		defer close(faulted)
		waitDone(n / 4)
		// Cut worker host 1 while it runs a task, so that the other host
		// must take it over.
		w1 := &taskWatch{path: procs[1].log}
		for held = w1.running(); len(held) == 0 && ctx.Err() == nil; held = w1.running() {
			time.Sleep(2 * time.Millisecond)
		}
		faults = append(faults, time.Now())
		workerHosts[0].Cut(t)
		select {
		case <-ctx.Done():
		case <-time.After(cut):
		}
		workerHosts[0].Restore(t)

		waitDone(n / 2)
		faults = append(faults, time.Now())
		intakeHost.Partition(t, redisHost)
		time.Sleep(time.Second) // the pooled connections' packets are being dropped now
		start := time.Now()
		resp, err := up.Get(ctx, "/v1/schools/load/students/nobody")
		partitionWait = time.Since(start)
		if err == nil {
			partitionStatus, partitionRetryAfter = resp.Status, resp.Header.Get("Retry-After")
		}
		time.Sleep(8 * time.Second)
		intakeHost.Heal(t)
	}()
	rep, err := loadtest.Run(ctx, loadtest.Options{
		Base: base, KeyID: devKeyID, Secret: secret, Token: adminToken(t, dir),
		Captures: n, Concurrency: 4, School: "load", Photos: loadPhotos(t), Size: loadtest.Size1MP,
		Progress: func(d, _ int, _ map[string]int) { done.Store(int64(d)) },
	})
	<-faulted
	require.NoError(t, err)
	require.Empty(t, rep.Errors)
	require.Equal(t, http.StatusServiceUnavailable, partitionStatus, "503 while the intake host cannot reach Redis")
	require.NotEmpty(t, partitionRetryAfter, "with Retry-After")
	require.Less(t, partitionWait, 20*time.Second, "an answer, not a hang")

	var readers []io.Reader
	for _, p := range procs {
		f, err := os.Open(p.log)
		require.NoError(t, err)
		defer f.Close()
		readers = append(readers, f)
	}
	require.NotEmpty(t, held, "worker host 1 ran a task when it was cut")
	byOther := (&taskWatch{path: procs[2].log}).finished(held)
	o := verifyRun(t, ctx, env, rs, n, readers, faults)
	owed, twice := calls.check(t, ctx, env, rs)
	o.duplicated += twice
	line := fmt.Sprintf("chaos: captures=%d kills=0 redis_restarts=0 failovers=0 host_cuts=1 partitions=1 lost=%d duplicated=%d max_recovery_s=%.0f",
		n, o.lost, o.duplicated, o.maxRecovery.Seconds())
	t.Logf("%s (worker host cut for %s while running %v, of which host 2 finished %d; the partitioned intake answered %d in %s; %d callbacks delivered, %d twice)",
		line, cut, held, byOther, partitionStatus, partitionWait.Round(time.Millisecond), owed, twice)
	report(t, line)
	require.Zero(t, o.lost)
	require.Zero(t, o.duplicated)
}

// callbackSink counts the callbacks a receiver on the test's own side of
// the bridge gets, by delivery ID.
type callbackSink struct {
	mu   sync.Mutex
	seen map[string]int
}

// receiveCallbacks starts a callback receiver on addr (the bridge's
// gateway: every host reaches it) and configures every school's upstream
// callbacks to it in env's schools document and callbacks file.
func receiveCallbacks(t *testing.T, addr, dir string, env map[string]string) *callbackSink {
	t.Helper()
	sink := &callbackSink{seen: map[string]int{}}
	ln, err := net.Listen("tcp", addr+":0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		sink.mu.Lock()
		sink.seen[r.Header.Get("X-Recheck-Delivery")]++
		sink.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	})}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Close() })
	settings := filepath.Join(dir, "dev", "callbacks.json")
	require.NoError(t, writeJSON(settings, map[string]string{"key_id": "hosts-test", "secret": strings.Repeat("s", 40)}, 0o600))
	var doc map[string]any
	raw, err := os.ReadFile(env["RECHECK_SCHOOLS"])
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &doc))
	doc["callbacks"] = map[string]any{"*": map[string]string{"url": "http://" + ln.Addr().String() + "/hooks/recheck"}}
	require.NoError(t, writeJSON(env["RECHECK_SCHOOLS"], doc, 0o600))
	env["RECHECK_CALLBACKS"] = settings
	return sink
}

// check finds every callback the captures' histories owe recorded as
// delivered, and each delivered (by its delivery ID) to the receiver; it
// returns how many were owed and how many arrived more than once.
func (c *callbackSink) check(t *testing.T, ctx context.Context, env map[string]string, rs *redistest.Server) (owed, twice int) {
	t.Helper()
	cfg, err := loadConfig(nil, func(k string) string { return env[k] })
	require.NoError(t, err)
	repo, _, err := openRepository(ctx, cfg, rs.Client)
	require.NoError(t, err)
	ids, err := repo.SchoolCaptures(ctx, "load", 0, 1<<30)
	require.NoError(t, err)
	for _, id := range ids {
		rec, err := repo.Get(ctx, id)
		require.NoError(t, err)
		for _, e := range rec.History {
			for _, cb := range e.Callbacks {
				owed++
				require.NotNil(t, cb.Delivered, "%s event %d: callback to %s not delivered", id, e.Seq, cb.Target)
			}
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	require.Len(t, c.seen, owed, "every owed callback reached the receiver, under its own delivery ID")
	for id, n := range c.seen {
		if n > 1 {
			twice++
			t.Errorf("callback delivery %s arrived %d times", id, n)
		}
	}
	return owed, twice
}

// taskWatch reads a worker's JSON log (at debug level) as it grows, for
// the tasks it has started and not ended.
type taskWatch struct {
	path    string
	offset  int64
	partial []byte
	open    map[string]bool
}

// running returns the tasks started and not yet ended, as logged so far.
func (w *taskWatch) running() []string {
	if w.open == nil {
		w.open = map[string]bool{}
	}
	f, err := os.Open(w.path)
	if err != nil {
		return nil
	}
	defer f.Close()
	if _, err := f.Seek(w.offset, io.SeekStart); err != nil {
		return nil
	}
	raw, _ := io.ReadAll(f)
	w.offset += int64(len(raw))
	raw = append(w.partial, raw...)
	lines := bytes.Split(raw, []byte("\n"))
	w.partial = append([]byte(nil), lines[len(lines)-1]...)
	for _, line := range lines[:len(lines)-1] {
		var e struct {
			TaskID  string `json:"task_id"`
			Message string `json:"message"`
		}
		if json.Unmarshal(line, &e) != nil || e.TaskID == "" {
			continue
		}
		switch e.Message {
		case "task started":
			w.open[e.TaskID] = true
		case "task done", "task failed":
			delete(w.open, e.TaskID)
		}
	}
	var out []string
	for id := range w.open {
		out = append(out, id)
	}
	return out
}

// finished counts the tasks of ids the log shows done.
func (w *taskWatch) finished(ids []string) int {
	raw, err := os.ReadFile(w.path)
	if err != nil {
		return 0
	}
	done := map[string]bool{}
	for _, line := range bytes.Split(raw, []byte("\n")) {
		var e struct {
			TaskID  string `json:"task_id"`
			Message string `json:"message"`
		}
		if json.Unmarshal(line, &e) == nil && e.Message == "task done" {
			done[e.TaskID] = true
		}
	}
	n := 0
	for _, id := range ids {
		if done[id] {
			n++
		}
	}
	return n
}
