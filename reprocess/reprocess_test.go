package reprocess_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/reprocess"
)

func TestParams(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		p      reprocess.Params
		states []capture.State
		err    string
	}{
		{"resume by default", reprocess.Params{School: "cjlu"}, []capture.State{capture.Failed, capture.OnHold}, ""},
		{"match", reprocess.Params{School: "cjlu", Stage: "match"}, []capture.State{capture.Blocked, capture.PendingReview}, ""},
		{"states sorted and once", reprocess.Params{School: "cjlu", Stage: "match", States: []capture.State{"pending_review", "blocked", "blocked"}}, []capture.State{capture.Blocked, capture.PendingReview}, ""},
		{"bad school", reprocess.Params{School: "../x"}, nil, "school"},
		{"bad stage", reprocess.Params{School: "cjlu", Stage: "approve"}, nil, `"approve": use resume`},
		{"state the stage does not take", reprocess.Params{School: "cjlu", Stage: "standardize", States: []capture.State{"blocked"}}, nil, "stage standardize takes captures in"},
	}
	for _, tc := range tests {
		err := tc.p.Normalize()
		if tc.err != "" {
			require.ErrorContains(t, err, tc.err, tc.name)
			continue
		}
		require.NoError(t, err, tc.name)
		require.Equal(t, tc.states, tc.p.States, tc.name)
	}
}

func TestBatchIDs(t *testing.T) {
	t.Parallel()
	a := reprocess.Params{School: "cjlu", Stage: "match"}
	b := reprocess.Params{School: "cjlu", Stage: "match", States: []capture.State{"pending_review", "blocked"}}
	require.NoError(t, a.Normalize())
	require.NoError(t, b.Normalize())
	require.Equal(t, a.ID(), b.ID(), "the same batch, however the states were written")
	c := a
	c.Since = time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC)
	require.NotEqual(t, a.ID(), c.ID(), "other parameters, another batch")
	d := a
	d.New = true
	require.NotEqual(t, a.ID(), d.ID(), "--new, another batch")
	require.Regexp(t, `^b[0-9a-f]{12}$`, a.ID())
}
