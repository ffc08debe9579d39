package capture_test

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
)

// TestNoticesFitWeChat: every message of every transition that sends one
// fits WeChat's phrase (5) and thing (20) limits, under the default rules.
func TestNoticesFitWeChat(t *testing.T) {
	t.Parallel()
	r := capture.DefaultRules()
	sent := 0
	for _, tr := range capture.Transitions {
		reasons := []string{""}
		switch tr.To {
		case capture.Blocked, capture.Escalated:
			reasons = []string{capture.ReasonPortraitScore, capture.ReasonCTIDSuspected, capture.ReasonCTIDNotSamePerson, capture.ReasonCTIDIdentityInvalid}
		case capture.OnHold:
			reasons = []string{string(capture.HoldAdmissionPhotoMissing), string(capture.HoldAdmissionPhotoUnusable), string(capture.HoldCTIDUnavailable)}
		}
		for _, reason := range reasons {
			rec := &capture.Record{State: tr.From}
			require.NoError(t, rec.Apply(capture.Move{To: tr.To, Cause: tr.Cause, Reason: reason, Note: "照片背景不是白色，请在白色墙面前重新拍摄，并保持光线充足"}, time.Now()))
			n, ok := capture.NoticeFor(rec, rec.Last(), r)
			if !ok {
				continue
			}
			sent++
			require.LessOrEqual(t, utf8.RuneCountInString(n.Phrase), 5, "%v %s: %q", tr, reason, n.Phrase)
			require.LessOrEqual(t, utf8.RuneCountInString(n.Detail), 20, "%v %s: %q", tr, reason, n.Detail)
			require.NotContains(t, n.Detail, "%!", "a number left unfilled")
		}
	}
	require.Greater(t, sent, 8)
	n, ok := capture.JourneyNoticeFor(capture.Notice{Key: capture.NoticeCoolOffEnded, Until: time.Date(2026, 10, 2, 7, 1, 0, 0, time.UTC)})
	require.True(t, ok)
	require.Equal(t, "可再次采集", n.Phrase, "the message says the cool-off is over, not that it began")
	require.LessOrEqual(t, utf8.RuneCountInString(n.Phrase), 5)
	require.LessOrEqual(t, utf8.RuneCountInString(n.Detail), 20)
}

// TestWhatIsNotified: only outcomes the student must act on send a
// message; an unavailable identity check and the inner steps never do.
func TestWhatIsNotified(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from   capture.State
		move   capture.Move
		notice string
	}{
		{capture.Queued, capture.Move{To: capture.Rejected, Cause: capture.CauseQualityRejected}, "rejected"},
		{capture.Queued, capture.Move{To: capture.AwaitingConfirmation, Cause: capture.CauseStandardized}, ""},
		{capture.AwaitingConfirmation, capture.Move{To: capture.Referred, Cause: capture.CauseAdmissionDisputed, Reason: "admission_photo_wrong"}, ""},
		{capture.Matching, capture.Move{To: capture.OnHold, Cause: capture.CauseHeld, Reason: string(capture.HoldCTIDUnavailable)}, ""},
		{capture.Matching, capture.Move{To: capture.Blocked, Cause: capture.CauseMatchBlocked, Reason: capture.ReasonCTIDIdentityInvalid}, "blocked/ctid_identity_invalid"},
		{capture.Matching, capture.Move{To: capture.Escalated, Cause: capture.CauseAttemptsExhausted, Reason: capture.ReasonPortraitScore}, "escalated/attempts_exhausted"},
		{capture.PendingReview, capture.Move{To: capture.Approved, Cause: capture.CauseReviewApproved}, "approved"},
		{capture.PendingReview, capture.Move{To: capture.ReviewRejected, Cause: capture.CauseReviewRejected, Note: "背景不合格"}, "review_rejected"},
		{capture.Matching, capture.Move{To: capture.Failed, Cause: capture.CauseProcessingFailed}, ""},
	}
	for _, tc := range tests {
		rec := &capture.Record{State: tc.from}
		require.NoError(t, rec.Apply(tc.move, time.Now()))
		require.Equal(t, tc.notice, rec.Last().Notice, "%s -> %s", tc.from, tc.move.To)
	}
	rec := &capture.Record{State: capture.PendingReview}
	require.NoError(t, rec.Apply(capture.Move{To: capture.ReviewRejected, Cause: capture.CauseReviewRejected, Note: "背景不合格"}, time.Now()))
	n, _ := capture.NoticeFor(rec, rec.Last(), capture.DefaultRules())
	require.Equal(t, "原因：背景不合格", n.Detail, "a review rejection tells the reason")
	rec.Decision = &capture.ReviewDecision{Decision: capture.Reject, Reason: "背景不合格"}
	require.Contains(t, capture.StatusText(rec, capture.DefaultRules()), "背景不合格")
}

func TestStatusTextForEveryState(t *testing.T) {
	t.Parallel()
	r := capture.DefaultRules()
	for _, s := range capture.States {
		text := capture.StatusText(&capture.Record{State: s}, r)
		require.NotEmpty(t, text, s)
		require.NotContains(t, text, "%!", s)
	}
	blocked := &capture.Record{State: capture.Blocked, BlockReason: capture.ReasonPortraitScore, Match: &capture.Match{PassScore: 85}}
	require.Contains(t, capture.StatusText(blocked, r), "85", "the line the capture was judged by")
	esc := &capture.Record{State: capture.Escalated, Escalation: capture.CaseAttemptsExhausted}
	require.Contains(t, capture.StatusText(esc, r), "3 张")
	require.Contains(t, capture.StatusText(&capture.Record{State: capture.Blocked, BlockReason: capture.ReasonCTIDIdentityInvalid}, r), "网证")
}
