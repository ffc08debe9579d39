package ctidsim

import (
	"testing"
	"time"
)

// TestSweepDropsExpiredEntriesAtMostOnceAMinute: the simulator's nonce and
// serial maps stay bounded, without a scan on every request.
func TestSweepDropsExpiredEntriesAtMostOnceAMinute(t *testing.T) {
	now := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	s := &Simulator{serials: map[string]time.Time{}, nonces: map[string]time.Time{}, now: func() time.Time { return now }}
	s.nonces["old"] = now.Add(-nonceWindow - time.Second)
	s.nonces["fresh"] = now.Add(-time.Minute)
	s.serials["stale"] = now.Add(-serialLife - time.Second)
	s.serials["live"] = now

	s.sweep()
	if _, ok := s.nonces["old"]; ok {
		t.Error("a nonce older than the window was kept")
	}
	if _, ok := s.serials["stale"]; ok {
		t.Error("an expired serial was kept")
	}
	if len(s.nonces) != 1 || len(s.serials) != 1 {
		t.Errorf("live entries dropped: nonces %v, serials %v", s.nonces, s.serials)
	}

	s.nonces["old2"] = now.Add(-nonceWindow - time.Second)
	now = now.Add(30 * time.Second)
	s.sweep()
	if _, ok := s.nonces["old2"]; !ok {
		t.Error("swept again within a minute")
	}
	now = now.Add(31 * time.Second)
	s.sweep()
	if _, ok := s.nonces["old2"]; ok {
		t.Error("not swept after a minute")
	}
}
