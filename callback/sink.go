package callback

import (
	"encoding/json"
	"net/http"
	"sync"
	"time"
)

// Sink receives callbacks for tests and for trying them by hand: it
// verifies each, drops repeats by delivery ID, keeps what it accepted, and
// can be told to fail the next requests. It is an http.Handler.
type Sink struct {
	secrets map[string]string
	now     func() time.Time
	// OnAccept, when set, is called with each new payload.
	OnAccept func(Payload)

	mu       sync.Mutex
	got      []Payload
	seen     map[string]bool
	failures []int
	refused  int
	repeats  int
}

// NewSink returns a sink accepting callbacks signed with secrets (key ID →
// secret).
func NewSink(secrets map[string]string) *Sink {
	return &Sink{secrets: secrets, now: time.Now, seen: map[string]bool{}}
}

// ServeHTTP implements http.Handler: 204 for a new or repeated delivery,
// 401 for a bad signature, or the injected failure.
func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	if len(s.failures) > 0 {
		code := s.failures[0]
		s.failures = s.failures[1:]
		s.mu.Unlock()
		http.Error(w, "injected failure", code)
		return
	}
	s.mu.Unlock()
	p, err := Verify(r, s.secrets, s.now())
	if err != nil {
		s.mu.Lock()
		s.refused++
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	s.mu.Lock()
	repeat := s.seen[p.DeliveryID]
	if repeat {
		s.repeats++
	} else {
		s.seen[p.DeliveryID] = true
		s.got = append(s.got, p)
	}
	s.mu.Unlock()
	if !repeat && s.OnAccept != nil {
		s.OnAccept(p)
	}
	w.WriteHeader(http.StatusNoContent)
}

// Fail makes the next requests answer these HTTP statuses, one each.
func (s *Sink) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, statuses...)
}

// Received returns the accepted payloads, each delivery once, in order.
func (s *Sink) Received() []Payload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Payload(nil), s.got...)
}

// Refused counts requests that failed verification; Repeats deliveries
// received again.
func (s *Sink) Refused() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.refused
}

// Repeats counts deliveries received more than once.
func (s *Sink) Repeats() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.repeats
}
