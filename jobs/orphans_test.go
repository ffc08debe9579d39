package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/keyspace"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/jobs"
)

// orphan enqueues a task and moves it to the active list as a failover to
// a replica that missed asynq's lease write would leave it: active, with
// no lease.
func orphan(t *testing.T, rdb *redis.Client, id string) {
	t.Helper()
	ctx := context.Background()
	_, err := asynq.NewClientFromRedisClient(rdb).Enqueue(asynq.NewTask("probe", nil), asynq.TaskID(id), asynq.Queue(jobs.QueueNotify))
	require.NoError(t, err)
	require.NoError(t, rdb.LRem(ctx, keyspace.PendingCaptures(jobs.QueueNotify), 0, id).Err())
	require.NoError(t, rdb.LPush(ctx, keyspace.ActiveTasks(jobs.QueueNotify), id).Err())
	require.NoError(t, rdb.HSet(ctx, "asynq:{notify}:t:"+id, "state", "active").Err())
}

// TestRecoverOrphans: a task left active without a lease gets one that
// expires at the time given; a leased active task keeps its lease; a
// second pass finds nothing.
func TestRecoverOrphans(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	orphan(t, srv.Client, "lost")
	require.NoError(t, srv.Client.LPush(ctx, keyspace.ActiveTasks(jobs.QueueNotify), "running").Err())
	require.NoError(t, srv.Client.ZAdd(ctx, keyspace.Leases(jobs.QueueNotify), redis.Z{Score: 4102444800, Member: "running"}).Err())

	now := time.Unix(1_900_000_000, 0)
	n, err := jobs.RecoverOrphans(ctx, srv.Client, now)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	got, err := srv.Client.ZScore(ctx, keyspace.Leases(jobs.QueueNotify), "lost").Result()
	require.NoError(t, err)
	require.EqualValues(t, now.Unix(), got, "a lease that expires now")
	got, err = srv.Client.ZScore(ctx, keyspace.Leases(jobs.QueueNotify), "running").Result()
	require.NoError(t, err)
	require.EqualValues(t, 4102444800, got, "a running task's lease is left alone")

	n, err = jobs.RecoverOrphans(ctx, srv.Client, now)
	require.NoError(t, err)
	require.Zero(t, n)
}

// TestOrphanRunsAgain: asynq itself never retries an active task without a
// lease (hibiken/asynq#1144); once RecoverOrphans has leased it, an asynq
// server's recoverer does, and the handler runs it. The lease given is
// already more than asynq's 30 s of clock skew old, so the recoverer's
// first pass, at the server's start, takes it.
func TestOrphanRunsAgain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := redistest.Start(t)
	orphan(t, srv.Client, "lost")
	n, err := jobs.RecoverOrphans(ctx, srv.Client, time.Now().Add(-31*time.Second))
	require.NoError(t, err)
	require.Equal(t, 1, n)

	ran := make(chan string, 1)
	server := asynq.NewServerFromRedisClient(srv.Client, asynq.Config{
		Concurrency: 1, Queues: jobs.QueueWeights,
		TaskCheckInterval: 20 * time.Millisecond, DelayedTaskCheckInterval: 20 * time.Millisecond,
		RetryDelayFunc: func(int, error, *asynq.Task) time.Duration { return 0 },
		LogLevel:       asynq.FatalLevel,
	})
	require.NoError(t, server.Start(asynq.HandlerFunc(func(ctx context.Context, task *asynq.Task) error {
		id, _ := asynq.GetTaskID(ctx)
		ran <- id
		return nil
	})))
	defer server.Shutdown()
	select {
	case id := <-ran:
		require.Equal(t, "lost", id)
	case <-time.After(time.Minute):
		t.Fatal("the orphaned task was not run again")
	}
}
