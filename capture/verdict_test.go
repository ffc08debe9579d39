package capture_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/ctid"
	"github.com/recheck/recheck/identity"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		score  float64
		ctid   bool
		out    ctid.Outcome
		state  capture.State
		reason string
	}{
		{"portrait below 80 blocks, CTID or not", 79.9, true, "", capture.Blocked, capture.ReasonPortraitScore},
		{"portrait below 80 blocks even with a CTID pass", 50, true, ctid.Pass, capture.Blocked, capture.ReasonPortraitScore},
		{"portrait below 80, no CTID", 10, false, "", capture.Blocked, capture.ReasonPortraitScore},
		{"80 exactly passes without CTID", 80, false, "", capture.PendingReview, ""},
		{"passport: portrait only", 95, false, ctid.NotSamePerson, capture.PendingReview, ""},
		{"resident ID and CTID pass", 90, true, ctid.Pass, capture.PendingReview, ""},
		{"CTID suspected", 90, true, ctid.Suspected, capture.Blocked, capture.ReasonCTIDSuspected},
		{"CTID not the same person", 90, true, ctid.NotSamePerson, capture.Blocked, capture.ReasonCTIDNotSamePerson},
		{"CTID identity invalid", 90, true, ctid.IdentityInvalid, capture.Blocked, capture.ReasonCTIDIdentityInvalid},
		{"CTID unavailable waits", 90, true, ctid.Unavailable, capture.OnHold, string(capture.HoldCTIDUnavailable)},
		{"CTID answer unknown waits", 90, true, ctid.Outcome("weird"), capture.OnHold, string(capture.HoldCTIDUnavailable)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := capture.Decide(tc.score, capture.DefaultRules(), tc.ctid, tc.out)
			require.Equal(t, tc.state, v.To)
			require.Equal(t, tc.reason, v.Reason)
			require.True(t, capture.Legal(capture.Matching, v.To, v.Cause), "the verdict is a legal move from matching")
		})
	}
}

func TestDecideUsesTheSchoolsLine(t *testing.T) {
	t.Parallel()
	strict := capture.DefaultRules()
	strict.PassScore = 90
	require.Equal(t, capture.Blocked, capture.Decide(85, strict, false, "").To)
	require.Equal(t, capture.PendingReview, capture.Decide(85, capture.DefaultRules(), false, "").To)
}

func TestNeedsCTID(t *testing.T) {
	t.Parallel()
	r := capture.DefaultRules()
	require.True(t, capture.NeedsCTID(80, r, identity.ResidentID))
	require.False(t, capture.NeedsCTID(79.9, r, identity.ResidentID), "a blocked portrait needs no identity check")
	for _, d := range []identity.DocumentType{identity.HMTResidencePermit, identity.HongKongID, identity.TaiwanID, identity.ForeignPermanentResidentID, identity.Passport} {
		require.False(t, capture.NeedsCTID(99, r, d), d)
	}
}
