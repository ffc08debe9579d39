package redisconn_test

import (
	"context"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/redisconn"
	"github.com/recheck/recheck/internal/redistest"
)

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
	sent := redistest.StartSentinels(t, redistest.SentinelOptions{})
	_, primaryPort, _ := net.SplitHostPort(sent.PrimaryAddr)
	_, replicaPort, _ := net.SplitHostPort(sent.ReplicaAddr)
	rdb, err := redisconn.Open(sent.URL)
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
	redistest.WaitUntil(t, 20*time.Second, "the client reaches the primary", func() bool { return port() == primaryPort })
	require.NoError(t, rdb.Set(ctx, "acknowledged", "1", 0).Err())
	n, err := rdb.Wait(ctx, 1, 2*time.Second).Result()
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "one replica has the write before it counts as acknowledged")
	queue := asynq.NewClientFromRedisClient(rdb)
	_, err = queue.Enqueue(asynq.NewTask("probe", nil), asynq.TaskID("before"))
	require.NoError(t, err)

	killed := time.Now()
	sent.KillPrimary()
	redistest.WaitUntil(t, 60*time.Second, "a write after the failover", func() bool {
		return rdb.Set(ctx, "after", "1", 0).Err() == nil
	})
	t.Logf("the client wrote again %s after the primary was killed", time.Since(killed).Round(100*time.Millisecond))
	require.Equal(t, replicaPort, port(), "the promoted replica is the primary now")
	v, err := rdb.Get(ctx, "acknowledged").Result()
	require.NoError(t, err)
	require.Equal(t, "1", v, "a write the replica acknowledged survives the failover")
	_, err = queue.Enqueue(asynq.NewTask("probe", nil), asynq.TaskID("after"))
	require.NoError(t, err, "asynq follows through the same client")
	info, err := asynq.NewInspectorFromRedisClient(rdb).GetTaskInfo("default", "before")
	require.NoError(t, err, "the task queued before the failover is still queued")
	require.Equal(t, asynq.TaskStatePending, info.State)
}
