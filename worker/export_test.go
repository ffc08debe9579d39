package worker

import (
	"context"

	"github.com/hibiken/asynq"
)

// OnError runs the server's error handler, as asynq does when a task
// fails.
func (s *Server) OnError(ctx context.Context, t *asynq.Task, err error) { s.h.onError(ctx, t, err) }

// RecoverPanics and PermanentToSkipRetry are the middleware, for tests.
var (
	RecoverPanics        = recoverPanics
	PermanentToSkipRetry = permanentToSkipRetry
)

// RetryDelay is the backoff of failed tasks, for tests.
var RetryDelay = retryDelay

// RideOutRedis is the middleware that runs a task again after a Redis
// outage, for tests.
var RideOutRedis = rideOutRedis

// Permanent marks an error as not worth retrying, for tests.
var Permanent = permanent
