package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/loadtest"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/internal/testmodels"
)

// TestRedisFailover runs captures through the intake API (this process)
// and a worker process, both given the Sentinels' redis-sentinel:// URL
// (so each change is acknowledged once the replica has it), and kills the
// primary with SIGKILL a third of the way through, starting it again 5 s
// later as its service manager would. The Sentinels promote the replica
// and make the old primary its replica; both processes follow without a
// restart (meanwhile, with no replica connected, changes are acknowledged
// on the new primary alone: RECHECK_REDIS_ACK_REPLICAS=auto); every capture
// that was accepted reaches its final state exactly once: none lost, no
// transition twice, no message twice, no standardization charged twice,
// no task left active. It reports the time from the kill to the first
// capture accepted after it, and to the last capture in flight at the
// kill reaching its final state. make test runs 16 captures; make chaos
// RECHECK_CHAOS_CAPTURES (300).
func TestRedisFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test fails Redis over amid captures; make test runs it")
	}
	n := envInt("RECHECK_CHAOS_CAPTURES", 16)
	sent := redistest.StartSentinels(t, redistest.SentinelOptions{})
	rs := sent.Server(t)
	dir := t.TempDir()
	failover := map[string]string{"RECHECK_SWEEP_INTERVAL": "5s"}
	api := startRoles(t, rs, dir, roles{intake: true}, failover)
	env := serviceEnv(rs, dir)
	env["RECHECK_MODELS_DIR"] = testmodels.Dir(t)
	env["RECHECK_LOG_FORMAT"] = "json"
	env["RECHECK_POLL_INTERVAL"] = "100ms"
	env["RECHECK_SWEEP_INTERVAL"] = failover["RECHECK_SWEEP_INTERVAL"]
	worker := startChaosWorker(t, env, filepath.Join(t.TempDir(), "worker.log"))
	t.Cleanup(func() { _ = worker.cmd.Process.Signal(syscall.SIGTERM) })

	secret, _, err := devKey(filepath.Join(dir, "dev", devKeysFile))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	var done atomic.Int64
	var mu sync.Mutex
	var killed, firstAccepted time.Time
	killer := make(chan struct{})
	go func() {
		defer close(killer)
		for done.Load() < int64(n/3) && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		mu.Lock()
		killed = time.Now()
		mu.Unlock()
		sent.KillPrimary()
		// Its machine's service manager starts it again; the Sentinels
		// make it a replica of the promoted one.
		time.Sleep(5 * time.Second)
		sent.RestartPrimary(t)
	}()
	rep, err := loadtest.Run(ctx, loadtest.Options{
		Base: api.base, KeyID: devKeyID, Secret: secret, Token: adminToken(t, dir),
		Captures: n, Concurrency: 4, School: "load", Photos: loadPhotos(t), Size: loadtest.Size1MP,
		Progress: func(d, _ int, _ map[string]int) { done.Store(int64(d)) },
		Accepted: func(at time.Time) {
			mu.Lock()
			defer mu.Unlock()
			if !killed.IsZero() && at.After(killed) && firstAccepted.IsZero() {
				firstAccepted = at
			}
		},
	})
	<-killer
	require.NoError(t, err)
	require.Empty(t, rep.Errors)
	require.False(t, firstAccepted.IsZero(), "a capture was accepted after the failover")

	f, err := os.Open(worker.log)
	require.NoError(t, err)
	defer f.Close()
	o := verifyRun(t, ctx, env, rs, n, []io.Reader{&logReader{s: api}, f}, []time.Time{killed})
	line := fmt.Sprintf("chaos: captures=%d kills=0 redis_restarts=0 failovers=1 lost=%d duplicated=%d max_recovery_s=%.0f",
		n, o.lost, o.duplicated, o.maxRecovery.Seconds())
	t.Logf("%s (first capture accepted %s after the kill; the last one in flight at it final %s after)",
		line, firstAccepted.Sub(killed).Round(100*time.Millisecond), o.maxRecovery.Round(100*time.Millisecond))
	report(t, line)
	require.Zero(t, o.lost)
	require.Zero(t, o.duplicated)
	require.Contains(t, sent.Log("sentinel-0"), "+switch-master", "the Sentinels failed over")
	old := redis.NewClient(&redis.Options{Addr: sent.PrimaryAddr})
	defer old.Close()
	redistest.WaitUntil(t, time.Minute, "the old primary is a replica again", func() bool {
		info, err := old.Info(ctx, "replication").Result()
		return err == nil && strings.Contains(info, "role:slave") && strings.Contains(info, "master_link_status:up")
	})
}
