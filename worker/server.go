// Package worker runs recheck's tasks: the asynq server, its middleware
// (logging, panic recovery, permanent errors to asynq.SkipRetry) and one
// handler per task type. The image and face work itself lives in imaging
// and facematch; handlers load, call, record and hand on.
package worker

import (
	"context"
	"fmt"
	"runtime"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/identity"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/notify"
	"github.com/recheck/recheck/storage"
)

// Config configures the worker pool.
type Config struct {
	// Concurrency is the number of tasks processed at once, and so the
	// number of face recognizers; 0 means one per CPU.
	Concurrency int `env:"RECHECK_CONCURRENCY" default:"0" help:"tasks processed at once (and face recognizers held); 0 means one per CPU"`
	// ShutdownTimeout is how long a stopping worker waits for running tasks
	// before handing them back to the queue.
	ShutdownTimeout time.Duration `env:"RECHECK_SHUTDOWN_TIMEOUT" default:"30s" help:"how long shutdown waits for running tasks before requeueing them"`
	// DetectSize is the longest side of the copy faces are detected on.
	DetectSize int `env:"RECHECK_DETECT_SIZE" default:"480" help:"longest side, in pixels, of the copy faces are detected on (a second pass at 2.5x runs when none is found)"`
	// LivenessLine flags a capture for manual review as re-photographed
	// when its liveness is below it (0 turns the check off).
	LivenessLine float64 `env:"RECHECK_LIVENESS_LINE" default:"0.2" help:"liveness below which a capture is flagged for manual review as re-photographed (0: off)"`
}

// Verifier checks a name, a resident ID number and a portrait with CTID;
// *identity.Client is one.
type Verifier interface {
	Verify(ctx context.Context, name, number string, portrait []byte) identity.Verdict
}

// Validate reports a configuration that cannot work.
func (c Config) Validate() error {
	if c.Concurrency < 0 || c.Concurrency > 256 {
		return fmt.Errorf("worker: RECHECK_CONCURRENCY must be 0-256, got %d", c.Concurrency)
	}
	if c.ShutdownTimeout <= 0 {
		return fmt.Errorf("worker: RECHECK_SHUTDOWN_TIMEOUT must be positive")
	}
	if c.LivenessLine < 0 || c.LivenessLine > 1 {
		return fmt.Errorf("worker: RECHECK_LIVENESS_LINE must be 0-1, got %g", c.LivenessLine)
	}
	if c.DetectSize < 160 || c.DetectSize > 4096 {
		return fmt.Errorf("worker: RECHECK_DETECT_SIZE must be 160-4096, got %d", c.DetectSize)
	}
	return nil
}

// Slots returns the effective concurrency.
func (c Config) Slots() int {
	if c.Concurrency > 0 {
		return c.Concurrency
	}
	return runtime.NumCPU()
}

// Deps are what the handlers work with.
type Deps struct {
	Repo  *capture.Repository
	Store storage.Store
	// Matcher finds faces (for standardization too) and compares them.
	Matcher *facematch.Matcher
	// CTID checks mainland resident ID cards against the national database.
	CTID     Verifier
	Notifier notify.Notifier
	Queue    jobs.Enqueuer
	// Profiles gives each school's output profile.
	Profiles imaging.ProfileSet
	Limits   imaging.Limits
	Log      zerolog.Logger
}

// Server is the asynq server with recheck's handlers mounted.
type Server struct {
	srv *asynq.Server
	mux *asynq.ServeMux
}

// New returns a worker server on rdb. Start it with Start.
func New(rdb redis.UniversalClient, cfg Config, deps Deps) *Server {
	h := &handlers{Deps: deps, detectSize: cfg.DetectSize, livenessLine: cfg.LivenessLine}
	srv := asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Concurrency:     cfg.Slots(),
		Queues:          jobs.QueueWeights,
		ShutdownTimeout: cfg.ShutdownTimeout,
		ErrorHandler:    asynq.ErrorHandlerFunc(h.onError),
		Logger:          asynqLogger{deps.Log.With().Str("component", "asynq").Logger()},
		BaseContext:     func() context.Context { return deps.Log.WithContext(context.Background()) },
	})
	mux := asynq.NewServeMux()
	mux.Use(logging(deps.Log), recoverPanics, permanentToSkipRetry)
	mux.HandleFunc(jobs.TypeStandardize, h.standardize)
	mux.HandleFunc(jobs.TypeMatch, h.match)
	mux.HandleFunc(jobs.TypeNotify, h.notify)
	return &Server{srv: srv, mux: mux}
}

// Handler returns the task handler with its middleware, for tests and
// embedding.
func (s *Server) Handler() asynq.Handler { return s.mux }

// Start starts processing tasks in the background.
func (s *Server) Start() error {
	if err := s.srv.Start(s.mux); err != nil {
		return fmt.Errorf("worker: start: %w", err)
	}
	return nil
}

// Shutdown stops taking tasks, waits up to the shutdown timeout for running
// ones and hands the rest back to the queue.
func (s *Server) Shutdown() { s.srv.Shutdown() }

// asynqLogger routes asynq's own log lines to zerolog.
type asynqLogger struct{ l zerolog.Logger }

func (a asynqLogger) Debug(args ...any) { a.l.Debug().Msg(fmt.Sprint(args...)) }
func (a asynqLogger) Info(args ...any)  { a.l.Info().Msg(fmt.Sprint(args...)) }
func (a asynqLogger) Warn(args ...any)  { a.l.Warn().Msg(fmt.Sprint(args...)) }
func (a asynqLogger) Error(args ...any) { a.l.Error().Msg(fmt.Sprint(args...)) }
func (a asynqLogger) Fatal(args ...any) { a.l.Fatal().Msg(fmt.Sprint(args...)) }
