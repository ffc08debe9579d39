// Package ctidsim is a simulator of the CTID gateway for development and
// tests: the same protocol as the real gateway (signatures, timestamps,
// nonces that may not be replayed, one-time serials) over HTTP, backed by a
// folder of registered people, with knobs for latency, errors and outages.
// Production never runs it unless chosen by name (RECHECK_CTID_URL=sim).
package ctidsim

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/recheck/recheck/ctid"
)

// Comparer scores two portraits (JPEG, PNG, WebP or HEIF bytes) on recheck's
// 0-100 scale; the simulator uses the project's own matcher.
type Comparer interface {
	ComparePortraits(ctx context.Context, a, b []byte) (score float64, err error)
}

// Person is a registered person in the simulator's registry.
type Person struct {
	Name string `json:"name"`
	// Photo is the registry photo's file, relative to the registry folder;
	// empty means the database holds no photo.
	Photo string `json:"photo"`
}

// Config configures the simulator.
type Config struct {
	// Registry is a folder with registry.json (resident ID number → Person)
	// and the photos it names; a missing folder is an empty registry.
	Registry string
	// Unknown is the answer for unregistered numbers: "pass" or "not_found".
	Unknown string
	// Key and AppID must sign requests as the client does.
	Key, AppID string
	// Latency is added to every answer.
	Latency time.Duration
	// ErrorRate is the chance (0-1) that a request fails with 503.
	ErrorRate float64
	// Outage makes every request fail with 503.
	Outage bool
	// Comparer scores portraits against registry photos.
	Comparer Comparer
}

// Simulator is an HTTP server speaking the CTID gateway protocol, backed by
// a folder of registered people, for development and tests. A portrait
// scoring 80 or more against the registry photo is "same", 60-80
// "uncertain", below 60 "different", and one without a usable face
// "low_quality".
type Simulator struct {
	cfg      Config
	registry map[string]Person

	mu      sync.Mutex
	serials map[string]time.Time // issued, not yet used
	nonces  map[string]time.Time // seen in the last 10 minutes
	swept   time.Time            // when expired entries were last dropped
	now     func() time.Time
	// faults are Latency, ErrorRate and Outage, changeable while serving.
	faults faults
}

// faults are the simulator's fault knobs.
type faults struct {
	latency   time.Duration
	errorRate float64
	outage    bool
}

// How long a nonce is remembered and a serial stays usable.
const (
	nonceWindow = 10 * time.Minute
	serialLife  = time.Minute
)

// sweep drops expired nonces and serials, at most once a minute so that a
// burst of requests does not scan the maps on every call. s.mu is held.
func (s *Simulator) sweep() {
	now := s.now()
	if now.Sub(s.swept) < time.Minute {
		return
	}
	s.swept = now
	for n, t := range s.nonces {
		if now.Sub(t) > nonceWindow {
			delete(s.nonces, n)
		}
	}
	for n, t := range s.serials {
		if now.Sub(t) > serialLife {
			delete(s.serials, n)
		}
	}
}

// New loads the registry and returns the simulator.
func New(cfg Config) (*Simulator, error) {
	s := &Simulator{cfg: cfg, registry: map[string]Person{}, serials: map[string]time.Time{}, nonces: map[string]time.Time{}, now: time.Now,
		faults: faults{latency: cfg.Latency, errorRate: cfg.ErrorRate, outage: cfg.Outage}}
	raw, err := os.ReadFile(filepath.Join(cfg.Registry, "registry.json"))
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("ctid-sim: %w", err)
	default:
		if err := json.Unmarshal(raw, &s.registry); err != nil {
			return nil, fmt.Errorf("ctid-sim: %s/registry.json: %w", cfg.Registry, err)
		}
	}
	if cfg.Unknown != "pass" && cfg.Unknown != "not_found" {
		return nil, fmt.Errorf("ctid-sim: unknown-person answer must be pass or not_found, got %q", cfg.Unknown)
	}
	return s, nil
}

// SetOutage starts (true) or ends an outage: every request fails with 503
// meanwhile.
func (s *Simulator) SetOutage(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.outage = down
}

// SetLatency delays every later answer by d.
func (s *Simulator) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults.latency = d
}

// ServeHTTP implements http.Handler.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.faults
	s.mu.Unlock()
	if f.latency > 0 {
		select {
		case <-time.After(f.latency):
		case <-r.Context().Done():
			return
		}
	}
	if f.outage || (f.errorRate > 0 && mrand.Float64() < f.errorRate) {
		reply(w, http.StatusServiceUnavailable, ctid.Response{Code: 5003, Message: "service unavailable"})
		return
	}
	if r.Method != http.MethodPost {
		reply(w, http.StatusMethodNotAllowed, ctid.Response{Code: 4005, Message: "POST only"})
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		reply(w, http.StatusBadRequest, ctid.Response{Code: 4000, Message: "cannot read the body"})
		return
	}
	if code, msg := s.checkSignature(r, body); code != 0 {
		reply(w, http.StatusUnauthorized, ctid.Response{Code: code, Message: msg})
		return
	}
	switch r.URL.Path {
	case "/v1/apply":
		s.apply(w)
	case "/v1/auth":
		s.auth(r.Context(), w, body)
	default:
		reply(w, http.StatusNotFound, ctid.Response{Code: 4004, Message: "no such call"})
	}
}

// checkSignature verifies the app ID, the timestamp (within 5 minutes), the
// nonce (never seen) and the signature.
func (s *Simulator) checkSignature(r *http.Request, body []byte) (int, string) {
	if r.Header.Get(ctid.HeaderAppID) != s.cfg.AppID {
		return 1003, "unknown app"
	}
	ts, err := strconv.ParseInt(r.Header.Get(ctid.HeaderTimestamp), 10, 64)
	if err != nil || s.now().Sub(time.Unix(ts, 0)).Abs() > 5*time.Minute {
		return 1002, "timestamp missing or too far off"
	}
	nonce := r.Header.Get(ctid.HeaderNonce)
	want := ctid.Signature([]byte(s.cfg.Key), r.Method, r.URL.Path, r.Header.Get(ctid.HeaderTimestamp), nonce, body)
	if nonce == "" || !hmac.Equal([]byte(want), []byte(r.Header.Get(ctid.HeaderSignature))) {
		return 1001, "signature invalid"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweep()
	if t, seen := s.nonces[nonce]; seen && s.now().Sub(t) <= nonceWindow {
		return 1004, "nonce replayed"
	}
	s.nonces[nonce] = s.now()
	return 0, ""
}

func (s *Simulator) apply(w http.ResponseWriter) {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	serial, random := "SIM"+hex.EncodeToString(b[:8]), hex.EncodeToString(b[8:])
	s.mu.Lock()
	s.serials[serial] = s.now()
	s.mu.Unlock()
	reply(w, http.StatusOK, ctid.Response{Serial: serial, Random: random})
}

func (s *Simulator) auth(ctx context.Context, w http.ResponseWriter, body []byte) {
	var req struct {
		Serial   string `json:"serial"`
		Name     string `json:"name"`
		IDNumber string `json:"id_number"`
		Portrait string `json:"portrait"`
	}
	if err := json.Unmarshal(body, &req); err != nil {
		reply(w, http.StatusBadRequest, ctid.Response{Code: 4000, Message: "body is not JSON"})
		return
	}
	s.mu.Lock()
	issued, ok := s.serials[req.Serial]
	delete(s.serials, req.Serial)
	s.mu.Unlock()
	if !ok || s.now().Sub(issued) > serialLife {
		reply(w, http.StatusConflict, ctid.Response{Code: 2001, Message: "serial unknown, used or expired"})
		return
	}
	portrait, err := base64.StdEncoding.DecodeString(req.Portrait)
	if err != nil || len(portrait) == 0 {
		reply(w, http.StatusBadRequest, ctid.Response{Code: 4001, Message: "portrait is not base64"})
		return
	}
	out := ctid.Response{Serial: req.Serial}
	p, registered := s.registry[req.IDNumber]
	switch {
	case !registered && s.cfg.Unknown == "pass":
		out.TextResult, out.PortraitResult, out.Similarity = ctid.TextMatch, ctid.PortraitSame, 99
	case !registered:
		out.TextResult = ctid.TextNotFound
	case p.Name != req.Name:
		out.TextResult = ctid.TextMismatch
	case p.Photo == "":
		out.TextResult, out.PortraitResult = ctid.TextMatch, ctid.PortraitNoPhoto
	default:
		out.TextResult = ctid.TextMatch
		ref, err := os.ReadFile(filepath.Join(s.cfg.Registry, p.Photo))
		if err != nil {
			reply(w, http.StatusInternalServerError, ctid.Response{Code: 5001, Message: "registry photo unreadable"})
			return
		}
		score, err := s.cfg.Comparer.ComparePortraits(ctx, portrait, ref)
		switch {
		case err != nil:
			out.PortraitResult = ctid.PortraitLowQuality
		case score >= 80:
			out.PortraitResult = ctid.PortraitSame
		case score >= 60:
			out.PortraitResult = ctid.PortraitUncertain
		default:
			out.PortraitResult = ctid.PortraitDifferent
		}
		out.Similarity = score
	}
	reply(w, http.StatusOK, out)
}

func reply(w http.ResponseWriter, status int, r ctid.Response) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(r)
}

// Settings are the simulator's settings read from the environment, used
// only when RECHECK_CTID_URL=sim (recheck serve and worker start the
// simulator in-process) and by recheck ctid-sim.
type Settings struct {
	// Registry is the folder of registered people.
	Registry string `env:"RECHECK_CTID_SIM_REGISTRY" default:"./data/ctid-registry" help:"development only (RECHECK_CTID_URL=sim): the CTID simulator's folder of registered people (registry.json and photos)"`
	// Unknown is the answer for people not registered: "pass" (a laptop
	// with an empty registry works) or "not_found".
	Unknown string `env:"RECHECK_CTID_SIM_UNKNOWN" default:"pass" help:"development only (RECHECK_CTID_URL=sim): the CTID simulator's answer for unregistered people: pass or not_found"`
}

// Validate reports settings that cannot work.
func (s Settings) Validate() error {
	if s.Unknown != "pass" && s.Unknown != "not_found" {
		return fmt.Errorf("ctidsim: RECHECK_CTID_SIM_UNKNOWN must be pass or not_found, got %q", s.Unknown)
	}
	return nil
}

// The app ID and key the in-process simulator and its client share.
const (
	DevAppID = "recheck-dev"
	DevKey   = "recheck-dev-signing-key"
)
