package systemtest

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/ctid"
	"github.com/recheck/recheck/worker/workertest"
)

var shanghai = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// TestJourneyConfirmPassReviewApprove: the whole happy path, as the
// upstream drives it: standardize, confirm, compare, review, "审核通过".
func TestJourneyConfirmPassReviewApprove(t *testing.T) {
	t.Parallel()
	bothDeliveries(t, worldOptions{}, func(t *testing.T, w *world) {
		w.putAdmission("S1", "person=alice")
		id := w.accepted("S1", "person=alice")
		c := w.capture(id)
		require.Equal(t, "awaiting_confirmation", c["state"], "the capture waits for the student")
		require.Contains(t, c["photos"], "standardized")
		require.Zero(t, w.scorer.Calls(), "nothing is compared before the student confirms")

		status, body := w.confirm(id, "mine")
		require.Equal(t, http.StatusOK, status, body)
		c = w.capture(id)
		require.Equal(t, "pending_review", c["state"])
		require.Equal(t, "人像比对通过，等待人工审核", c["message_zh"])
		match := c["match"].(map[string]any)
		require.Equal(t, 95.0, match["score"])
		require.Equal(t, 80.0, match["pass_score"])
		require.Equal(t, "pass", match["ctid"].(map[string]any)["outcome"])

		reviews := w.admin("/v1/schools/cjlu/reviews?state=pending")
		items := reviews["items"].([]any)
		require.Len(t, items, 1)
		item := items[0].(map[string]any)
		require.Equal(t, id, item["capture_id"])
		require.Equal(t, 95.0, item["score"])
		require.Equal(t, "pass", item["ctid"].(map[string]any)["outcome"])
		require.Contains(t, item["measures"], "sharpness")
		require.Contains(t, item["photos"], "admission")

		status, body = w.review(id, "approve", "")
		require.Equal(t, http.StatusOK, status, body)
		c = w.capture(id)
		require.Equal(t, "approved", c["state"])
		require.Equal(t, "reviewer:admin", c["decision"].(map[string]any)["reviewer"])
		require.Equal(t, []string{"submitted", "standardized", "confirmed", "match_passed", "review_approved"}, causes(c))
		actors := []string{}
		for _, e := range c["history"].([]any) {
			actors = append(actors, e.(map[string]any)["actor"].(string))
		}
		require.Equal(t, []string{"upstream", "system", "upstream", "system", "reviewer:admin"}, actors)

		require.Equal(t, []string{"approved"}, w.notes.Keys(id), "exactly one message: 审核通过")
		require.Equal(t, "审核通过", w.notes.Sent()[0].Phrase)
		require.Equal(t, 1, w.std.Calls())
		require.Equal(t, 1, w.scorer.Calls())
		require.Equal(t, 1, w.ctid.Calls())
		require.Empty(t, w.admin("/v1/schools/cjlu/reviews?state=pending")["items"], "it left the list")
		require.Len(t, w.admin("/v1/schools/cjlu/reviews?state=approved")["items"], 1)

		s := w.summary("S1")
		require.Equal(t, "approved", s["stage"])
		require.Equal(t, id, s["latest_capture"].(map[string]any)["id"])

		status, body = w.submit("S1", "person=alice")
		require.Equal(t, http.StatusConflict, status)
		require.Equal(t, "journey_complete", errCode(t, body), "an approved student submits nothing more")

		status, body = w.review(id, "reject", "背景不合格")
		require.Equal(t, http.StatusConflict, status)
		require.Equal(t, "already_reviewed", errCode(t, body), "a capture is reviewed once")
	})
}

// TestJourneyWrongAdmissionPhoto: the student says the admission photo is
// not theirs; nothing is compared and the records office has the case
// until a new admission photo arrives.
func TestJourneyWrongAdmissionPhoto(t *testing.T) {
	t.Parallel()
	bothDeliveries(t, worldOptions{}, func(t *testing.T, w *world) {
		w.putAdmission("S1", "person=mallory")
		id := w.accepted("S1", "person=alice")
		status, body := w.confirm(id, "wrong")
		require.Equal(t, http.StatusOK, status, body)
		c := w.capture(id)
		require.Equal(t, "referred", c["state"])
		require.Contains(t, c["message_zh"], "学籍部门")
		require.Zero(t, w.scorer.Calls(), "no comparison")
		require.Zero(t, w.ctid.Calls())
		require.Equal(t, "records_office", w.summary("S1")["stage"])
		cases := w.admin("/v1/schools/cjlu/escalations")["items"].([]any)
		require.Len(t, cases, 1)
		require.Equal(t, "admission_photo_wrong", cases[0].(map[string]any)["case"].(map[string]any)["reason"])

		// The upstream cannot change the photo on file; the office puts
		// the right one there: the capture goes back to the student, who
		// confirms it.
		resp, body := w.do(http.MethodPut, "/v1/schools/cjlu/students/S1/admission-photo", "image/png", bytes.NewReader(workertest.Photo("person=alice")), false)
		require.Equal(t, http.StatusConflict, resp.StatusCode)
		require.Equal(t, "admission_photo_locked", errCode(t, body))
		res := w.replaceAdmission("S1", "person=alice", "录取照片错误，已核实后更换")
		require.Equal(t, 1.0, res["resumed"])
		require.Equal(t, "awaiting_confirmation", w.state(id))
		require.Empty(t, w.admin("/v1/schools/cjlu/escalations")["items"], "the case closed")
		status, body = w.confirm(id, "mine")
		require.Equal(t, http.StatusOK, status, body)
		require.Equal(t, "pending_review", w.state(id))
		require.Empty(t, w.notes.Keys(id), "nothing the student must act on was sent")
	})
}

// TestJourneyMissingAdmissionPhotoResolvedByTheOffice: "missing" goes to
// the records office, which closes the case with a note.
func TestJourneyMissingAdmissionPhotoResolvedByTheOffice(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=alice")
	id := w.accepted("S1", "person=alice")
	_, _ = w.confirm(id, "missing")
	require.Equal(t, "referred", w.state(id))
	status, body := w.resolve("S1", "核实录取照片无误，请学生重新确认")
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, "confirm", body["stage"])
	c := w.capture(id)
	require.Equal(t, "awaiting_confirmation", c["state"])
	last := c["history"].([]any)[len(c["history"].([]any))-1].(map[string]any)
	require.Equal(t, "case_resolved", last["cause"])
	require.Equal(t, "records_office:admin", last["actor"])
}

// TestJourneyThreeFailedAttemptsEscalate: three qualifying photos blocked
// by the comparison escalate; the fourth capture is refused until the
// records office closes the case.
func TestJourneyThreeFailedAttemptsEscalate(t *testing.T) {
	t.Parallel()
	bothDeliveries(t, worldOptions{}, func(t *testing.T, w *world) {
		w.putAdmission("S1", "person=alice")
		var ids []string
		for range 3 {
			ids = append(ids, w.pass("S1", "person=bob"))
			w.clock.Advance(time.Minute)
		}
		require.Equal(t, "blocked", w.state(ids[0]))
		require.Equal(t, "blocked", w.state(ids[1]))
		last := w.capture(ids[2])
		require.Equal(t, "escalated", last["state"])
		require.Equal(t, "portrait_score_low", last["block_reason"])
		require.Equal(t, "attempts_exhausted", last["escalation"])
		require.Contains(t, last["message_zh"], "学籍部门")
		require.Equal(t, []string{"blocked/portrait_score_low"}, w.notes.Keys(ids[0]))
		require.Equal(t, []string{"escalated/attempts_exhausted"}, w.notes.Keys(ids[2]))
		require.Zero(t, w.ctid.Calls(), "a blocked portrait is not sent to CTID")

		s := w.summary("S1")
		require.Equal(t, "escalated", s["stage"])
		require.Equal(t, 3.0, s["attempts"].(map[string]any)["failed"])
		require.Equal(t, "attempts_exhausted", s["case"].(map[string]any)["reason"])

		files := countFiles(t, w.dir)
		status, body := w.submit("S1", "person=alice")
		require.Equal(t, http.StatusConflict, status)
		require.Equal(t, "escalated", errCode(t, body))
		require.Contains(t, body["error"].(map[string]any)["message_zh"], "学籍部门")
		require.Equal(t, files, countFiles(t, w.dir), "a refused capture stores nothing")

		cases := w.admin("/v1/schools/cjlu/escalations")["items"].([]any)
		require.Len(t, cases, 1)
		require.Equal(t, "S1", cases[0].(map[string]any)["student_id"])

		status, body = w.resolve("S1", "")
		require.Equal(t, http.StatusBadRequest, status, "a note is required")
		require.Equal(t, "invalid_field", errCode(t, body))
		status, body = w.resolve("S1", "已核实为本人，更换录取照片后重新比对")
		require.Equal(t, http.StatusOK, status, body)
		require.Zero(t, body["attempts"].(map[string]any)["failed"], "the counters start again")
		require.Nil(t, body["case"])
		require.Empty(t, w.admin("/v1/schools/cjlu/escalations")["items"])
		status, body = w.resolve("S1", "again")
		require.Equal(t, http.StatusConflict, status)
		require.Equal(t, "no_open_case", errCode(t, body))

		// Three standardizations were charged today: the day's quota, not
		// the escalation, holds the student now.
		s = w.summary("S1")
		require.Equal(t, "cooling_off", s["stage"])
		require.Contains(t, s["message_zh"], "2026年9月2日 08:02")
		status, body = w.submit("S1", "person=alice")
		require.Equal(t, http.StatusTooManyRequests, status, body)
		w.clock.Advance(24 * time.Hour)
		status, body = w.submit("S1", "person=alice")
		require.Equal(t, http.StatusAccepted, status, body)
	})
}

// TestQualityRefusalsDoNotCount: photos the quality checks refuse cost
// nothing; the day's three standardizations remain.
func TestQualityRefusalsDoNotCount(t *testing.T) {
	t.Parallel()
	bothDeliveries(t, worldOptions{}, func(t *testing.T, w *world) {
		for _, q := range []string{"too_dark", "blurry", "background_not_plain", "no_face"} {
			id := w.accepted("S1", "person=alice;quality="+q)
			c := w.capture(id)
			require.Equal(t, "rejected", c["state"])
			require.Equal(t, q, c["findings"].([]any)[0].(map[string]any)["code"])
			require.Equal(t, []string{"rejected"}, w.notes.Keys(id))
		}
		s := w.summary("S1")
		require.Zero(t, s["standardizations"].(map[string]any)["used_today"])
		require.Equal(t, "reshoot", s["stage"])
		for range 3 {
			require.Equal(t, "awaiting_confirmation", w.state(w.accepted("S1", "person=alice")))
		}
		status, body := w.submit("S1", "person=alice")
		require.Equal(t, http.StatusTooManyRequests, status)
		require.Equal(t, "daily_limit_reached", errCode(t, body))
	})
}

// TestDailyQuota: the 4th standardization of a day is refused with the
// time the student may try again, 24 hours after the 3rd, and allowed
// then; the refusal stores nothing and sends nothing: the message that
// the student may shoot again goes out when the cool-off ends, once.
func TestDailyQuota(t *testing.T) {
	t.Parallel()
	bothDeliveries(t, worldOptions{}, func(t *testing.T, w *world) {
		w.putAdmission("S1", "person=alice")
		var ids []string
		third := time.Time{}
		for i := range 3 {
			ids = append(ids, w.accepted("S1", "person=alice;score=60"))
			third = w.clock.Now()
			if i < 2 {
				w.clock.Advance(time.Hour)
			}
		}
		require.Equal(t, "superseded", w.state(ids[0]), "a photo the student did not confirm is superseded by the next")
		require.Equal(t, ids[1], w.capture(ids[0])["superseded_by"])
		status, body := w.confirm(ids[2], "mine")
		require.Equal(t, http.StatusOK, status, body)
		require.Equal(t, "blocked", w.state(ids[2]), "below the line: the student must shoot again")
		w.clock.Advance(time.Hour)
		files := countFiles(t, w.dir)
		resp, body := w.do(http.MethodGet, "/v1/schools/cjlu/students/S1", "", nil, false)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		q := body["standardizations"].(map[string]any)
		require.Equal(t, 3.0, q["used_today"])
		want := third.Add(24 * time.Hour)
		require.Equal(t, want.UTC().Format(time.RFC3339), q["next_allowed_at"])

		status, body = w.submit("S1", "person=alice")
		require.Equal(t, http.StatusTooManyRequests, status)
		require.Equal(t, "daily_limit_reached", errCode(t, body))
		e := body["error"].(map[string]any)
		require.Equal(t, want.UTC().Format(time.RFC3339), e["retry_at"])
		require.Contains(t, e["message_zh"], "2026年9月2日 10:00", "the time in Beijing")
		require.Equal(t, files, countFiles(t, w.dir), "the 4th request stored nothing")
		w.idle()
		require.Empty(t, w.notes.Keys(""), "nothing is sent when the cool-off starts: the subscription is kept for 审核通过")

		w.clock.Advance(want.Sub(w.clock.Now()) - time.Minute)
		status, _ = w.submit("S1", "person=alice")
		require.Equal(t, http.StatusTooManyRequests, status, "a minute early")
		w.runNotice("S1", 1)
		require.Empty(t, w.notes.Keys(""), "not before the cool-off ends")
		w.clock.Advance(time.Minute)
		w.runNotice("S1", 1)
		require.Equal(t, []string{"cool_off_ended"}, w.notes.Keys(""), "told once the cool-off is over")
		require.Equal(t, "可再次采集", w.notes.Sent()[len(w.notes.Sent())-1].Phrase)
		w.runNotice("S1", 1)
		require.Len(t, w.notes.Keys(""), 1, "once")
		status, body = w.submit("S1", "person=alice")
		require.Equal(t, http.StatusAccepted, status, body)
	})
}

func TestDailyQuotaRetryAfterHeader(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{rules: `{"cjlu": {"daily_standardizations": 1, "cool_off": "2h"}}`})
	w.accepted("S1", "person=alice")
	status, body := w.submit("S1", "person=alice")
	require.Equal(t, http.StatusTooManyRequests, status, body)
	// The 2-hour cool-off ends at 10:00, but the day's allowance is used
	// until midnight in Beijing: 16 hours, on the service's clock.
	require.Equal(t, "57600", w.last.Header.Get("Retry-After"))
}

// TestReviewRejectionsEscalateAfterTwoFreeResubmissions: a reviewer's
// rejection lets the student resubmit twice without the day's quota; the
// third rejection escalates.
func TestReviewRejectionsEscalateAfterTwoFreeResubmissions(t *testing.T) {
	t.Parallel()
	// One standardization a day, so that only a free resubmission can get
	// the 2nd and 3rd captures through today.
	bothDeliveries(t, worldOptions{rules: `{"*": {"daily_standardizations": 1}}`}, func(t *testing.T, w *world) {
		w.putAdmission("S1", "person=alice")
		id1 := w.pass("S1", "person=alice")
		status, body := w.review(id1, "reject", "")
		require.Equal(t, http.StatusBadRequest, status, "a rejection needs a reason")
		require.Equal(t, "invalid_field", errCode(t, body))
		status, body = w.review(id1, "reject", "背景有阴影，请在白色墙面前重新拍摄")
		require.Equal(t, http.StatusOK, status, body)
		c := w.capture(id1)
		require.Equal(t, "review_rejected", c["state"])
		require.Contains(t, c["message_zh"], "背景有阴影")
		require.Equal(t, []string{"review_rejected"}, w.notes.Keys(id1))
		require.Contains(t, w.notes.Sent()[0].Detail, "背景有阴影", "the message carries the reason")
		s := w.summary("S1")
		require.Equal(t, true, s["review"].(map[string]any)["free_resubmission_available"])
		require.Equal(t, 2.0, s["review"].(map[string]any)["free_resubmissions_left"])

		id2 := w.pass("S1", "person=alice")
		require.Equal(t, true, w.capture(id2)["free_resubmission"])
		_, _ = w.review(id2, "reject", "头发遮挡眉毛")
		require.Equal(t, 1.0, w.summary("S1")["review"].(map[string]any)["free_resubmissions_left"])
		id3 := w.pass("S1", "person=alice")
		require.Equal(t, true, w.capture(id3)["free_resubmission"])
		require.Equal(t, 1.0, w.summary("S1")["standardizations"].(map[string]any)["used_today"], "free resubmissions are not charged")

		status, body = w.review(id3, "reject", "佩戴耳环")
		require.Equal(t, http.StatusOK, status, body)
		c = w.capture(id3)
		require.Equal(t, "escalated", c["state"])
		require.Equal(t, "reviews_exhausted", c["escalation"])
		require.Equal(t, []string{"escalated/reviews_exhausted"}, w.notes.Keys(id3))
		require.Equal(t, "escalated", w.summary("S1")["stage"])
		status, body = w.submit("S1", "person=alice")
		require.Equal(t, http.StatusConflict, status)
		require.Equal(t, "escalated", errCode(t, body))
	})
}

// TestMissingAdmissionPhotoWaitsAndResumes: without an admission photo the
// confirmed capture waits on hold; it resumes when one arrives.
func TestMissingAdmissionPhotoWaitsAndResumes(t *testing.T) {
	t.Parallel()
	bothDeliveries(t, worldOptions{}, func(t *testing.T, w *world) {
		id := w.pass("S1", "person=alice")
		c := w.capture(id)
		require.Equal(t, "on_hold", c["state"])
		require.Equal(t, "admission_photo_missing", c["hold_reason"])
		require.Equal(t, []string{"on_hold/admission_photo_missing"}, w.notes.Keys(id))
		require.Equal(t, "on_hold", w.summary("S1")["stage"])

		res := w.putAdmission("S1", "person=alice")
		require.Equal(t, 1.0, res["resumed"])
		require.Equal(t, "pending_review", w.state(id))
		res = w.putAdmission("S1", "person=alice")
		require.Equal(t, 0.0, res["resumed"], "the same photo again changes nothing")
	})
}

// TestUnusableAdmissionPhotoWaits: an admission photo the comparison
// cannot use holds the capture until the records office replaces it.
func TestUnusableAdmissionPhotoWaits(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=alice;unusable=1")
	id := w.pass("S1", "person=alice")
	require.Equal(t, "admission_photo_unusable", w.capture(id)["hold_reason"])
	w.replaceAdmission("S1", "person=alice", "原照片无法识别人脸，已更换")
	c := w.capture(id)
	require.Equal(t, "pending_review", c["state"])
	resumed := c["history"].([]any)[len(c["history"].([]any))-2].(map[string]any)
	require.Equal(t, "admission_photo_replaced", resumed["cause"])
	require.Equal(t, "records_office:wang", resumed["actor"])
	require.Equal(t, "原照片无法识别人脸，已更换", resumed["note"])
}

// TestDecidedCaptureUntouchedByNewAdmissionPhoto: a new admission photo
// never changes a capture already decided.
func TestDecidedCaptureUntouchedByNewAdmissionPhoto(t *testing.T) {
	t.Parallel()
	bothDeliveries(t, worldOptions{}, func(t *testing.T, w *world) {
		w.putAdmission("S1", "person=mallory")
		blocked := w.pass("S1", "person=alice")
		require.Equal(t, "blocked", w.state(blocked))
		before := w.capture(blocked)
		res := w.replaceAdmission("S1", "person=alice", "录取照片有误")
		require.Equal(t, 0.0, res["resumed"])
		require.Equal(t, before, w.capture(blocked), "not a byte changed")
		approved := w.pass("S1", "person=alice")
		status, body := w.review(approved, "approve", "")
		require.Equal(t, http.StatusOK, status, body)
		before = w.capture(approved)
		w.replaceAdmission("S1", "person=mallory", "再次更换")
		require.Equal(t, before, w.capture(approved), "an approved capture is never changed")
	})
}

// TestReplacedAdmissionPhotoRescoresPendingReviews: a capture waiting for
// review was scored against the photo on file; when the records office
// replaces it, the capture is compared again with the new one (the history
// says why) and the decision table decides again, as the journey allows;
// the capture keeps serving the photo it was compared with.
func TestReplacedAdmissionPhotoRescoresPendingReviews(t *testing.T) {
	t.Parallel()
	bothDeliveries(t, worldOptions{}, func(t *testing.T, w *world) {
		w.putAdmission("S1", "person=alice")
		id := w.pass("S1", "person=alice")
		c := w.capture(id)
		require.Equal(t, "pending_review", c["state"])
		old := c["match"].(map[string]any)["admission_sha256"].(string)
		require.Equal(t, 95.0, c["match"].(map[string]any)["score"])
		resp, oldPhoto := w.asRaw("li", http.MethodGet, "/v1/captures/"+id+"/photos/admission", "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)

		res := w.replaceAdmission("S1", "person=mallory", "招生办更正的录取照片")
		require.Equal(t, 1.0, res["resumed"])
		c = w.capture(id)
		require.Equal(t, "blocked", c["state"], "compared with the new photo: another person, below the line")
		require.Equal(t, "portrait_score_low", c["block_reason"])
		hist := causes(c)
		require.Equal(t, []string{"admission_photo_replaced", "match_blocked"}, hist[len(hist)-2:])
		replaced := c["history"].([]any)[len(hist)-2].(map[string]any)
		require.Equal(t, "records_office:wang", replaced["actor"])
		require.Equal(t, "招生办更正的录取照片", replaced["note"])
		require.NotEqual(t, old, c["match"].(map[string]any)["admission_sha256"])
		require.Equal(t, 1.0, w.summary("S1")["attempts"].(map[string]any)["failed"], "the new block counts as the journey's rules say")
		require.Empty(t, w.admin("/v1/schools/cjlu/reviews?state=pending")["items"], "it left the review list")

		// The photo it was compared with, beside the one on file now.
		resp, compared := w.asRaw("li", http.MethodGet, "/v1/captures/"+id+"/photos/admission", "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		resp, current := w.asRaw("li", http.MethodGet, "/v1/schools/cjlu/students/S1/admission-photo", "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Equal(t, current, compared, "compared with the photo on file now")
		require.NotEqual(t, oldPhoto, compared)
		require.Equal(t, "/v1/captures/"+id+"/photos/admission", c["photos"].(map[string]any)["admission"])
	})
}

// TestApprovedCaptureServesTheComparedPhoto: an approved capture keeps
// showing the admission photo it was compared with after a replacement.
func TestApprovedCaptureServesTheComparedPhoto(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=alice")
	id := w.pass("S1", "person=alice")
	_, _ = w.review(id, "approve", "")
	_, before := w.asRaw("li", http.MethodGet, "/v1/captures/"+id+"/photos/admission", "", nil)
	w.replaceAdmission("S1", "person=alicia", "更换为更清晰的录取照片")
	resp, after := w.asRaw("li", http.MethodGet, "/v1/captures/"+id+"/photos/admission", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, before, after, "the photo it was compared with, not the current one")
	_, current := w.asRaw("li", http.MethodGet, "/v1/schools/cjlu/students/S1/admission-photo", "", nil)
	require.NotEqual(t, current, after)
	tag, err := workertest.Tag(after)
	require.NoError(t, err)
	require.Equal(t, "alice", tag["person"])
}

// TestNoCTIDOutsideMainlandResidentIDs: Hong Kong, Taiwan, permit and
// passport holders get the portrait comparison only.
func TestNoCTIDOutsideMainlandResidentIDs(t *testing.T) {
	t.Parallel()
	docs := []doc{
		{"hk_id", "A123456(3)", "陈大文"},
		{"tw_id", "A123456789", "林美玲"},
		{"passport", "E12345678", "John Smith"},
		{"hmt_residence_permit", "810000199408230021", "李小明"},
	}
	bothDeliveries(t, worldOptions{}, func(t *testing.T, w *world) {
		w.ctid.SetOutcome(ctid.NotSamePerson) // would block anyone asked
		for i, d := range docs {
			student := "S" + strconv.Itoa(i)
			w.putAdmission(student, "person=p"+student)
			status, body := w.submitAs(student, "person=p"+student, d)
			require.Equal(t, http.StatusAccepted, status, body)
			w.idle()
			id := body["id"].(string)
			_, _ = w.confirm(id, "mine")
			c := w.capture(id)
			require.Equal(t, "pending_review", c["state"], d.typ)
			require.Nil(t, c["match"].(map[string]any)["ctid"], d.typ)
		}
		require.Zero(t, w.ctid.Calls())
		w.putAdmission("SR", "person=r")
		id := w.pass("SR", "person=r")
		require.Equal(t, 1, w.ctid.Calls(), "a mainland resident ID goes to CTID")
		require.Equal(t, "ctid_not_same_person", w.capture(id)["block_reason"])
	})
}

func TestCTIDOutcomesBlockWithWhatToDo(t *testing.T) {
	t.Parallel()
	for outcome, reason := range map[ctid.Outcome]string{
		ctid.Suspected: "ctid_suspected", ctid.IdentityInvalid: "ctid_identity_invalid",
	} {
		w := newWorld(t, worldOptions{})
		w.ctid.SetOutcome(outcome)
		w.putAdmission("S1", "person=alice")
		id := w.pass("S1", "person=alice")
		c := w.capture(id)
		require.Equal(t, reason, c["block_reason"])
		require.Equal(t, []string{"blocked/" + reason}, w.notes.Keys(id))
	}
}

// TestCTIDUnavailableHoldsQuietly: an unavailable identity check holds the
// capture without telling the student of a failure; the retry decides.
func TestCTIDUnavailableHoldsQuietly(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.ctid.SetOutcome(ctid.Unavailable)
	w.putAdmission("S1", "person=alice")
	id := w.accepted("S1", "person=alice")
	resp, body := w.do(http.MethodPost, "/v1/captures/"+id+"/confirm", "application/json", jsonBody(map[string]string{"admission_photo": "mine"}), false)
	require.Equal(t, http.StatusOK, resp.StatusCode, body)
	deadline := time.Now().Add(10 * time.Second)
	for w.state(id) != "on_hold" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	c := w.capture(id)
	require.Equal(t, "ctid_unavailable", c["hold_reason"])
	require.Equal(t, "身份核验正在进行中，请稍后查看结果", c["message_zh"])
	require.Empty(t, w.notes.Keys(id))
}

func TestAutoConfirm(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{rules: `{"cjlu": {"auto_confirm": true}}`})
	w.putAdmission("S1", "person=alice")
	id := w.accepted("S1", "person=alice")
	c := w.capture(id)
	require.Equal(t, "pending_review", c["state"], "the comparison follows standardization")
	require.Equal(t, true, c["confirmation"].(map[string]any)["auto"])
	require.Equal(t, []string{"submitted", "standardized", "auto_confirmed", "match_passed"}, causes(c))
}

func TestConfirmErrors(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=alice")
	w.stopWorker()
	status, body := w.submit("S1", "person=alice")
	require.Equal(t, http.StatusAccepted, status)
	id := body["id"].(string)
	resp, body := w.do(http.MethodPost, "/v1/captures/"+id+"/confirm", "application/json", jsonBody(map[string]string{"admission_photo": "mine"}), false)
	require.Equal(t, http.StatusConflict, resp.StatusCode)
	require.Equal(t, "not_awaiting_confirmation", errCode(t, body))
	require.Equal(t, "queued", body["error"].(map[string]any)["state"])
	w.startWorker()
	w.idle()

	tests := []struct {
		body, ct string
		status   int
		code     string
	}{
		{`{"admission_photo":"perhaps"}`, "application/json", 400, "invalid_field"},
		{`{}`, "application/json", 400, "missing_field"},
		{`{"admission_photo":"mine","extra":1}`, "application/json", 400, "invalid_request"},
		{`{"admission_photo":"mine"} trailing`, "application/json", 400, "invalid_request"},
		{`admission_photo=mine`, "application/x-www-form-urlencoded", 415, "unsupported_media_type"},
	}
	for _, tc := range tests {
		resp, body := w.do(http.MethodPost, "/v1/captures/"+id+"/confirm", tc.ct, strings.NewReader(tc.body), false)
		require.Equal(t, tc.status, resp.StatusCode, tc.body)
		require.Equal(t, tc.code, errCode(t, body), tc.body)
	}
	status, _ = w.confirm(id, "mine")
	require.Equal(t, http.StatusOK, status)
	status, body = w.confirm(id, "mine")
	require.Equal(t, http.StatusOK, status, "the same answer again is harmless")
	status, body = w.confirm(id, "wrong")
	require.Equal(t, http.StatusConflict, status)
	require.Equal(t, "already_confirmed", errCode(t, body))
	resp, body = w.do(http.MethodPost, "/v1/captures/nope/confirm", "application/json", jsonBody(map[string]string{"admission_photo": "mine"}), false)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Equal(t, "not_found", errCode(t, body))
}

func TestReviewEndpointsValidate(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=alice")
	id := w.pass("S1", "person=alice")
	resp, body := w.do(http.MethodGet, "/v1/schools/cjlu/reviews?state=lost", "", nil, true)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	require.Equal(t, "state", body["error"].(map[string]any)["field"])
	resp, _ = w.do(http.MethodGet, "/v1/schools/cjlu/reviews?limit=0", "", nil, true)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode)
	status, body := w.review(id, "maybe", "")
	require.Equal(t, http.StatusBadRequest, status)
	require.Equal(t, "invalid_field", errCode(t, body))
}

func TestReviewListPagesOldestFirst(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	var want []string
	for i := range 5 {
		s := "S" + strconv.Itoa(i)
		w.putAdmission(s, "person="+s)
		want = append(want, w.pass(s, "person="+s))
		w.clock.Advance(time.Second)
	}
	var got []string
	cursor := ""
	for {
		page := w.admin("/v1/schools/cjlu/reviews?limit=2&cursor=" + cursor)
		for _, it := range page["items"].([]any) {
			got = append(got, it.(map[string]any)["capture_id"].(string))
		}
		cursor = page["next_cursor"].(string)
		if cursor == "" {
			break
		}
	}
	require.Equal(t, want, got)
}

func countFiles(t *testing.T, dir string) int {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "schools", "*", "captures", "*", "*"))
	require.NoError(t, err)
	return len(files)
}
