package systemtest

// The journey across a student's captures: the seams between captures
// where the rules used to come apart (issue 17). Each test drives the real
// HTTP API, Redis and the workers with the fake engines, with every task
// delivered once and twice.

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/ctid"
	"github.com/recheck/recheck/identity"
	"github.com/recheck/recheck/worker/workertest"
)

// TestQueuedPhotosNeverLockTheStudentOut: photos sent while the workers are
// busy cost nothing until they are standardized. The first is in flight;
// the next ones are refused at once with what to do (never a 429 and a
// cool-off); when the first is refused for quality, the day is untouched
// and the student shoots again.
func TestQueuedPhotosNeverLockTheStudentOut(t *testing.T) {
	t.Parallel()
	bothDeliveries(t, worldOptions{}, func(t *testing.T, w *world) {
		w.putAdmission("S1", "person=alice")
		w.stopWorker()
		status, body := w.submit("S1", "person=alice;quality=too_dark")
		require.Equal(t, http.StatusAccepted, status, body)
		first := body["id"].(string)
		require.Zero(t, w.summary("S1")["standardizations"].(map[string]any)["used_today"], "nothing is charged at submission")
		files := countFiles(t, w.dir)
		for range 3 {
			status, body = w.submit("S1", "person=alice")
			require.Equal(t, http.StatusConflict, status, body)
			require.Equal(t, "capture_in_progress", errCode(t, body))
			require.Contains(t, body["error"].(map[string]any)["message_zh"], "请等待结果")
		}
		require.Equal(t, files, countFiles(t, w.dir), "a refused photo stores nothing")
		require.Equal(t, "processing", w.summary("S1")["stage"])

		w.startWorker()
		w.idle()
		require.Equal(t, "rejected", w.state(first))
		s := w.summary("S1")
		require.Zero(t, s["standardizations"].(map[string]any)["used_today"], "a refused photo is free")
		require.Nil(t, s["standardizations"].(map[string]any)["next_allowed_at"])
		require.Equal(t, []string{"rejected"}, w.notes.Keys(first), "one message: the reshoot, never 次数已用完")
		require.Empty(t, w.notes.Keys(""), "no journey message")

		id := w.accepted("S1", "person=alice")
		require.Equal(t, "awaiting_confirmation", w.state(id))
		require.Equal(t, 1.0, w.summary("S1")["standardizations"].(map[string]any)["used_today"], "charged when made")
	})
}

// TestConcurrentSubmissionsOverHTTP: a student's mini program sends the
// same moment's photos at once; one becomes the capture, the others are
// refused and leave nothing behind.
func TestConcurrentSubmissionsOverHTTP(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.stopWorker()
	const n = 8
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _ := w.submit("S1", "person=alice")
			mu.Lock()
			codes[status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	require.Equal(t, map[int]int{http.StatusAccepted: 1, http.StatusConflict: n - 1}, codes)
	dirs, err := filepath.Glob(filepath.Join(w.dir, "schools", "cjlu", "captures", "*"))
	require.NoError(t, err)
	require.Len(t, dirs, 1, "one capture stored, the refused ones' originals deleted")
}

// TestOneCaptureReachesReview: a new photo while the last one only waits
// for the student's confirmation supersedes it; confirm acts on the
// current capture only; while one waits for review no other comes; so
// the student gets one verdict, and the summary agrees with it.
func TestOneCaptureReachesReview(t *testing.T) {
	t.Parallel()
	bothDeliveries(t, worldOptions{}, func(t *testing.T, w *world) {
		w.putAdmission("S1", "person=alice")
		a := w.accepted("S1", "person=alice")
		b := w.accepted("S1", "person=alice")
		ca := w.capture(a)
		require.Equal(t, "superseded", ca["state"])
		require.Equal(t, b, ca["superseded_by"])
		require.Equal(t, []string{"submitted", "standardized", "superseded"}, causes(ca))
		require.Equal(t, "您已提交新的照片，本张照片不再使用", ca["message_zh"])

		status, body := w.confirm(a, "mine")
		require.Equal(t, http.StatusConflict, status, "a superseded capture is not confirmed")
		require.Equal(t, "not_awaiting_confirmation", errCode(t, body))
		require.Equal(t, "superseded", body["error"].(map[string]any)["state"])
		require.Zero(t, w.scorer.Calls())

		status, body = w.confirm(b, "mine")
		require.Equal(t, http.StatusOK, status, body)
		require.Equal(t, "pending_review", w.state(b))
		status, body = w.submit("S1", "person=alice")
		require.Equal(t, http.StatusConflict, status)
		require.Equal(t, "capture_in_review", errCode(t, body))
		require.Len(t, w.admin("/v1/schools/cjlu/reviews?state=pending")["items"], 1, "one capture of the student in review")

		status, body = w.review(b, "approve", "")
		require.Equal(t, http.StatusOK, status, body)
		s := w.summary("S1")
		require.Equal(t, "approved", s["stage"])
		require.Equal(t, false, s["review"].(map[string]any)["free_resubmission_available"])
		require.Equal(t, []string{"approved"}, w.notes.Keys(b), "one verdict: 审核通过")
		require.Empty(t, w.notes.Keys(a))
		status, body = w.submit("S1", "person=alice")
		require.Equal(t, http.StatusConflict, status)
		require.Equal(t, "journey_complete", errCode(t, body))
		require.Equal(t, 2.0, s["standardizations"].(map[string]any)["used_today"], "both standardizations were made and charged")
	})
}

// TestIdentityIsFixedAtTheFirstCapture: a student blocked by CTID cannot
// skip it by changing the document: a mainland resident ID number under
// another type is refused with the instructions' sentence, another
// document is refused until the records office corrects it, audited.
func TestIdentityIsFixedAtTheFirstCapture(t *testing.T) {
	t.Parallel()
	bothDeliveries(t, worldOptions{}, func(t *testing.T, w *world) {
		w.ctid.SetOutcome(ctid.NotSamePerson)
		w.putAdmission("S1", "person=alice")
		blocked := w.pass("S1", "person=alice")
		require.Equal(t, "ctid_not_same_person", w.capture(blocked)["block_reason"])
		s := w.summary("S1")
		require.Equal(t, "resident_id", s["document"].(map[string]any)["type"])
		require.Equal(t, "居民身份证", s["document"].(map[string]any)["label_zh"])
		require.Equal(t, true, s["document"].(map[string]any)["ctid"])

		files := countFiles(t, w.dir)
		status, body := w.submitAs("S1", "person=alice", doc{"passport", residentID.number, residentID.name})
		require.Equal(t, http.StatusUnprocessableEntity, status, body)
		require.Equal(t, identity.CodeMainlandResidentID, errCode(t, body))
		require.Contains(t, body["error"].(map[string]any)["message_zh"], "中国内地学生必须选择居民身份证，否则会导致无人证比对结果")

		status, body = w.submitAs("S1", "person=alice", doc{"passport", "E12345678", "张三"})
		require.Equal(t, http.StatusConflict, status, body)
		require.Equal(t, "identity_changed", errCode(t, body))
		require.Contains(t, body["error"].(map[string]any)["message_zh"], "请联系学籍部门")
		status, body = w.submitAs("S1", "person=alice", doc{"resident_id", "420102200503010028", "张三"})
		require.Equal(t, http.StatusConflict, status, "another number of the same type too")
		require.Equal(t, "identity_changed", errCode(t, body))
		require.Equal(t, files, countFiles(t, w.dir))
		require.Equal(t, 1, w.ctid.Calls(), "CTID was never skipped nor asked again")

		// The upstream cannot correct it; the records office can.
		resp, body := w.do(http.MethodPost, "/v1/schools/cjlu/students/S1/identity", "application/json",
			jsonBody(map[string]string{"document_type": "passport", "document_number": "E12345678", "reason": "x"}), false)
		require.Equal(t, http.StatusForbidden, resp.StatusCode, body)
		resp, body = w.as("wang", http.MethodPost, "/v1/schools/cjlu/students/S1/identity", "application/json",
			jsonBody(map[string]string{"document_type": "passport", "document_number": residentID.number, "reason": "x"}))
		require.Equal(t, http.StatusUnprocessableEntity, resp.StatusCode, "the office is held to the same rule")
		require.Equal(t, identity.CodeMainlandResidentID, errCode(t, body))
		resp, body = w.as("wang", http.MethodPost, "/v1/schools/cjlu/students/S1/identity", "application/json",
			jsonBody(map[string]string{"document_type": "resident_id", "document_number": "420102200503010028", "reason": "学生登记的身份证号有误，已核对户籍"}))
		require.Equal(t, http.StatusOK, resp.StatusCode, body)
		require.Equal(t, "resident_id", body["document"].(map[string]any)["type"])

		w.ctid.SetOutcome(ctid.Pass)
		status, body = w.submitAs("S1", "person=alice", doc{"resident_id", "420102200503010028", "张三"})
		require.Equal(t, http.StatusAccepted, status, body)
		w.idle()
		id := body["id"].(string)
		_, _ = w.confirm(id, "mine")
		require.Equal(t, "pending_review", w.state(id))
		require.Equal(t, 2, w.ctid.Calls(), "the corrected identity goes to CTID")

		j, err := w.lc.Store().Journey(w.ctx, "cjlu", "S1")
		require.NoError(t, err)
		require.Len(t, j.IdentityChanges, 1, "the correction is audited")
		ch := j.IdentityChanges[0]
		require.Equal(t, "records_office:wang", ch.Actor)
		require.Equal(t, "学生登记的身份证号有误，已核对户籍", ch.Reason)
		require.Equal(t, w.lc.Store().Hash(residentID.number), ch.From.NumberHMAC)
	})
}

// TestNoComparisonAgainstADisputedAdmissionPhoto: after the student said
// the admission photo is not theirs, a later capture confirmed "mine"
// waits on hold: nothing is compared, no attempt counted, until the
// records office settles the dispute; then it is compared.
func TestNoComparisonAgainstADisputedAdmissionPhoto(t *testing.T) {
	t.Parallel()
	for _, settle := range []string{"resolve", "replace"} {
		t.Run(settle, func(t *testing.T) {
			bothDeliveries(t, worldOptions{}, func(t *testing.T, w *world) {
				w.putAdmission("S1", "person=mallory")
				first := w.accepted("S1", "person=alice")
				status, body := w.confirm(first, "wrong")
				require.Equal(t, http.StatusOK, status, body)
				require.Equal(t, "referred", w.state(first))

				second := w.accepted("S1", "person=alice")
				require.Equal(t, "superseded", w.state(first), "the referred capture gives way to the new photo")
				status, body = w.confirm(second, "mine")
				require.Equal(t, http.StatusOK, status, body)
				c := w.capture(second)
				require.Equal(t, "on_hold", c["state"])
				require.Equal(t, "admission_photo_disputed", c["hold_reason"])
				require.Contains(t, c["message_zh"], "学籍部门处理前暂不进行比对")
				require.Zero(t, w.scorer.Calls(), "先不要比对，以免产生错误结果")
				s := w.summary("S1")
				require.Zero(t, s["attempts"].(map[string]any)["failed"])
				require.Equal(t, "admission_photo_wrong", s["case"].(map[string]any)["reason"])
				require.Empty(t, w.notes.Keys(second), "the student asked for it: nothing to tell")

				status, body = w.submit("S1", "person=alice")
				require.Equal(t, http.StatusConflict, status, "a capture waiting for the office needs no new photo")
				require.Equal(t, "capture_on_hold", errCode(t, body))

				if settle == "resolve" {
					// The office checked: the photo on file is the student's
					// after all (mallory is the fake scorer's someone else:
					// the comparison blocks, and that counts now).
					status, body = w.resolve("S1", "已核实录取照片为本人")
					require.Equal(t, http.StatusOK, status, body)
					c = w.capture(second)
					require.Equal(t, "blocked", c["state"])
					require.Equal(t, []string{"submitted", "standardized", "confirmed", "held", "case_resolved", "match_blocked"}, causes(c))
					require.Equal(t, 1, w.scorer.Calls())
					return
				}
				w.replaceAdmission("S1", "person=alice", "录取照片错误，已更换")
				c = w.capture(second)
				require.Equal(t, "pending_review", c["state"], "compared with the new photo")
				require.Equal(t, []string{"submitted", "standardized", "confirmed", "held", "admission_photo_replaced", "match_passed"}, causes(c))
				require.Nil(t, w.summary("S1")["case"], "the case closed with the new photo")
			})
		})
	}
}

// TestAbsentAdmissionPhotoOpensACase: a capture confirmed while no
// admission photo is on file waits on hold, and the records office hears
// of it: a case on the school's list and the student's summary, and a
// callback to the upstream and the office. A note cannot close it; the
// photo does, and the capture is compared.
func TestAbsentAdmissionPhotoOpensACase(t *testing.T) {
	t.Parallel()
	settings, upstream, office := sinks(t)
	bothDeliveries(t, worldOptions{callbacks: settings, fastRetry: true}, func(t *testing.T, w *world) {
		id := w.pass("S1", "person=alice")
		c := w.capture(id)
		require.Equal(t, "on_hold", c["state"])
		require.Equal(t, "admission_photo_missing", c["hold_reason"])
		require.Zero(t, w.scorer.Calls())

		cases := w.admin("/v1/schools/cjlu/escalations")["items"].([]any)
		require.Len(t, cases, 1)
		require.Equal(t, "admission_photo_absent", cases[0].(map[string]any)["case"].(map[string]any)["reason"])
		s := w.summary("S1")
		require.Equal(t, "admission_photo_absent", s["case"].(map[string]any)["reason"])
		require.Equal(t, false, s["admission_photo_on_file"])
		w.idle()
		var held []string
		for _, p := range office.Received() {
			if p.CaptureID == id {
				held = append(held, string(p.State)+"/"+p.Reason)
			}
		}
		require.Equal(t, []string{"on_hold/admission_photo_missing"}, held, "the records office is called back")
		require.Contains(t, states(upstream.Received()), "on_hold", "and the upstream")

		status, body := w.resolve("S1", "已通知学生")
		require.Equal(t, http.StatusConflict, status, "a note does not put a photo on file")
		require.Equal(t, "admission_photo_needed", errCode(t, body))

		res := w.putAdmission("S1", "person=alice")
		require.Equal(t, 1.0, res["resumed"])
		require.Equal(t, "pending_review", w.state(id))
		require.Nil(t, w.summary("S1")["case"])
		j, err := w.lc.Store().Journey(w.ctx, "cjlu", "S1")
		require.NoError(t, err)
		require.Equal(t, "admission_photo_added", j.Closed[len(j.Closed)-1].Resolution)
	})
}

// TestUnusableAdmissionPhotoOpensACase: a photo on file without a usable
// face is the office's case too, closed by its replacement.
func TestUnusableAdmissionPhotoOpensACase(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=alice;unusable=1")
	id := w.pass("S1", "person=alice")
	require.Equal(t, "admission_photo_unusable", w.capture(id)["hold_reason"])
	require.Equal(t, "admission_photo_unusable", w.summary("S1")["case"].(map[string]any)["reason"])
	w.replaceAdmission("S1", "person=alice", "原照片无法识别人脸，已更换")
	require.Equal(t, "pending_review", w.state(id))
	require.Nil(t, w.summary("S1")["case"])
}

// TestCTIDAdviceSurvivesTheEscalation: the escalation after three CTID
// failures keeps what to do about them, in the instructions' words, with
// the school's contacts.
func TestCTIDAdviceSurvivesTheEscalation(t *testing.T) {
	t.Parallel()
	rules := `{"cjlu": {"help": {"records_office": "学籍科 027-69111000", "service_phone": "027-87885551", "service_hours": "周一至周五 8:30-17:30"}}}`
	for outcome, want := range map[ctid.Outcome][]string{
		ctid.IdentityInvalid: {"开通网证", "400-117-1166（工作日 8:30-20:30）"},
		ctid.Suspected:       {"更换新身份证", "人口库照片更新后再尝试"},
		ctid.NotSamePerson:   {"更换新身份证"},
	} {
		t.Run(string(outcome), func(t *testing.T) {
			w := newWorld(t, worldOptions{rules: rules})
			w.ctid.SetOutcome(outcome)
			w.putAdmission("S1", "person=alice")
			var last string
			for range 3 {
				last = w.pass("S1", "person=alice")
				w.clock.Advance(time.Minute)
			}
			c := w.capture(last)
			require.Equal(t, "escalated", c["state"])
			msg := c["message_zh"].(string)
			require.Contains(t, msg, "请联系学籍部门（学籍科 027-69111000）", "the school's records office")
			for _, s := range want {
				require.Contains(t, msg, s)
			}
			require.Contains(t, w.summary("S1")["message_zh"], want[0], "the summary says it too")
			status, body := w.submit("S1", "person=alice")
			require.Equal(t, http.StatusConflict, status)
			require.Contains(t, body["error"].(map[string]any)["message_zh"], "学籍科 027-69111000")
		})
	}
}

// TestSystemFailureIsNotCharged: a standardization that failed because the
// machine did is free, and a new photo supersedes the failed capture.
func TestSystemFailureIsNotCharged(t *testing.T) {
	t.Parallel()
	bothDeliveries(t, worldOptions{fastRetry: true}, func(t *testing.T, w *world) {
		failed := w.accepted("S1", "person=alice;error=1")
		c := w.capture(failed)
		require.Equal(t, "failed", c["state"], c)
		require.Zero(t, w.summary("S1")["standardizations"].(map[string]any)["used_today"], "the machine failed, not the student")
		id := w.accepted("S1", "person=alice")
		require.Equal(t, "superseded", w.state(failed), "an admin's retry is not needed: the student shot again")
		require.Equal(t, "awaiting_confirmation", w.state(id))
		require.Equal(t, 1.0, w.summary("S1")["standardizations"].(map[string]any)["used_today"])
	})
}

// TestMacauIdentityCard: a Macau identity card is entered as printed and
// goes to the portrait comparison only.
func TestMacauIdentityCard(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.ctid.SetOutcome(ctid.NotSamePerson) // would block anyone asked
	w.putAdmission("S1", "person=alice")
	status, body := w.submitAs("S1", "person=alice", doc{"mo_id", "1234567(8)", "陳大文"})
	require.Equal(t, http.StatusAccepted, status, body)
	require.Equal(t, "澳门身份证", body["document"].(map[string]any)["label_zh"])
	w.idle()
	id := body["id"].(string)
	_, _ = w.confirm(id, "mine")
	require.Equal(t, "pending_review", w.state(id))
	require.Zero(t, w.ctid.Calls())
	require.Contains(t, w.summary("S1")["document"].(map[string]any)["message_zh"], "只进行人像比对")
}

// TestReviewPageLabelsEveryDocumentType: the review page names each
// document type in Chinese, never by its code.
func TestReviewPageLabelsEveryDocumentType(t *testing.T) {
	t.Parallel()
	numbers := map[identity.DocumentType]string{
		identity.ResidentID: "11010519491231002X", identity.HMTResidencePermit: "810000199901011236",
		identity.HongKongID: "A123456(3)", identity.MacauID: "1234567(8)", identity.TaiwanID: "A123456789",
		identity.ForeignPermanentResidentID: "911156199805200012", identity.Passport: "E12345678",
	}
	w := newWorld(t, worldOptions{})
	for i, dt := range identity.DocumentTypes {
		student := fmt.Sprintf("S%d", i)
		w.putAdmission(student, "person="+student)
		status, body := w.submitAs(student, "person="+student, doc{string(dt), numbers[dt], "张三"})
		require.Equal(t, http.StatusAccepted, status, "%s: %v", dt, body)
		w.idle()
		_, _ = w.confirm(body["id"].(string), "mine")
	}
	resp, page := w.asRaw("admin", http.MethodGet, "/admin/review?school=cjlu", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	for _, dt := range identity.DocumentTypes {
		require.Contains(t, string(page), `title="`+string(dt)+`">`+dt.LabelZH()+`<`, dt)
	}
}

// TestPrecheckIsFree: the quality check before a capture answers at once
// with the findings, stores nothing, charges nothing and queues nothing;
// its verdict is the capture's for the same photo.
func TestPrecheckIsFree(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	files := countFiles(t, w.dir)
	for range 5 {
		status, body := w.precheck("S1", "person=alice;quality=too_dark", "upstream")
		require.Equal(t, http.StatusOK, status, body)
		require.Equal(t, false, body["would_standardize"])
		require.Equal(t, false, body["counted"])
		require.Equal(t, "too_dark", body["findings"].([]any)[0].(map[string]any)["code"])
		require.Contains(t, body["message_zh"], "不限次数")
	}
	status, body := w.precheck("S1", "person=alice;print=1", "upstream")
	require.Equal(t, http.StatusOK, status, body)
	require.Equal(t, true, body["would_standardize"])
	require.Empty(t, body["findings"])
	require.Equal(t, capture.ReviewFlagRephotographed, body["review_flags"].([]any)[0].(map[string]any)["code"])
	require.Equal(t, true, body["submission"].(map[string]any)["allowed"])
	require.Equal(t, files, countFiles(t, w.dir), "nothing stored")
	require.Zero(t, w.std.Calls(), "no standardization made")
	require.Equal(t, 6, w.std.Prechecks())
	s := w.summary("S1")
	require.Zero(t, s["standardizations"].(map[string]any)["used_today"])
	require.Equal(t, "not_started", s["stage"], "no capture")
	w.idle()

	// The same bytes as a capture: the same verdict.
	for _, tag := range []string{"person=alice;quality=blurry", "person=alice;print=1"} {
		_, pre := w.precheck("S2", tag, "upstream")
		id := w.accepted("S2", tag)
		c := w.capture(id)
		require.Equal(t, pre["would_standardize"], c["state"] == "awaiting_confirmation", tag)
		require.Equal(t, pre["findings"], c["findings"], tag)
		require.Equal(t, pre["review_flags"], c["review"], tag)
	}

	// What a capture would be told is said now.
	_, _ = w.confirm(w.accepted("S3", "person=alice"), "mine")
	_, body = w.precheck("S3", "person=alice", "upstream")
	sub := body["submission"].(map[string]any)
	require.Equal(t, false, sub["allowed"])
	require.Equal(t, "capture_on_hold", sub["code"], "no admission photo: the office's case")

	status, body = w.precheck("S1", "person=alice", "li")
	require.Equal(t, http.StatusForbidden, status, "for the upstream only")
	status, body = w.precheck("S1", "person=alice", "other")
	require.Equal(t, http.StatusForbidden, status, "for the upstream's own schools")
	require.Equal(t, "forbidden", errCode(t, body))
}

// precheck posts a photo tagged tag to the precheck of a student, signed
// (or logged in) as who.
func (w *world) precheck(student, tag, who string) (int, map[string]any) {
	w.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, err := mw.CreateFormFile("photo", "p.png")
	require.NoError(w.t, err)
	_, err = fw.Write(workertest.Photo(tag))
	require.NoError(w.t, err)
	require.NoError(w.t, mw.Close())
	resp, body := w.as(who, http.MethodPost, "/v1/schools/cjlu/students/"+student+"/precheck", mw.FormDataContentType(), &b)
	return resp.StatusCode, body
}

// TestStaffPagesWithoutSchoolListTheWork: the review and escalation pages
// opened without ?school= list the schools with work waiting, with links,
// rather than an empty page.
func TestStaffPagesWithoutSchoolListTheWork(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	for _, who := range []string{"admin", "li"} {
		resp, page := w.asRaw(who, http.MethodGet, "/admin/review", "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, string(page), `id="empty"`, "%s: nothing waiting yet", who)
	}
	w.putAdmission("S1", "person=alice")
	_, body := w.submit("S1", "person=alice")
	w.idle()
	_, _ = w.confirm(body["id"].(string), "mine")
	w.idle()
	for _, path := range []string{"/admin/review", "/admin/escalations"} {
		resp, page := w.asRaw("admin", http.MethodGet, path, "", nil)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		require.Contains(t, string(page), `id="schools"`, path)
		require.Contains(t, string(page), `<a href="/admin/review?school=cjlu">1</a>`, path)
		require.Contains(t, string(page), `<a href="/admin/escalations?school=cjlu">0</a>`, path)
	}
	// A user of one school goes straight to it.
	resp, page := w.asRaw("li", http.MethodGet, "/admin/review", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, string(page), "学号 S1")
}
