package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/hibiken/asynq"

	"github.com/recheck/recheck/capture"
)

// Dispatcher turns the follow-ups of saved changes into tasks: it is the
// capture.Dispatcher of every role. Each follow-up has a deterministic task
// ID, so dispatching one again while its task is queued, running or
// retained is a no-op.
type Dispatcher struct {
	Queue Enqueuer
	// Retention, when set, is how long completed tasks stay in Redis
	// (asynq's Retention), instead of the tasks' own.
	Retention time.Duration
}

// Task returns the task of a follow-up.
func Task(f capture.Followup) (*asynq.Task, error) {
	switch f.Kind {
	case capture.FollowStandardize:
		return NewStandardize(f.CaptureID), nil
	case capture.FollowMatch:
		return NewMatch(f.CaptureID, f.Seq), nil
	case capture.FollowNotify:
		return NewNotify(f.CaptureID, f.Seq), nil
	case capture.FollowNotifyStudent:
		return NewNotifyStudent(f.School, f.StudentID, f.Seq), nil
	case capture.FollowCallback:
		return NewCallback(f.CaptureID, f.Seq, f.Target), nil
	}
	return nil, fmt.Errorf("jobs: no task for follow-up %q", f.Kind)
}

// Dispatch implements capture.Dispatcher. A follow-up due later (its At)
// is scheduled for then.
func (d Dispatcher) Dispatch(ctx context.Context, f capture.Followup) error {
	t, err := Task(f)
	if err != nil {
		return err
	}
	var opts []asynq.Option
	if d.Retention > 0 {
		opts = append(opts, asynq.Retention(d.Retention))
	}
	if !f.At.IsZero() {
		opts = append(opts, asynq.ProcessAt(f.At))
	}
	return Enqueue(ctx, d.Queue, t, opts...)
}
