// Package wechatsim simulates WeChat's stable-token and subscribe-message
// APIs for tests and development: real error codes (invalid and expired
// tokens, a refused subscription, bad openid, template, page and field),
// the value limits of each key type, the forced-refresh limit, a record of
// every message received, and knobs for injected errors and latency.
package wechatsim

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/recheck/recheck/notify/wechat"
)

// The credentials the simulator accepts unless told otherwise.
const (
	DevAppID  = "wx-recheck-dev"
	DevSecret = "recheck-dev-secret"
)

// Config sets up a simulator.
type Config struct {
	AppID, Secret string
	// TokenTTL is the expires_in of the tokens it issues (default 7200 s).
	TokenTTL time.Duration
	// Templates, when set, are the only template IDs it knows (40037
	// otherwise); Pages, when set, the only pages (41030 otherwise).
	Templates, Pages []string
	// Now is its clock (default time.Now).
	Now func() time.Time
}

// Received is one message the simulator accepted.
type Received struct {
	MsgID      int64                        `json:"msgid"`
	ToUser     string                       `json:"touser"`
	TemplateID string                       `json:"template_id"`
	Page       string                       `json:"page,omitempty"`
	Data       map[string]map[string]string `json:"data"`
	State      string                       `json:"miniprogram_state,omitempty"`
	At         time.Time                    `json:"at"`
}

// Sim is the simulator; it is an http.Handler.
type Sim struct {
	cfg Config
	mux *http.ServeMux

	mu          sync.Mutex
	tokens      map[string]time.Time // token → expiry
	current     string
	lastForced  time.Time
	tokenCalls  int
	forcedCalls int
	sendCalls   int
	received    []Received
	nextMsgID   int64
	inject      []int
	refused     map[string]bool
	latency     time.Duration
}

// New returns a simulator.
func New(cfg Config) *Sim {
	if cfg.AppID == "" {
		cfg.AppID = DevAppID
	}
	if cfg.Secret == "" {
		cfg.Secret = DevSecret
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 7200 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Sim{cfg: cfg, tokens: map[string]time.Time{}, refused: map[string]bool{}, nextMsgID: 1_000_000_000}
	s.mux = http.NewServeMux()
	s.mux.HandleFunc("POST /cgi-bin/stable_token", s.stableToken)
	s.mux.HandleFunc("POST /cgi-bin/message/subscribe/send", s.send)
	s.mux.HandleFunc("GET /sim/messages", s.messages)
	s.mux.HandleFunc("POST /sim/inject", s.injectHTTP)
	return s
}

// ServeHTTP implements http.Handler.
func (s *Sim) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	d := s.latency
	s.mu.Unlock()
	if d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	s.mux.ServeHTTP(w, r)
}

func answer(w http.ResponseWriter, v map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(v)
}

func fail(w http.ResponseWriter, code int, msg string) {
	answer(w, map[string]any{"errcode": code, "errmsg": msg})
}

func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Sim) stableToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		GrantType    string `json:"grant_type"`
		AppID        string `json:"appid"`
		Secret       string `json:"secret"`
		ForceRefresh bool   `json:"force_refresh"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, 47001, "data format error")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokenCalls++
	switch {
	case req.GrantType != "client_credential":
		fail(w, 40002, "invalid grant_type")
		return
	case req.AppID != s.cfg.AppID:
		fail(w, 40013, "invalid appid")
		return
	case req.Secret != s.cfg.Secret:
		fail(w, 40125, "invalid appsecret")
		return
	}
	now := s.cfg.Now()
	if req.ForceRefresh {
		if now.Sub(s.lastForced) < 30*time.Second {
			fail(w, 45011, "api minute-quota reach limit mustslower retry next minute")
			return
		}
		s.lastForced = now
		s.forcedCalls++
		s.current = ""
	}
	// As WeChat's stable token: the same token while it is valid, a new
	// one in its last 5 minutes (the old one lasting until it expires).
	if exp, ok := s.tokens[s.current]; !ok || exp.Sub(now) < 5*time.Minute {
		s.current = newToken()
		s.tokens[s.current] = now.Add(s.cfg.TokenTTL)
	}
	left := s.tokens[s.current].Sub(now)
	answer(w, map[string]any{"access_token": s.current, "expires_in": int(left.Seconds())})
}

func (s *Sim) send(w http.ResponseWriter, r *http.Request) {
	tok := r.URL.Query().Get("access_token")
	var req Received
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		fail(w, 47001, "data format error")
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sendCalls++
	exp, ok := s.tokens[tok]
	switch {
	case tok == "":
		fail(w, 41001, "access_token missing")
		return
	case !ok:
		fail(w, 40001, "invalid credential, access_token is invalid or not latest")
		return
	case !s.cfg.Now().Before(exp):
		fail(w, 42001, "access_token expired")
		return
	}
	if len(s.inject) > 0 {
		code := s.inject[0]
		s.inject = s.inject[1:]
		if code == 40001 {
			delete(s.tokens, tok) // as if the token had been replaced elsewhere
		}
		fail(w, code, "injected by the simulator")
		return
	}
	switch {
	case req.ToUser == "" || strings.ContainsAny(req.ToUser, " /?"):
		fail(w, 40003, "invalid openid")
		return
	case s.refused[req.ToUser]:
		fail(w, 43101, "user refuse to accept the msg")
		return
	case req.TemplateID == "" || (len(s.cfg.Templates) > 0 && !contains(s.cfg.Templates, req.TemplateID)):
		fail(w, 40037, "invalid template_id")
		return
	case req.Page != "" && len(s.cfg.Pages) > 0 && !contains(s.cfg.Pages, strings.SplitN(req.Page, "?", 2)[0]):
		fail(w, 41030, "invalid page")
		return
	case req.State != "" && req.State != "formal" && req.State != "trial" && req.State != "developer":
		fail(w, 47003, "argument invalid! data.miniprogram_state invalid")
		return
	}
	for k, v := range req.Data {
		typ, err := wechat.KeyType(k)
		if err == nil {
			err = wechat.CheckValue(typ, v["value"])
		}
		if err != nil {
			fail(w, 47003, fmt.Sprintf("argument invalid! data.%s.value invalid: %v", k, err))
			return
		}
	}
	s.nextMsgID++
	req.MsgID = s.nextMsgID
	req.At = s.cfg.Now()
	s.received = append(s.received, req)
	answer(w, map[string]any{"errcode": 0, "errmsg": "ok", "msgid": req.MsgID})
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func (s *Sim) messages(w http.ResponseWriter, _ *http.Request) {
	answer(w, map[string]any{"messages": s.Received(), "token_calls": s.TokenCalls()})
}

func (s *Sim) injectHTTP(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Codes []int `json:"codes"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(w, "body must be {\"codes\":[...]}", http.StatusBadRequest)
		return
	}
	s.Inject(req.Codes...)
	answer(w, map[string]any{"injected": len(req.Codes)})
}

// Inject makes the next sends (with a valid token) answer these error
// codes, one each, in order; 40001 also invalidates the token used.
func (s *Sim) Inject(codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.inject = append(s.inject, codes...)
}

// Refuse makes sends to openid answer 43101 (not subscribed).
func (s *Sim) Refuse(openid string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.refused[openid] = true
}

// SetLatency delays every answer by d.
func (s *Sim) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = d
}

// ExpireTokens makes every token issued so far expired.
func (s *Sim) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k := range s.tokens {
		s.tokens[k] = time.Time{}
	}
}

// Received returns the messages accepted so far, in order.
func (s *Sim) Received() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.received...)
}

// TokenCalls counts the stable_token requests; ForcedCalls the forced
// refreshes among them; SendCalls the send requests.
func (s *Sim) TokenCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.tokenCalls
}

// ForcedCalls counts the forced refreshes granted.
func (s *Sim) ForcedCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.forcedCalls
}

// SendCalls counts the send requests.
func (s *Sim) SendCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sendCalls
}
