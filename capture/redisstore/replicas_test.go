package redisstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/capture/redisstore"
	"github.com/recheck/recheck/internal/keyspace"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/storage"
)

// TestReplicatedCommit: with Replicas set, a change is acknowledged only
// once the replica has it; while the replica is connected but does not
// answer, the change is committed on the primary but reported as
// ErrNotReplicated (the API answers 503, a task retries), and its
// follow-ups wait in the outbox. With no replica connected at all, a
// strict repository goes on refusing, and the default one acknowledges
// on the primary alone and says so.
func TestReplicatedCommit(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test runs a primary, a replica and three Sentinels")
	}
	t.Parallel()
	ctx := context.Background()
	sent := redistest.StartSentinels(t, redistest.SentinelOptions{})
	rdb := sent.Server(t).Client
	fs, err := storage.NewFS(t.TempDir())
	require.NoError(t, err)
	disp := &recorder{}
	repo := redisstore.New(redisstore.Params{Redis: rdb, Store: fs, Dispatcher: disp, Replicas: 1, ReplicaWait: 300 * time.Millisecond, Alone: func() { t.Error("acknowledged alone with a replica connected") }})
	lc := capture.NewLifecycle(repo, capture.RuleSet{})
	replica := redis.NewClient(&redis.Options{Addr: sent.ReplicaAddr})
	defer replica.Close()

	_, err = lc.Submit(ctx, newRecord("c1", "S1"))
	require.NoError(t, err)
	require.NoError(t, replica.Get(ctx, keyspace.Capture("c1")).Err(), "acknowledged: the replica has it")

	sent.PauseReplica()
	defer sent.ResumeReplica()
	rec, err := lc.Submit(ctx, newRecord("c2", "S2"))
	require.ErrorIs(t, err, capture.ErrNotReplicated)
	require.Nil(t, rec, "not acknowledged")
	_, err = repo.Get(ctx, "c2")
	require.NoError(t, err, "committed on the primary: a retry finds it")
	pending, err := repo.Pending(ctx)
	require.NoError(t, err)
	require.Positive(t, pending, "its durable copy and follow-ups wait in the outbox")
	require.Equal(t, []capture.FollowupKind{capture.FollowStandardize}, disp.kinds(), "c2's standardization is not dispatched yet")

	sent.ResumeReplica()
	n, err := repo.SyncPending(ctx, 0)
	require.NoError(t, err)
	require.Positive(t, n)
	require.Equal(t, []capture.FollowupKind{capture.FollowStandardize, capture.FollowStandardize}, disp.kinds(), "the outbox dispatches it")

	sent.KillReplica()
	strict := redisstore.New(redisstore.Params{Redis: rdb, Store: fs, Dispatcher: disp, Replicas: 1, ReplicaWait: 300 * time.Millisecond, Strict: true})
	_, err = capture.NewLifecycle(strict, capture.RuleSet{}).Submit(ctx, newRecord("c3", "S3"))
	require.ErrorIs(t, err, capture.ErrNotReplicated, "strict: no replica, no acknowledgement")
	alone := 0
	lenient := redisstore.New(redisstore.Params{Redis: rdb, Store: fs, Dispatcher: disp, Replicas: 1, ReplicaWait: 300 * time.Millisecond, Alone: func() { alone++ }})
	rec, err = capture.NewLifecycle(lenient, capture.RuleSet{}).Submit(ctx, newRecord("c4", "S4"))
	require.NoError(t, err, "no replica connected: acknowledged on the primary alone")
	require.Equal(t, "c4", rec.ID)
	require.Equal(t, 1, alone, "and counted")
}

// BenchmarkReplicatedCommit measures what waiting for one replica costs a
// change: one capture's submission (one transaction) with Replicas 0 and 1,
// primary and replica on loopback.
func BenchmarkReplicatedCommit(b *testing.B) {
	sent := redistest.StartSentinels(b, redistest.SentinelOptions{})
	rdb := sent.Server(b).Client
	for _, replicas := range []int{0, 1} {
		b.Run(fmt.Sprintf("replicas=%d", replicas), func(b *testing.B) {
			repo := redisstore.New(redisstore.Params{Redis: rdb, Store: &memStore{m: map[string][]byte{}}, Dispatcher: &recorder{}, Replicas: replicas})
			lc := capture.NewLifecycle(repo, capture.RuleSet{})
			ctx := context.Background()
			run := time.Now().UnixNano() // b.N grows over runs of the same students
			b.ResetTimer()
			for i := range b.N {
				if _, err := lc.Submit(ctx, newRecord(fmt.Sprintf("r%d-%d-%d", replicas, run, i), fmt.Sprintf("S%d-%d-%d", replicas, run, i))); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
