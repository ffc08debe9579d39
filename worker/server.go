// Package worker runs recheck's tasks: the asynq server, its middleware
// (logging, metrics, panic recovery, permanent errors to asynq.SkipRetry),
// the backoff of retries, one handler per task type (standardize, match,
// notify once through the delivery ledger, callback, reprocess for a
// batch), and the outbox sweeper. Handlers load a capture,
// drive an engine (a Standardizer, a Scorer, a Verifier, a Notifier: small
// interfaces, see vision.go) and hand the outcome to capture.Lifecycle,
// which owns every rule and every change of state.
package worker

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/callback"
	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/metrics"
	"github.com/recheck/recheck/notify"
	"github.com/recheck/recheck/storage"
)

// Config configures the worker pool.
type Config struct {
	// Concurrency is the number of tasks processed at once, and so the
	// number of face recognizers; 0 means one per CPU and one more, which
	// keeps the cores busy while a task waits on storage, Redis or CTID
	// (measured: 4-10 % more captures a second on 2 cores, BENCHMARKS.md).
	Concurrency int `env:"RECHECK_CONCURRENCY" default:"0" help:"tasks processed at once (and face recognizers held); 0 means one per CPU plus one"`
	// ShutdownTimeout is how long a stopping worker waits for running tasks
	// before handing them back to the queue.
	ShutdownTimeout time.Duration `env:"RECHECK_SHUTDOWN_TIMEOUT" default:"30s" help:"how long shutdown waits for running tasks before requeueing them"`
	// PollInterval is how often an idle worker looks for new tasks
	// (asynq's TaskCheckInterval).
	PollInterval time.Duration `env:"RECHECK_POLL_INTERVAL" default:"200ms" help:"how often an idle worker looks for new tasks and moves due retries (asynq's TaskCheckInterval and DelayedTaskCheckInterval)"`
	// SweepInterval is how often the worker completes changes whose durable
	// copy or follow-ups are pending in the outbox (their writer died, or
	// storage or the queue failed after the commit).
	SweepInterval time.Duration `env:"RECHECK_SWEEP_INTERVAL" default:"30s" help:"how often pending durable copies and follow-ups (the outbox) are completed"`
	// RetentionDays is how long a final capture keeps its photos and
	// personal fields; 0 keeps them.
	RetentionDays int `env:"RECHECK_RETENTION_DAYS" default:"180" help:"days a final capture keeps its photos, name, document number and openid before they are deleted (the record stays); 0 keeps them"`
	// TaskRetention is how long completed tasks stay in Redis.
	TaskRetention time.Duration `env:"RECHECK_TASK_RETENTION" default:"1h" help:"how long completed tasks stay in Redis (visible in the queue UI)"`
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.Concurrency < 0 || c.Concurrency > 256 {
		return fmt.Errorf("worker: RECHECK_CONCURRENCY must be 0-256, got %d", c.Concurrency)
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("worker: RECHECK_SHUTDOWN_TIMEOUT must be positive")
	}
	if c.PollInterval < time.Millisecond || c.PollInterval > time.Minute {
		return fmt.Errorf("worker: RECHECK_POLL_INTERVAL must be 1ms-1m, got %s", c.PollInterval)
	}
	if c.SweepInterval < 10*time.Millisecond {
		return fmt.Errorf("worker: RECHECK_SWEEP_INTERVAL must be at least 10ms, got %s", c.SweepInterval)
	}
	if c.RetentionDays < 0 || c.RetentionDays > 3650 {
		return fmt.Errorf("worker: RECHECK_RETENTION_DAYS must be 0-3650, got %d", c.RetentionDays)
	}
	if c.TaskRetention < 0 || c.TaskRetention > 30*24*time.Hour {
		return fmt.Errorf("worker: RECHECK_TASK_RETENTION must be 0-720h, got %s", c.TaskRetention)
	}
	return nil
}

// Slots returns the effective concurrency.
func (c Config) Slots() int {
	if c.Concurrency > 0 {
		return c.Concurrency
	}
	return runtime.NumCPU() + 1
}

// Deps are what the handlers work with.
type Deps struct {
	// Lifecycle records every outcome and owns the rules.
	Lifecycle *capture.Lifecycle
	// Store holds the photos.
	Store        storage.Store
	Standardizer Standardizer
	Scorer       Scorer
	// Identity checks mainland resident ID cards with CTID.
	Identity Verifier
	Notifier notify.Notifier
	// Callbacks delivers webhooks; nil when none are configured.
	Callbacks *callback.Sender
	// Metrics records each task's time and outcome; nil records nothing.
	Metrics *metrics.Metrics
	Log     zerolog.Logger
	// Middleware, when set, wraps every handler inside recheck's own (tests
	// use it to deliver every task twice).
	Middleware []asynq.MiddlewareFunc
	// RetryDelay, when set (tests), replaces the backoff of failed tasks.
	RetryDelay asynq.RetryDelayFunc
	// AfterSend, when set (fault tests), runs between a message's sending
	// and its bookkeeping; an error stands for a worker dying there.
	AfterSend func() error
}

// Server is the asynq server with recheck's handlers mounted.
type Server struct {
	h     *handlers
	srv   *asynq.Server
	mux   *asynq.ServeMux
	cfg   Config
	deps  Deps
	stop  context.CancelFunc
	swept sync.WaitGroup
}

// New returns a worker server on rdb. Start it with Start.
func New(rdb redis.UniversalClient, cfg Config, deps Deps) *Server {
	h := &handlers{Deps: deps, ledger: notify.NewLedger(rdb), rdb: rdb}
	poll := cfg.PollInterval
	if poll <= 0 {
		poll = time.Second
	}
	delay := asynq.RetryDelayFunc(retryDelay)
	if deps.RetryDelay != nil {
		delay = func(n int, err error, t *asynq.Task) time.Duration {
			var ny *notYet
			if errors.As(err, &ny) {
				return ny.wait // a message not due yet waits for its time in tests too
			}
			return deps.RetryDelay(n, err, t)
		}
	}
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:       cfg.Slots(),
		Queues:            jobs.QueueWeights,
		ShutdownTimeout:   cfg.ShutdownTimeout,
		TaskCheckInterval: poll,
		// Retries and scheduled tasks are moved to their queue as often as
		// idle workers look for work (asynq's default is 5 s).
		DelayedTaskCheckInterval: poll,
		ErrorHandler:             asynq.ErrorHandlerFunc(h.onError),
		RetryDelayFunc:           delay,
		Logger:                   asynqLogger{deps.Log.With().Str("component", "asynq").Logger()},
		BaseContext:              func() context.Context { return deps.Log.WithContext(context.Background()) },
	})
	mux := asynq.NewServeMux()
	mux.Use(logging(deps.Log), recoverPanics, permanentToSkipRetry, rideOutRedis(rdb, redisGrace))
	mux.Use(instrument(deps.Metrics))
	mux.Use(deps.Middleware...)
	mux.HandleFunc(jobs.TypeStandardize, h.standardize)
	mux.HandleFunc(jobs.TypeMatch, h.match)
	mux.HandleFunc(jobs.TypeNotify, h.notify)
	mux.HandleFunc(jobs.TypeNotifyStudent, h.notifyStudent)
	mux.HandleFunc(jobs.TypeCallback, h.callback)
	mux.HandleFunc(jobs.TypeReprocess, h.reprocess)
	return &Server{h: h, srv: srv, mux: mux, cfg: cfg, deps: deps}
}

// Handler returns the task handler with its middleware, for tests and
// embedding.
func (s *Server) Handler() asynq.Handler { return s.mux }

// Start starts processing tasks, and sweeping the outbox, in the
// background.
func (s *Server) Start() error {
	if err := s.srv.Start(s.mux); err != nil {
		return fmt.Errorf("worker: start: %w", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	s.swept.Add(1)
	go s.sweep(ctx)
	return nil
}

// sweep completes pending outbox entries every SweepInterval (entries
// younger than one interval are left to the writer still working on them)
// and gives tasks left active without a lease one (jobs.RecoverOrphans).
func (s *Server) sweep(ctx context.Context) {
	defer s.swept.Done()
	every := s.cfg.SweepInterval
	if every <= 0 {
		every = 30 * time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	l := s.deps.Log.With().Str("component", "outbox").Logger()
	lastPurge := time.Time{}
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if s.cfg.RetentionDays > 0 && time.Since(lastPurge) >= purgeEvery {
			lastPurge = time.Now()
			s.purge(ctx)
		}
		if n, err := jobs.RecoverOrphans(ctx, s.h.rdb, time.Now()); err != nil && ctx.Err() == nil {
			l.Warn().Err(err).Msg("could not look for tasks left active without a lease")
		} else if n > 0 {
			s.deps.Metrics.Orphaned(n)
			l.Warn().Int("tasks", n).Msg("tasks left active without a lease (a Redis failover or restore): leased so that asynq retries them")
		}
		n, err := s.deps.Lifecycle.Store().SyncPending(ctx, every)
		if err != nil && ctx.Err() == nil {
			l.Warn().Err(err).Int("completed", n).Msg("outbox: some changes are still pending")
		} else if n > 0 {
			l.Info().Int("completed", n).Msg("outbox: completed pending changes")
		}
	}
}

// purgeEvery is how often retention runs, and purgeBatch how many
// captures one run purges at most.
const (
	purgeEvery = time.Hour
	purgeBatch = 5000
)

// purge applies the retention rule.
func (s *Server) purge(ctx context.Context) {
	cutoff := s.deps.Lifecycle.Store().Now().Add(-time.Duration(s.cfg.RetentionDays) * 24 * time.Hour)
	rep, err := s.deps.Lifecycle.Purge(ctx, cutoff, purgeBatch)
	l := s.deps.Log.With().Str("component", "retention").Logger()
	if err != nil && ctx.Err() == nil {
		l.Warn().Err(err).Int("captures", rep.Captures).Msg("retention: purge stopped")
		return
	}
	if rep.Captures+rep.Journeys > 0 {
		l.Info().Int("captures", rep.Captures).Int("journeys", rep.Journeys).Int("days", s.cfg.RetentionDays).Msg("retention: photos and personal data of old final captures deleted")
	}
}

// Shutdown stops taking tasks, waits up to the shutdown timeout for running
// ones and hands the rest back to the queue.
func (s *Server) Shutdown() {
	if s.stop != nil {
		s.stop()
		s.swept.Wait()
	}
	s.srv.Shutdown()
}

// asynqLogger routes asynq's own log lines to zerolog.
type asynqLogger struct{ l zerolog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug().Msg(fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info().Msg(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn().Msg(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) { a.l.Error().Msg(fmt.Sprint(args...)) }
func (a asynqLogger) Fatal(args ...any) { a.l.Fatal().Msg(fmt.Sprint(args...)) }
