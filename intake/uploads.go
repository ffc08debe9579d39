package intake

import (
	"fmt"
	"net/http"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/recheck/recheck/internal/keyspace"
	"github.com/recheck/recheck/jobs"
)

// uploadGate bounds the bytes of uploads being read and handled at once,
// so that a burst of large uploads (or an attack) cannot grow the process
// without limit: a request that would go over is refused with 503 before
// its body is read. When the last upload of a burst is done, the memory it
// used is handed back to the system.
type uploadGate struct {
	limit int64

	mu       sync.Mutex
	inFlight int64
	peak     int64     // highest in-flight since memory was last returned
	freed    time.Time // when memory was last returned
}

// freeAfter is the burst size after which memory is handed back, and
// freeEvery how often at most.
const (
	freeAfter = 32 << 20
	freeEvery = 5 * time.Second
)

// acquire reserves n bytes, or returns false when that would go over the
// limit.
func (g *uploadGate) acquire(n int64) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.inFlight+n > g.limit && g.inFlight > 0 {
		return false
	}
	g.inFlight += n
	g.peak = max(g.peak, g.inFlight)
	return true
}

// release gives n bytes back; the last release of a large burst returns
// the memory to the system.
func (g *uploadGate) release(n int64) {
	g.mu.Lock()
	g.inFlight -= n
	free := g.inFlight == 0 && g.peak >= freeAfter && time.Since(g.freed) >= freeEvery
	if free {
		g.peak, g.freed = 0, time.Now()
	}
	g.mu.Unlock()
	if free {
		go debug.FreeOSMemory()
	}
}

// InFlight returns the bytes of uploads being handled now.
func (g *uploadGate) InFlight() int64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.inFlight
}

// bounded runs an upload handler within the gate: it reserves the
// request's declared size (the largest allowed when it declares none) and
// answers 503 with Retry-After, before reading a byte, when the gate is
// full.
func (a *API) bounded(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		n := r.ContentLength
		maxBody := a.deps.Limits.MaxBytes + 64<<10
		if n < 0 || n > maxBody {
			n = maxBody
		}
		if !a.uploads.acquire(n) {
			w.Header().Set("Retry-After", strconv.Itoa(2))
			e := newError(http.StatusServiceUnavailable, "busy", "too many uploads are in progress; retry in a few seconds")
			w.Header().Set("Connection", "close")
			fail(w, r, e)
			return
		}
		defer a.uploads.release(n)
		h(w, r)
	}
}

// current is InFlight as a gauge's value.
func (g *uploadGate) current() float64 { return float64(g.InFlight()) }

// belowHighWater turns new captures away with 429 and Retry-After, before
// reading a byte, while more capture tasks wait than RECHECK_QUEUE_HIGH_WATER:
// the workers are behind, and an accepted capture would only wait longer.
// Nothing accepted is affected.
func (a *API) belowHighWater(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if limit := a.cfg.QueueHighWater; limit > 0 && a.deps.Redis != nil {
			n, err := a.deps.Redis.LLen(r.Context(), keyspace.PendingCaptures(jobs.QueueCapture)).Result()
			if err != nil {
				fail(w, r, newError(http.StatusServiceUnavailable, "unavailable", "cannot read the queue; retry later"))
				return
			}
			if n >= int64(limit) {
				w.Header().Set("Retry-After", "30")
				w.Header().Set("Connection", "close")
				fail(w, r, newError(http.StatusTooManyRequests, "overloaded", fmt.Sprintf("%d captures are waiting to be processed; retry later", n)))
				return
			}
		}
		h(w, r)
	}
}

// UploadsInFlight is how many bytes of uploads the API is receiving now
// (recheck_upload_inflight_bytes).
func (a *API) UploadsInFlight() int64 { return a.uploads.InFlight() }
