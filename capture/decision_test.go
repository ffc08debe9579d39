package capture_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/identity"
)

func TestDecide(t *testing.T) {
	tests := []struct {
		name   string
		score  float64
		ctid   bool
		out    identity.Outcome
		state  capture.State
		reason string
	}{
		{"portrait below 80 blocks, CTID or not", 79.9, true, "", capture.Blocked, capture.ReasonPortraitScore},
		{"portrait below 80 blocks even with a CTID pass", 50, true, identity.Pass, capture.Blocked, capture.ReasonPortraitScore},
		{"portrait below 80, no CTID", 10, false, "", capture.Blocked, capture.ReasonPortraitScore},
		{"80 exactly passes without CTID", 80, false, "", capture.Passed, ""},
		{"passport: portrait only", 95, false, identity.NotSamePerson, capture.Passed, ""},
		{"resident ID and CTID pass", 90, true, identity.Pass, capture.Passed, ""},
		{"CTID suspected", 90, true, identity.Suspected, capture.Blocked, capture.ReasonCTIDSuspected},
		{"CTID not the same person", 90, true, identity.NotSamePerson, capture.Blocked, capture.ReasonCTIDNotSamePerson},
		{"CTID identity invalid", 90, true, identity.IdentityInvalid, capture.Blocked, capture.ReasonCTIDIdentityInvalid},
		{"CTID unavailable waits", 90, true, identity.Unavailable, capture.OnHold, string(capture.HoldCTIDUnavailable)},
		{"CTID answer unknown waits", 90, true, identity.Outcome("weird"), capture.OnHold, string(capture.HoldCTIDUnavailable)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			state, reason := capture.Decide(tc.score, 80, tc.ctid, tc.out)
			require.Equal(t, tc.state, state)
			require.Equal(t, tc.reason, reason)
		})
	}
}
