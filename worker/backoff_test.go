package worker_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/worker"
)

func TestRetryDelay(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name     string
		n        int
		err      error
		task     *asynq.Task
		min, max time.Duration
	}{
		{"a crashed worker's task runs again at once", 0, asynq.ErrLeaseExpired, jobs.NewStandardize("c1"), time.Second, time.Second},
		{"a notification waits 10 s first", 0, boom, jobs.NewNotify("c1", 2), 10 * time.Second, 12 * time.Second},
		{"then doubles", 3, boom, jobs.NewCallback("c1", 2, "upstream"), 80 * time.Second, 96 * time.Second},
		{"up to an hour", 12, boom, jobs.NewNotify("c1", 2), time.Hour, 72 * time.Minute},
		{"capture stages keep asynq's backoff", 0, boom, jobs.NewMatch("c1", 3), 15 * time.Second, 46 * time.Second},
		{"a change no replica confirmed is tried again in a second", 0, fmt.Errorf("x: %w", capture.ErrNotReplicated), jobs.NewMatch("c1", 3), time.Second, time.Second},
		{"then in two", 1, capture.ErrNotReplicated, jobs.NewNotify("c1", 2), 2 * time.Second, 2 * time.Second},
		{"at most 30 s", 9, capture.ErrNotReplicated, jobs.NewStandardize("c1"), 30 * time.Second, 30 * time.Second},
	}
	for _, tc := range tests {
		d := worker.RetryDelay(tc.n, tc.err, tc.task)
		require.GreaterOrEqual(t, d, tc.min, tc.name)
		require.LessOrEqual(t, d, tc.max, tc.name)
	}
}
