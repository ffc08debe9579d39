package jobs

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/recheck/recheck/internal/keyspace"
)

// adoptOrphans gives each task of the active list (KEYS[1]) that has no
// entry in the lease set (KEYS[2]) a lease expiring at ARGV[1], and returns
// how many it gave. asynq moves a task into the active list and leases it
// in one script, and removes both together, so an active task without a
// lease is never a step of asynq's own: it is what a failover to a replica
// that missed writes, a restore from an older file, or an eviction leaves.
var adoptOrphans = redis.NewScript(`
local n = 0
for _, id in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  if not redis.call('ZSCORE', KEYS[2], id) then
    redis.call('ZADD', KEYS[2], ARGV[1], id)
    n = n + 1
  end
end
return n`)

// RecoverOrphans gives every task left active without a lease a lease
// that expires at now (asynq's recoverer ignores such tasks forever:
// hibiken/asynq#1144, fix proposed in #1158), and returns how many it
// found. A worker still running the task extends the lease at its next
// heartbeat (every 5 s); otherwise asynq's recoverer, which takes leases
// expired more than 30 s ago and runs every minute, retries the task. The
// worker calls it every sweep interval, so an orphan is running again
// within sweep interval + 30 s + 60 s (two minutes with the defaults).
func RecoverOrphans(ctx context.Context, rdb redis.Scripter, now time.Time) (int, error) {
	total := 0
	queues := make([]string, 0, len(QueueWeights))
	for q := range QueueWeights {
		queues = append(queues, q)
	}
	slices.Sort(queues)
	for _, q := range queues {
		n, err := adoptOrphans.Run(ctx, rdb, []string{keyspace.ActiveTasks(q), keyspace.Leases(q)}, now.Unix()).Int()
		if err != nil {
			return total, fmt.Errorf("jobs: recover orphaned tasks of queue %s: %w", q, err)
		}
		total += n
	}
	return total, nil
}
