package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/callback"
	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/capture/redisstore"
	"github.com/recheck/recheck/ctid"
	"github.com/recheck/recheck/ctid/ctidsim"
	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/intake"
	"github.com/recheck/recheck/internal/redisconn"
	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/metrics"
	"github.com/recheck/recheck/notify"
	"github.com/recheck/recheck/notify/wechat"
	"github.com/recheck/recheck/ops"
	"github.com/recheck/recheck/seal"
	"github.com/recheck/recheck/storage"
	"github.com/recheck/recheck/vision"
	"github.com/recheck/recheck/worker"
)

// roles selects what a process runs.
type roles struct{ intake, worker bool }

// serveCmd runs the selected roles until ctx is cancelled (SIGINT/SIGTERM).
func serveCmd(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, r roles) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return err
	}
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if err := cfg.Validate(); err != nil {
		return err
	}
	l, err := newLogger(cfg.Log, stderr)
	if err != nil {
		return err
	}
	a, err := newApp(ctx, cfg, r, l)
	if err != nil {
		return err
	}
	return a.run(ctx)
}

// app is a running recheck process: its connections and its roles.
type app struct {
	cfg    *Config
	log    zerolog.Logger
	rdb    *redis.Client
	client *asynq.Client
	match  *facematch.Matcher
	sim    *http.Server // the in-process CTID simulator, when chosen (RECHECK_CTID_URL=sim)
	worker *worker.Server
	http   *http.Server
	ln     net.Listener
	// ops serves a worker-only process's /healthz, /readyz and /metrics.
	ops    *http.Server
	opsLn  net.Listener
	metric *metrics.Metrics
}

// newApp connects to Redis and storage, loads the face models for a worker
// and binds the intake API's listener, failing early with a clear message
// when something is missing.
func newApp(ctx context.Context, cfg *Config, r roles, l zerolog.Logger) (*app, error) {
	rdb, err := redisconn.Open(cfg.Redis.URL)
	if err != nil {
		return nil, err
	}
	a := &app{cfg: cfg, log: l, rdb: rdb}
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := a.rdb.Ping(pingCtx).Err(); err != nil {
		a.close()
		return nil, fmt.Errorf("cannot reach Redis at %s (start it with `make dev`, or set RECHECK_REDIS_URL): %w", redisconn.Redact(cfg.Redis.URL), err)
	}
	for _, w := range redisWarnings(pingCtx, a.rdb) {
		l.Warn().Str("component", "redis").Msg(w)
	}
	keys, err := seal.Load(cfg.Seal)
	if err != nil {
		a.close()
		return nil, err
	}
	store, err := storage.Open(ctx, cfg.Storage)
	if err != nil {
		a.close()
		return nil, err
	}
	imaging.Startup()
	a.client = asynq.NewClientFromRedisClient(a.rdb)
	a.metric = metrics.New()
	a.metric.WatchQueues(asynq.NewInspectorFromRedisClient(a.rdb))
	replicas, strict, err := cfg.Redis.Replicas()
	if err != nil {
		a.close()
		return nil, err
	}
	a.metric.WatchRedis(a.rdb, replicas)
	ready := []ops.Check{ops.RedisCheck(a.rdb), {Name: "storage", Run: func(ctx context.Context) (string, error) { return storage.Ready(ctx, store) }}}
	per := cfg.perSchool
	if per == nil {
		if per, err = loadSchools(cfg); err != nil {
			a.close()
			return nil, err
		}
	}
	for _, f := range per.Deprecated {
		l.Warn().Str("setting", f).Msg("deprecated: this file's settings belong in the schools document (RECHECK_SCHOOLS); it is read for one more release (docs/operations.md, recheck config check)")
	}
	rules, callbacks := per.Rules, per.Callbacks
	params := redisstore.Params{Redis: a.rdb, Store: store, Sealer: keys, Dispatcher: jobs.Dispatcher{Queue: a.client, Retention: cfg.Worker.TaskRetention},
		Replicas: replicas, ReplicaWait: cfg.Redis.AckWait, Strict: strict, Alone: a.metric.Alone}
	if callbacks != nil {
		params.Callbacks = callbacks.Targets
	}
	repo := redisstore.New(params)
	lc := capture.NewLifecycle(repo, rules)

	// The face models serve the workers' slots and, in an intake, the
	// prechecks' slots and the admission photos' face count: one pool,
	// whose models are made on first need, so prechecks never wait for a
	// worker's slot.
	slots := 0
	if r.worker {
		slots += cfg.Worker.Slots()
	}
	if r.intake {
		slots += intake.PrecheckSlots(cfg.Intake.PrecheckSlots)
	}
	if a.match, err = facematch.NewMatcher(cfg.Faces, slots); err != nil {
		a.close()
		return nil, err
	}
	ready = append(ready, ops.Check{Name: "models", Run: a.match.Ready})
	profiles := per.Profiles
	standardizer := &vision.Standardizer{Matcher: a.match, Profiles: profiles, Limits: cfg.Limits, Config: cfg.Vision}

	if r.worker {
		if err := cfg.CTID.Require(); err != nil {
			a.close()
			return nil, err
		}
		ctidCfg := cfg.CTID
		ctidURL := ctidCfg.URL
		if ctidCfg.Simulated() {
			ctidCfg.AppID, ctidCfg.Key = ctidsim.DevAppID, ctidsim.DevKey
			if ctidURL, err = a.startSimulator(cfg.CTIDSim); err != nil {
				a.close()
				return nil, err
			}
		}
		ready = append(ready, ops.Check{Name: "ctid", Run: func(ctx context.Context) (string, error) { return ctid.Ready(ctx, cfg.CTID, ctidURL) }})
		notifier, err := newNotifier(cfg.WeChat, per.Templates, a.rdb, l, a.metric)
		if err != nil {
			a.close()
			return nil, err
		}
		a.worker = worker.New(a.rdb, cfg.Worker, worker.Deps{
			Lifecycle: lc, Store: store,
			Standardizer: standardizer,
			Scorer:       &vision.Scorer{Matcher: a.match, Cache: repo, Limits: cfg.Limits},
			Identity:     ctid.NewClient(ctidURL, ctidCfg),
			Notifier:     notifier,
			Callbacks:    newSender(callbacks),
			Metrics:      a.metric,
			Log:          l,
		})
	}
	if r.intake {
		asynqRedis, err := redisconn.AsynqOpt(cfg.Redis.URL)
		if err != nil {
			a.close()
			return nil, err
		}
		api, err := intake.New(cfg.Intake, intake.Deps{
			Redis: a.rdb, Lifecycle: lc, Store: store, Limits: cfg.Limits,
			Faces:   &vision.FaceCounter{Detector: a.match.Finder(), Limits: cfg.Limits},
			Quality: standardizer,
			Log:     l.With().Str("component", "intake").Logger(), AsynqRedis: asynqRedis,
			Metrics: a.metric, Ready: ready, MetricsToken: cfg.Ops.MetricsToken,
		})
		if err != nil {
			a.close()
			return nil, err
		}
		a.ln, err = net.Listen("tcp", cfg.Intake.Addr)
		if err != nil {
			a.close()
			return nil, fmt.Errorf("intake: listen on %s: %w", cfg.Intake.Addr, err)
		}
		a.http = api.Server()
	} else {
		// A worker has no API: a small listener of its own for operators.
		if a.opsLn, err = net.Listen("tcp", cfg.Ops.Addr); err != nil {
			a.close()
			return nil, fmt.Errorf("ops: listen on %s (RECHECK_OPS_ADDR): %w", cfg.Ops.Addr, err)
		}
		mux := ops.Mux(ready, a.metric.Readiness, cfg.Ops.MetricsToken, a.metric.Handler())
		a.ops = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second}
	}
	return a, nil
}

// addr returns the intake API's bound address ("" without the role).
func (a *app) addr() string {
	if a.ln == nil {
		return ""
	}
	return a.ln.Addr().String()
}

// run serves until ctx ends, then shuts down gracefully: the API stops
// accepting requests and finishes the ones under way, the workers finish
// their tasks or hand them back to the queue.
func (a *app) run(ctx context.Context) error {
	defer a.close()
	prof, err := startProfile(a.cfg.Ops.ProfileDir)
	if err != nil {
		return err
	}
	defer func() {
		if err := prof.stop(); err != nil {
			a.log.Warn().Err(err).Msg("profile not written")
		}
	}()
	errc := make(chan error, 1)
	if a.worker != nil {
		if err := a.worker.Start(); err != nil {
			return err
		}
		a.log.Info().Int("concurrency", a.cfg.Worker.Slots()).Msg("workers started")
	}
	if a.ops != nil {
		go func() {
			if err := a.ops.Serve(a.opsLn); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("ops: serve: %w", err)
			}
		}()
		a.log.Info().Str("addr", "http://"+a.opsLn.Addr().String()).Msg("ops listener: /healthz, /readyz, /metrics")
	}
	if a.http != nil {
		go func() {
			if err := a.http.Serve(a.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("intake: serve: %w", err)
			}
		}()
		ev := a.log.Info().Str("addr", "http://"+a.addr())
		if a.cfg.Intake.AdminUsers == "" {
			ev = ev.Str("admin", "nobody can log in (set RECHECK_ADMIN_USERS)")
		} else {
			ev = ev.Str("admin", "http://"+a.addr()+"/admin/asynq/")
		}
		ev.Msg("intake API listening")
	}
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	a.log.Info().Msg("shutting down")
	if a.http != nil {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		if e := a.http.Shutdown(sctx); e != nil {
			a.log.Warn().Err(e).Msg("intake API did not stop cleanly")
		}
		cancel()
	}
	if a.worker != nil {
		a.worker.Shutdown()
	}
	if a.ops != nil {
		_ = a.ops.Close()
	}
	a.log.Info().Msg("stopped")
	return err
}

// startSimulator serves the CTID simulator on a local port for this
// process (RECHECK_CTID_URL=sim) and returns its URL.
func (a *app) startSimulator(cfg ctidsim.Settings) (string, error) {
	sim, err := ctidsim.New(ctidsim.Config{
		Registry: cfg.Registry, Unknown: cfg.Unknown, Key: ctidsim.DevKey, AppID: ctidsim.DevAppID, Comparer: a.match,
	})
	if err != nil {
		return "", err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("ctid-sim: listen: %w", err)
	}
	a.sim = &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = a.sim.Serve(ln) }()
	a.log.Warn().Str("addr", "http://"+ln.Addr().String()).Str("registry", cfg.Registry).Str("unknown_people", cfg.Unknown).
		Msg("CTID simulator chosen (RECHECK_CTID_URL=sim): development only, never for real students")
	return "http://" + ln.Addr().String(), nil
}

func (a *app) close() {
	if a.sim != nil {
		a.sim.Close()
	}
	if a.match != nil {
		a.match.Close()
	}
	if a.rdb != nil {
		a.rdb.Close()
	}
}

// newNotifier returns the WeChat client when WeChat is configured, and the
// log notifier otherwise.
func newNotifier(cfg wechat.Config, tpl *wechat.Templates, rdb redis.UniversalClient, l zerolog.Logger, m *metrics.Metrics) (notify.Notifier, error) {
	if !cfg.Enabled() {
		l.Info().Msg("RECHECK_WECHAT_URL is not set: notifications are only logged")
		return notify.Log{Logger: l.With().Str("component", "notify").Logger()}, nil
	}
	return wechat.New(cfg, tpl, rdb, wechat.WithErrorHook(m.WeChatError))
}

// newSender returns the callback sender of settings, nil without them.
func newSender(s *callback.Settings) *callback.Sender {
	if s == nil {
		return nil
	}
	return callback.NewSender(s)
}
