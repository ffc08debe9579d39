package capture_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/ctid"
)

// The decision table: a portrait over the line still needs CTID's pass for
// a mainland resident ID card.
func ExampleDecide() {
	r := capture.DefaultRules()
	for _, c := range []struct {
		score float64
		ctid  ctid.Outcome
	}{{95.7, ctid.Pass}, {95.7, ctid.NotSamePerson}, {62, ""}} {
		v := capture.Decide(c.score, r, c.ctid != "", c.ctid)
		fmt.Printf("%g %q -> %s\n", c.score, c.ctid, strings.TrimSpace(string(v.To)+" "+v.Reason))
	}
	// Output:
	// 95.7 "pass" -> pending_review
	// 95.7 "not_same_person" -> blocked ctid_not_same_person
	// 62 "" -> blocked portrait_score_low
}

// A student who used the day's three standardizations waits 24 hours from
// the third.
func ExampleJourney_Quota() {
	bj := time.FixedZone("Beijing", 8*3600)
	j := &capture.Journey{Slots: []capture.Slot{
		{CaptureID: "a", At: time.Date(2026, 9, 1, 9, 0, 0, 0, bj)},
		{CaptureID: "b", At: time.Date(2026, 9, 1, 9, 30, 0, 0, bj)},
		{CaptureID: "c", At: time.Date(2026, 9, 1, 10, 15, 0, 0, bj)},
	}}
	q := j.Quota(capture.DefaultRules(), time.Date(2026, 9, 1, 11, 0, 0, 0, bj))
	fmt.Println(q.UsedToday, "of", q.Limit, "used; next at", q.NextAllowedAt.In(bj).Format("Jan 2 15:04"))
	// Output:
	// 3 of 3 used; next at Sep 2 10:15
}

// Every move of a capture is checked against the lifecycle table and
// recorded in its history.
func ExampleRecord_Apply() {
	rec := &capture.Record{}
	at := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	_ = rec.Apply(capture.Move{To: capture.Queued, Cause: capture.CauseSubmitted, Actor: capture.ActorUpstream}, at)
	err := rec.Apply(capture.Move{To: capture.Approved, Cause: capture.CauseReviewApproved}, at)
	fmt.Println(err)
	fmt.Println(rec.State, len(rec.History), rec.Last().Actor)
	// Output:
	// capture: cannot move from queued to approved (review_approved)
	// queued 1 upstream
}
