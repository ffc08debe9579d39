package worker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/worker"
)

// TestRideOutRedis: a task that Redis left during its run ends only once
// Redis answers again, so that asynq can write its outcome at once: a
// failure runs again in place, a success returns. A failure with Redis up,
// a permanent failure and an outage longer than the grace go to asynq as
// they are.
func TestRideOutRedis(t *testing.T) {
	boom := errors.New("worker: save comparison: unreachable")
	task := asynq.NewTask("capture:match", nil)
	tests := []struct {
		name      string
		fail      error // what the first run returns
		down      bool  // the first run stops Redis
		comesBack bool  // Redis is started again while the task waits
		wantCalls int
		wantErr   bool
	}{
		{name: "failure during an outage runs again", fail: boom, down: true, comesBack: true, wantCalls: 2},
		{name: "success during an outage waits for Redis", down: true, comesBack: true, wantCalls: 1},
		{name: "failure while Redis answers", fail: boom, wantCalls: 1, wantErr: true},
		{name: "permanent failure during an outage", fail: worker.Permanent(boom), down: true, wantCalls: 1, wantErr: true},
		{name: "outage longer than the grace", fail: boom, down: true, wantCalls: 1, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := redistest.Start(t)
			calls := 0
			back := make(chan struct{})
			h := asynq.HandlerFunc(func(ctx context.Context, _ *asynq.Task) error {
				calls++
				if calls > 1 {
					return rs.Client.Ping(ctx).Err()
				}
				if tt.down {
					rs.Stop()
					if tt.comesBack {
						go func() {
							defer close(back)
							time.Sleep(time.Second)
							rs.Relaunch(t)
						}()
					}
				}
				// A handler's read, failing while Redis is down.
				short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
				defer cancel()
				_ = rs.Client.Ping(short).Err()
				return tt.fail
			})
			grace := time.Minute
			if !tt.comesBack {
				grace = 500 * time.Millisecond
			}
			err := worker.RideOutRedis(rs.Client, grace)(h).ProcessTask(context.Background(), task)
			if tt.comesBack {
				// Redis answered before the task ended: asynq can write
				// its outcome now.
				short, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
				defer cancel()
				require.NoError(t, rs.Client.Ping(short).Err(), "Redis answers when the task ends")
				<-back
			}
			require.Equal(t, tt.wantCalls, calls, "%v", err)
			if tt.wantErr {
				require.ErrorIs(t, err, tt.fail)
			} else {
				require.NoError(t, err)
			}
		})
	}
}
