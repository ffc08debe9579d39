package redisconn_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/redisconn"
)

// freePort returns a TCP port nothing listens on now.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// server starts redis-server with args (in its own directory) and stops it
// at the end of the test; it returns the process.
func server(t *testing.T, args ...string) *exec.Cmd {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server is not installed (make setup installs it)")
	}
	cmd := exec.Command(bin, args...)
	cmd.Dir = t.TempDir()
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd
}

func waitFor(t *testing.T, within time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestSentinelFailover: a primary with a replica (append-only files on)
// watched by three Sentinels; a client opened from a redis-sentinel:// URL
// writes, the primary is killed (SIGKILL), the Sentinels promote the
// replica, and the same client — recheck's records and asynq's queues alike
// — writes again without being reopened; what was acknowledged by the
// replica before the kill is still there.
func TestSentinelFailover(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test runs five Redis processes through a failover; make test runs it")
	}
	t.Parallel()
	ctx := context.Background()
	primaryPort, replicaPort := freePort(t), freePort(t)
	primary := server(t, "--port", fmt.Sprint(primaryPort), "--bind", "127.0.0.1", "--appendonly", "yes", "--save", "")
	server(t, "--port", fmt.Sprint(replicaPort), "--bind", "127.0.0.1", "--appendonly", "yes", "--save", "",
		"--replicaof", "127.0.0.1", fmt.Sprint(primaryPort))
	var sentinels []string
	for range 3 {
		port := freePort(t)
		conf := filepath.Join(t.TempDir(), "sentinel.conf")
		require.NoError(t, os.WriteFile(conf, []byte(fmt.Sprintf(`port %d
bind 127.0.0.1
sentinel monitor recheck 127.0.0.1 %d 2
sentinel down-after-milliseconds recheck 1000
sentinel failover-timeout recheck 5000
sentinel parallel-syncs recheck 1
`, port, primaryPort)), 0o600))
		server(t, conf, "--sentinel")
		sentinels = append(sentinels, fmt.Sprintf("127.0.0.1:%d", port))
	}

	rdb, err := redisconn.Open("redis-sentinel://" + strings.Join(sentinels, ",") + "/recheck")
	require.NoError(t, err)
	defer rdb.Close()
	port := func() string {
		info, err := rdb.Info(ctx, "server").Result()
		if err != nil {
			return ""
		}
		for _, line := range strings.Split(info, "\r\n") {
			if p, ok := strings.CutPrefix(line, "tcp_port:"); ok {
				return p
			}
		}
		return ""
	}
	waitFor(t, 20*time.Second, "the client reaches the primary", func() bool { return port() == fmt.Sprint(primaryPort) })
	replica := redis.NewClient(&redis.Options{Addr: fmt.Sprintf("127.0.0.1:%d", replicaPort)})
	defer replica.Close()
	waitFor(t, 20*time.Second, "the replica is in sync", func() bool {
		info, _ := replica.Info(ctx, "replication").Result()
		return strings.Contains(info, "master_link_status:up")
	})
	// A failover needs the Sentinels to know each other and the replica
	// (they learn it from each other's hello messages, every 2 s);
	// killing the primary sooner only makes the first election fail.
	for _, addr := range sentinels {
		s := redis.NewSentinelClient(&redis.Options{Addr: addr})
		defer s.Close()
		waitFor(t, 30*time.Second, "sentinel "+addr+" knows the others and the replica", func() bool {
			m, err := s.Master(ctx, "recheck").Result()
			return err == nil && m["num-other-sentinels"] == "2" && m["num-slaves"] == "1"
		})
	}
	require.NoError(t, rdb.Set(ctx, "acknowledged", "1", 0).Err())
	n, err := rdb.Wait(ctx, 1, 2*time.Second).Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "one replica has the write before it counts as acknowledged")
	queue := asynq.NewClientFromRedisClient(rdb)
	_, err = queue.Enqueue(asynq.NewTask("probe", nil), asynq.TaskID("before"))
	require.NoError(t, err)

	killed := time.Now()
	require.NoError(t, primary.Process.Kill())
	waitFor(t, 60*time.Second, "a write after the failover", func() bool {
		return rdb.Set(ctx, "after", "1", 0).Err() == nil
	})
	t.Logf("the client wrote again %s after the primary was killed", time.Since(killed).Round(100*time.Millisecond))
	require.Equal(t, fmt.Sprint(replicaPort), port(), "the promoted replica is the primary now")
	v, err := rdb.Get(ctx, "acknowledged").Result()
	require.NoError(t, err)
	require.Equal(t, "1", v, "a write the replica acknowledged survives the failover")
	_, err = queue.Enqueue(asynq.NewTask("probe", nil), asynq.TaskID("after"))
	require.NoError(t, err, "asynq follows through the same client")
	info, err := asynq.NewInspectorFromRedisClient(rdb).GetTaskInfo("default", "before")
	require.NoError(t, err, "the task queued before the failover is still queued")
	require.Equal(t, asynq.TaskStatePending, info.State)
}
