package capture_test

import (
	"os"
	"regexp"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
)

// TestDocsDiagramMatchesTheTable fails when the lifecycle diagram in
// docs/journey.md and the transition table differ: regenerate the doc's
// block with capture.Mermaid() (the failure prints it).
func TestDocsDiagramMatchesTheTable(t *testing.T) {
	t.Parallel()
	raw, err := os.ReadFile("../docs/journey.md")
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)```mermaid\n(stateDiagram-v2\n.*?)```").FindSubmatch(raw)
	require.NotNil(t, m, "docs/journey.md has a mermaid stateDiagram-v2 block")
	require.Equal(t, capture.Mermaid(), string(m[1]), "docs/journey.md's diagram must be capture.Mermaid():\n%s", capture.Mermaid())
}

// TestTransitionTable walks the table: every state is reachable from the
// start, every state that is not final can move on, final states cannot,
// and every cause names its moves unambiguously.
func TestTransitionTable(t *testing.T) {
	t.Parallel()
	reach := map[capture.State]bool{"": true}
	for changed := true; changed; {
		changed = false
		for _, tr := range capture.Transitions {
			if reach[tr.From] && !reach[tr.To] {
				reach[tr.To], changed = true, true
			}
		}
	}
	seen := map[capture.Transition]bool{}
	for _, tr := range capture.Transitions {
		require.False(t, seen[tr], "duplicate transition %v", tr)
		seen[tr] = true
		require.False(t, tr.From.Final(), "a final state moves: %v", tr)
		require.Contains(t, capture.States, tr.To)
	}
	for _, s := range capture.States {
		require.True(t, reach[s], "%s is unreachable", s)
		out := 0
		for _, tr := range capture.Transitions {
			if tr.From == s {
				out++
			}
		}
		require.Equal(t, s.Final(), out == 0, "%s: final states and only they have no way out", s)
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	rec := &capture.Record{}
	require.NoError(t, rec.Apply(capture.Move{To: capture.Queued, Cause: capture.CauseSubmitted, Actor: capture.ActorUpstream}, at))
	require.NoError(t, rec.Apply(capture.Move{To: capture.AwaitingConfirmation, Cause: capture.CauseStandardized}, at.Add(time.Second)))
	require.NoError(t, rec.Apply(capture.Move{To: capture.Matching, Cause: capture.CauseConfirmed, Actor: capture.ActorUpstream}, at.Add(2*time.Second)))
	require.NoError(t, rec.Apply(capture.Move{To: capture.OnHold, Cause: capture.CauseHeld, Reason: string(capture.HoldAdmissionPhotoMissing)}, at))
	require.Equal(t, capture.HoldAdmissionPhotoMissing, rec.HoldReason)
	require.Equal(t, "on_hold/admission_photo_missing", rec.Last().Notice, "the hold tells the student to contact the office")
	require.NoError(t, rec.Apply(capture.Move{To: capture.Matching, Cause: capture.CauseAdmissionReplaced, Actor: capture.ActorUpstream}, at))
	require.Empty(t, rec.HoldReason, "leaving on_hold clears the reason")
	require.NoError(t, rec.Apply(capture.Move{To: capture.PendingReview, Cause: capture.CauseMatchPassed}, at))
	require.Empty(t, rec.Last().Notice, "a passed comparison sends nothing: the review's verdict does")
	require.NoError(t, rec.Apply(capture.Move{To: capture.Approved, Cause: capture.CauseReviewApproved, Actor: capture.Reviewer("li")}, at))

	require.Len(t, rec.History, 7)
	for i, e := range rec.History {
		require.Equal(t, i+1, e.Seq)
		require.NotEmpty(t, e.Actor)
	}
	require.Equal(t, "system", rec.History[1].Actor, "an actor left out is the system")
	require.Equal(t, "reviewer:li", rec.Last().Actor)
	require.Equal(t, "approved", rec.Last().Notice)

	tests := []struct {
		from  capture.State
		move  capture.Move
		legal bool
	}{
		{capture.Queued, capture.Move{To: capture.Matching, Cause: capture.CauseConfirmed}, false},
		{capture.AwaitingConfirmation, capture.Move{To: capture.Matching, Cause: capture.CauseStandardized}, false},
		{capture.Blocked, capture.Move{To: capture.PendingReview, Cause: capture.CauseMatchPassed}, false},
		{capture.Approved, capture.Move{To: capture.ReviewRejected, Cause: capture.CauseReviewRejected}, false},
		{capture.Approved, capture.Move{To: capture.Matching, Cause: capture.CauseAdmissionReplaced}, false},
		{capture.Referred, capture.Move{To: capture.AwaitingConfirmation, Cause: capture.CauseAdmissionReplaced}, true},
		{capture.Failed, capture.Move{To: capture.Queued, Cause: capture.CauseRetried}, true},
	}
	for _, tc := range tests {
		r := &capture.Record{State: tc.from}
		err := r.Apply(tc.move, at)
		if tc.legal {
			require.NoError(t, err)
			continue
		}
		var te *capture.TransitionError
		require.ErrorAs(t, err, &te, "%s -> %s", tc.from, tc.move.To)
		require.Equal(t, tc.from, r.State, "an illegal move changes nothing")
		require.Empty(t, r.History)
	}
}
