package worker

import (
	"context"
	"net"
	"sync/atomic"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"
)

// redisGrace is how long a task during which Redis was unreachable waits
// for Redis to answer again before it ends as it is. It stays under
// asynq's 30 s lease, which the heartbeat cannot extend during the outage.
const redisGrace = 20 * time.Second

// maxRideOuts bounds how often one delivery of a task is run again.
const maxRideOuts = 3

// redisWatch is a go-redis hook that notes when a connection to Redis
// could not be opened: the sign of an outage, whatever error the caller
// saw and however it wrapped it. The pool's background redials go
// through it too, so an outage keeps the mark fresh.
type redisWatch struct{ failedAt atomic.Int64 }

// DialHook implements redis.Hook.
func (w *redisWatch) DialHook(next redis.DialHook) redis.DialHook {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := next(ctx, network, addr)
		if err != nil {
			w.failedAt.Store(time.Now().UnixNano())
		}
		return c, err
	}
}

// ProcessHook implements redis.Hook.
func (w *redisWatch) ProcessHook(next redis.ProcessHook) redis.ProcessHook { return next }

// ProcessPipelineHook implements redis.Hook.
func (w *redisWatch) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return next
}

// failedSince reports whether a dial failed at or after t.
func (w *redisWatch) failedSince(t time.Time) bool {
	return w.failedAt.Load() >= t.UnixNano()
}

// rideOutRedis keeps a task out of asynq's lease recovery when Redis goes
// away under it. asynq v0.26 cannot write a task's outcome (done, or
// failed and due for a retry) while Redis is down, and the sync it
// schedules instead reuses a context already cancelled, so the task waits
// for lease recovery, 60-125 s, though the outage lasted seconds. So when a
// dial to Redis failed while the task ran, the task waits for Redis to
// answer again (up to grace) before it returns: a success is then written
// at once, and a failure runs the task again in place (handlers are
// idempotent: a stage already done only completes its follow-ups).
// Permanent failures, failures with Redis answering throughout, and an
// outage longer than grace go to asynq as they are.
func rideOutRedis(rdb redis.UniversalClient, grace time.Duration) asynq.MiddlewareFunc {
	w := &redisWatch{}
	rdb.AddHook(w)
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			for n := 0; ; n++ {
				start := time.Now()
				err := next.ProcessTask(ctx, t)
				if isPermanent(err) || ctx.Err() != nil || !w.failedSince(start) {
					return err
				}
				l := zerolog.Ctx(ctx)
				l.Warn().Err(err).Msg("Redis was unreachable during the task; waiting for it before the task ends")
				if !waitForRedis(ctx, rdb, grace) || err == nil || n == maxRideOuts {
					return err
				}
				l.Info().Msg("Redis answers again; running the task again")
			}
		})
	}
}

// waitForRedis pings Redis, backing off from 100 ms to 2 s, until it
// answers (true) or grace has passed or ctx is done (false).
func waitForRedis(ctx context.Context, rdb redis.UniversalClient, grace time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, grace)
	defer cancel()
	for delay := 100 * time.Millisecond; ; delay = min(2*delay, 2*time.Second) {
		pctx, pcancel := context.WithTimeout(ctx, time.Second)
		err := rdb.Ping(pctx).Err()
		pcancel()
		if err == nil {
			return true
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(delay):
		}
	}
}
