// Package metrics holds recheck's Prometheus metrics: the time of each
// stage, tasks by outcome, the states captures reach, quality findings,
// CTID outcomes, WeChat error codes, intake requests and errors, and the
// queues (asynq's own collector). Labels are bounded sets (stages, states,
// codes, route patterns); never a student, a capture or a school.
// Every method works on a nil *Metrics, doing nothing, so that code and
// tests without metrics need no checks.
package metrics

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/hibiken/asynq"
	asynqmetrics "github.com/hibiken/asynq/x/metrics"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/redis/go-redis/v9"
)

// Metrics is one process's metrics.
type Metrics struct {
	reg       *prometheus.Registry
	stage     *prometheus.HistogramVec
	tasks     *prometheus.CounterVec
	states    *prometheus.CounterVec
	findings  *prometheus.CounterVec
	ctid      *prometheus.CounterVec
	wechat    *prometheus.CounterVec
	requests  *prometheus.CounterVec
	apiErrors *prometheus.CounterVec
	logins    *prometheus.CounterVec
	ready     *prometheus.GaugeVec
	flips     *prometheus.CounterVec
	orphans   prometheus.Counter
	alone     prometheus.Counter

	mu        sync.Mutex
	lastReady map[string]bool
}

// New returns a process's metrics, with the Go runtime's and the
// process's.
func New() *Metrics {
	m := &Metrics{reg: prometheus.NewRegistry()}
	m.stage = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "recheck_stage_duration_seconds", Help: "Time of each stage: standardize, match, ctid (the call), notify, callback, reprocess.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"stage"})
	m.tasks = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "recheck_tasks_total", Help: "Tasks run, by type and result (ok, error: retried or archived).",
	}, []string{"type", "result"})
	m.states = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "recheck_capture_outcomes_total", Help: "States captures reached after a worker stage.",
	}, []string{"state"})
	m.findings = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "recheck_quality_findings_total", Help: "Quality findings of standardized photos, by code.",
	}, []string{"code"})
	m.ctid = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "recheck_ctid_checks_total", Help: "CTID checks, by outcome.",
	}, []string{"outcome"})
	m.wechat = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "recheck_wechat_errors_total", Help: "WeChat answers other than success, by errcode.",
	}, []string{"errcode"})
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "recheck_http_requests_total", Help: "Intake API requests, by route pattern and status.",
	}, []string{"route", "status"})
	m.apiErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "recheck_http_errors_total", Help: "Intake API error answers, by error code (quota_exceeded counts quota refusals).",
	}, []string{"code"})
	m.logins = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "recheck_logins_total", Help: "Staff logins (login page and basic auth), by outcome: ok, wrong_password (an unknown user counts so too), throttled, locked.",
	}, []string{"outcome"})
	m.ready = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "recheck_ready", Help: "The last /readyz result of each check: 1 ready, 0 not.",
	}, []string{"check"})
	m.flips = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "recheck_ready_changes_total", Help: "Times a readiness check's result changed (flapping).",
	}, []string{"check"})
	m.orphans = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "recheck_tasks_orphaned_total", Help: "Tasks found active without a lease (after a Redis failover or restore) and leased again so that asynq retries them.",
	})
	m.alone = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "recheck_changes_unreplicated_total", Help: "Changes acknowledged with no Redis replica connected (RECHECK_REDIS_ACK_REPLICAS=auto after a failover): a second failure now would lose them.",
	})
	m.lastReady = map[string]bool{}
	m.reg.MustRegister(m.stage, m.tasks, m.states, m.findings, m.ctid, m.wechat, m.requests, m.apiErrors, m.logins, m.ready, m.flips, m.orphans, m.alone,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry returns the registry, to add collectors.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// WatchQueues adds asynq's queue metrics (sizes, latency, processed and
// failed counts per queue), read from Redis at each scrape.
func (m *Metrics) WatchQueues(insp *asynq.Inspector) {
	if m != nil {
		m.reg.MustRegister(asynqmetrics.NewQueueMetricsCollector(insp))
	}
}

// Gauge adds a gauge read by fn at each scrape.
func (m *Metrics) Gauge(name, help string, fn func() float64) {
	if m != nil {
		m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: name, Help: help}, fn))
	}
}

// Stage records a stage's duration.
func (m *Metrics) Stage(stage string, d time.Duration) {
	if m != nil {
		m.stage.WithLabelValues(stage).Observe(d.Seconds())
	}
}

// Task counts a task's run.
func (m *Metrics) Task(typ string, err error) {
	if m != nil {
		result := "ok"
		if err != nil {
			result = "error"
		}
		m.tasks.WithLabelValues(typ, result).Inc()
	}
}

// Orphaned counts tasks found active without a lease (jobs.RecoverOrphans).
func (m *Metrics) Orphaned(n int) {
	if m != nil && n > 0 {
		m.orphans.Add(float64(n))
	}
}

// Alone counts a change acknowledged with no Redis replica connected.
func (m *Metrics) Alone() {
	if m != nil {
		m.alone.Inc()
	}
}

// State counts a capture reaching a state.
func (m *Metrics) State(state string) {
	if m != nil {
		m.states.WithLabelValues(state).Inc()
	}
}

// Finding counts a quality finding.
func (m *Metrics) Finding(code string) {
	if m != nil {
		m.findings.WithLabelValues(code).Inc()
	}
}

// CTID counts a CTID check's outcome.
func (m *Metrics) CTID(outcome string) {
	if m != nil {
		m.ctid.WithLabelValues(outcome).Inc()
	}
}

// WeChatError counts a WeChat error code.
func (m *Metrics) WeChatError(code int) {
	if m != nil {
		m.wechat.WithLabelValues(strconv.Itoa(code)).Inc()
	}
}

// Request counts an intake request.
func (m *Metrics) Request(route string, status int) {
	if m != nil {
		m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	}
}

// APIError counts an intake error answer.
func (m *Metrics) APIError(code string) {
	if m != nil {
		m.apiErrors.WithLabelValues(code).Inc()
	}
}

// Login counts a staff login attempt by outcome.
func (m *Metrics) Login(outcome string) {
	if m != nil {
		m.logins.WithLabelValues(outcome).Inc()
	}
}

// Names returns the names of the metrics recheck defines itself, observed
// yet or not (a vector appears on /metrics only once a label set is used):
// what the alerting rules and the dashboard may name.
func (m *Metrics) Names() []string {
	var names []string
	for _, c := range []prometheus.Collector{m.stage, m.tasks, m.states, m.findings, m.ctid, m.wechat, m.requests, m.apiErrors, m.logins, m.ready, m.flips, m.orphans, m.alone} {
		ch := make(chan *prometheus.Desc, 1)
		go func() { c.Describe(ch); close(ch) }()
		for d := range ch {
			// A Desc prints as Desc{fqName: "name", …}.
			if _, rest, ok := strings.Cut(d.String(), `fqName: "`); ok {
				name, _, _ := strings.Cut(rest, `"`)
				names = append(names, name)
			}
		}
	}
	return names
}

// Readiness records a readiness check's result (an ops.Observer).
func (m *Metrics) Readiness(check string, ok bool) {
	if m == nil {
		return
	}
	v := 0.0
	if ok {
		v = 1
	}
	m.ready.WithLabelValues(check).Set(v)
	m.mu.Lock()
	defer m.mu.Unlock()
	if last, seen := m.lastReady[check]; seen && last != ok {
		m.flips.WithLabelValues(check).Inc()
	}
	m.lastReady[check] = ok
}

// WatchRedis adds gauges read from Redis's configuration at each scrape:
// whether it keeps an append-only file and whether it refuses writes
// rather than evicting keys when full (both needed: docs/operations.md).
func (m *Metrics) WatchRedis(rdb redis.UniversalClient, ackReplicas int) {
	config := func(key, want string) func() float64 {
		return func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			v, err := rdb.ConfigGet(ctx, key).Result()
			if err != nil {
				return -1
			}
			if v[key] == want {
				return 1
			}
			return 0
		}
	}
	m.Gauge("recheck_redis_appendonly", "1 when Redis keeps an append-only file, 0 when not, -1 when it cannot be asked.", config("appendonly", "yes"))
	m.Gauge("recheck_redis_noeviction", "1 when Redis's maxmemory-policy is noeviction, 0 when not, -1 when it cannot be asked.", config("maxmemory-policy", "noeviction"))
	m.Gauge("recheck_redis_replicas", "Replicas connected to the Redis primary, -1 when it cannot be asked.", func() float64 {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		info, err := rdb.Info(ctx, "replication").Result()
		if err != nil {
			return -1
		}
		for _, line := range strings.Split(info, "\r\n") {
			if v, ok := strings.CutPrefix(line, "connected_slaves:"); ok {
				if n, err := strconv.Atoi(v); err == nil {
					return float64(n)
				}
			}
		}
		return -1
	})
	m.Gauge("recheck_redis_ack_replicas", "Replicas that must confirm a change before it is acknowledged (RECHECK_REDIS_ACK_REPLICAS).", func() float64 { return float64(ackReplicas) })
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
