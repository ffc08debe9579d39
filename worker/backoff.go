package worker

import (
	"errors"
	"math/rand/v2"
	"time"

	"github.com/hibiken/asynq"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/jobs"
)

// retryDelay is the backoff of a failed task. A task whose worker died
// (its lease expired: asynq finds it a minute or two after the crash) runs
// again after a second: it did not fail, and the student has waited
// already. Messages to WeChat and the upstream wait 10 s, 20 s, 40 s, … up
// to an hour, with a fifth of jitter, so that a busy WeChat (-1, 45009) or
// an upstream that is down is not hammered; capture stages keep asynq's
// default (n⁴ + 15 s + jitter). A change no replica confirmed in time
// (capture.ErrNotReplicated: a replica lagging, or a failover under way)
// is tried again after 1 s, 2 s, 4 s, … up to 30 s: it is the store that
// was slow, not the task that failed.
//
// A message run before it is due (notYet) waits exactly the rest.
func retryDelay(n int, err error, t *asynq.Task) time.Duration {
	if errors.Is(err, asynq.ErrLeaseExpired) {
		return time.Second
	}
	var ny *notYet
	if errors.As(err, &ny) {
		return ny.wait
	}
	if errors.Is(err, capture.ErrNotReplicated) {
		return min(time.Second<<min(n, 5), 30*time.Second)
	}
	switch t.Type() {
	case jobs.TypeNotify, jobs.TypeNotifyStudent, jobs.TypeCallback:
		d := 10 * time.Second << min(n, 9)
		d = min(d, time.Hour)
		return d + time.Duration(rand.Int64N(int64(d/5)+1))
	}
	return asynq.DefaultRetryDelayFunc(n, err, t)
}
