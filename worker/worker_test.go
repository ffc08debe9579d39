package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/identity"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
	"github.com/recheck/recheck/jobs"
	"github.com/recheck/recheck/notify"
	"github.com/recheck/recheck/storage"
)

// countingNotifier records what it was asked to send.
type countingNotifier struct {
	mu   sync.Mutex
	sent []notify.Message
	err  error
}

func (n *countingNotifier) Notify(_ context.Context, m notify.Message) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.err != nil {
		return n.err
	}
	n.sent = append(n.sent, m)
	return nil
}

// stubCTID answers every check with outcome and counts the checks.
type stubCTID struct {
	mu      sync.Mutex
	outcome identity.Outcome
	calls   int
}

func (s *stubCTID) Verify(_ context.Context, _, _ string, portrait []byte) identity.Verdict {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls++
	return identity.Verdict{Outcome: s.outcome, Serial: "SIM1", Similarity: 90}
}

type bundle struct {
	ctid     *stubCTID
	ctx      context.Context
	h        *handlers
	handler  asynq.Handler
	repo     *capture.Repository
	store    storage.Store
	insp     *asynq.Inspector
	notifier *countingNotifier
}

func setup(t *testing.T) *bundle {
	t.Helper()
	srv := redistest.Start(t)
	store, err := storage.NewFS(t.TempDir())
	require.NoError(t, err)
	repo := capture.NewRepository(srv.Client)
	n := &countingNotifier{}
	ctid := &stubCTID{outcome: identity.Pass}
	deps := Deps{
		Repo: repo, Store: store, Matcher: testmodels.Matcher(t), CTID: ctid, Notifier: n,
		Queue: asynq.NewClientFromRedisClient(srv.Client), Profiles: imaging.ProfileSet{Default: imaging.CHSI},
		Limits: imaging.DefaultLimits(), Log: zerolog.Nop(),
	}
	s := New(srv.Client, Config{Concurrency: 1, ShutdownTimeout: time.Second, DetectSize: 480, LivenessLine: 0.2}, deps)
	return &bundle{
		ctid: ctid,
		ctx:  context.Background(), h: &handlers{Deps: deps, detectSize: 480, livenessLine: 0.2}, handler: s.Handler(),
		repo: repo, store: store, insp: asynq.NewInspectorFromRedisClient(srv.Client), notifier: n,
	}
}

// newCapture stores photo as a capture's original and creates its record.
func (b *bundle) newCapture(t *testing.T, id, student string, photo []byte) {
	t.Helper()
	b.newCaptureWith(t, id, student, "resident_id", photo)
}

func (b *bundle) newCaptureWith(t *testing.T, id, student, docType string, photo []byte) {
	t.Helper()
	require.NoError(t, b.store.Put(b.ctx, capture.OriginalKey("cjlu", id), photo))
	require.NoError(t, b.repo.Create(b.ctx, &capture.Record{
		ID: id, School: "cjlu", Cohort: "2026", StudentID: student, OpenID: "o-1",
		Document: capture.Document{Type: docType, Number: "11010519491231002X", Name: "张三"},
		State:    capture.Queued, Findings: []capture.Finding{},
	}))
}

func (b *bundle) setAdmission(t *testing.T, student string, photo []byte) string {
	t.Helper()
	sum := sha256.Sum256(photo)
	sha := hex.EncodeToString(sum[:])
	key := capture.AdmissionKey("cjlu", student, sha)
	require.NoError(t, b.store.Put(b.ctx, key, photo))
	require.NoError(t, b.repo.SetAdmissionPhoto(b.ctx, "cjlu", student, capture.AdmissionPhoto{Key: key, SHA256: sha, Format: "jpeg"}))
	return sha
}

func (b *bundle) run(t *testing.T, task *asynq.Task) error {
	t.Helper()
	return b.handler.ProcessTask(b.ctx, task)
}

func (b *bundle) get(t *testing.T, id string) *capture.Record {
	t.Helper()
	rec, err := b.repo.Get(b.ctx, id)
	require.NoError(t, err)
	return rec
}

// pending returns the IDs of the tasks waiting in queue.
func (b *bundle) pending(t *testing.T, queue string) []string {
	t.Helper()
	tasks, err := b.insp.ListPendingTasks(queue)
	if err != nil && !errors.Is(err, asynq.ErrQueueNotFound) {
		require.NoError(t, err)
	}
	ids := []string{}
	for _, ti := range tasks {
		ids = append(ids, ti.ID)
	}
	return ids
}

func TestStandardizeGoodPhoto(t *testing.T) {
	b := setup(t)
	b.newCapture(t, "c1", "S1", testphotos.Read(t, "faces/hivision-demo/test0.jpg"))
	require.NoError(t, b.run(t, jobs.NewStandardize("c1")))

	rec := b.get(t, "c1")
	require.Equal(t, capture.Standardized, rec.State)
	require.Empty(t, rec.Findings)
	require.NotNil(t, rec.Face)
	require.Contains(t, rec.Stages, capture.StageStandardize)
	require.Equal(t, []string{"match:c1"}, b.pending(t, jobs.QueueCapture))

	std, err := b.store.Get(b.ctx, capture.StandardizedKey("cjlu", "c1"))
	require.NoError(t, err)
	info, err := imaging.Probe(std, imaging.DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, [2]int{480, 640}, [2]int{info.Width, info.Height})

	raw, err := b.store.Get(b.ctx, capture.ResultKey("cjlu", "c1"))
	require.NoError(t, err)
	var durable capture.Record
	require.NoError(t, json.Unmarshal(raw, &durable))
	require.Equal(t, capture.Standardized, durable.State, "result.json follows the record")

	// A second delivery changes nothing and enqueues nothing new.
	require.NoError(t, b.run(t, jobs.NewStandardize("c1")))
	require.Equal(t, rec.Version, b.get(t, "c1").Version)
	require.Equal(t, []string{"match:c1"}, b.pending(t, jobs.QueueCapture))
}

func TestStandardizeRejects(t *testing.T) {
	obama := testphotos.Read(t, "faces/face_recognition-tests/obama.jpg")
	tests := []struct {
		name  string
		photo []byte
		code  string
	}{
		{"two faces", testphotos.Read(t, "faces/deepface/couple.jpg"), imaging.FindingMultipleFaces},
		{"no face", testphotos.Read(t, "faces/dlib-nonface/giraffe.jpg"), imaging.FindingNoFace},
		{"truncated", obama[:len(obama)/3], imaging.CodeUnreadable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t)
			b.newCapture(t, "c1", "S1", tc.photo)
			require.NoError(t, b.run(t, jobs.NewStandardize("c1")))
			rec := b.get(t, "c1")
			require.Equal(t, capture.Rejected, rec.State)
			require.Equal(t, tc.code, rec.Findings[0].Code)
			require.NotEmpty(t, rec.Findings[0].MessageZH)
			require.Equal(t, []string{"notify:c1:rejected"}, b.pending(t, jobs.QueueNotify))
			_, err := b.store.Get(b.ctx, capture.StandardizedKey("cjlu", "c1"))
			require.ErrorIs(t, err, storage.ErrNotFound)
		})
	}
}

func TestMatch(t *testing.T) {
	same := testphotos.Read(t, "faces/deepface/img13.jpg") // deepface G04, like the capture
	other := testphotos.Read(t, "faces/deepface/img18.jpg")
	tests := []struct {
		name      string
		admission []byte
		state     capture.State
		hold      capture.HoldReason
	}{
		{"same person passes", same, capture.Passed, ""},
		{"different person is blocked", other, capture.Blocked, ""},
		{"no admission photo waits", nil, capture.OnHold, capture.HoldAdmissionPhotoMissing},
		{"unusable admission photo waits", testphotos.Read(t, "faces/deepface/couple.jpg"), capture.OnHold, capture.HoldAdmissionPhotoUnusable},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t)
			b.newCapture(t, "c1", "S1", testphotos.Read(t, "faces/deepface/img14.jpg"))
			require.NoError(t, b.run(t, jobs.NewStandardize("c1")))
			require.Equal(t, capture.Standardized, b.get(t, "c1").State)
			var sha string
			if tc.admission != nil {
				sha = b.setAdmission(t, "S1", tc.admission)
			}
			require.NoError(t, b.run(t, jobs.NewMatch("c1", "")))
			rec := b.get(t, "c1")
			require.Equal(t, tc.state, rec.State)
			require.Equal(t, tc.hold, rec.HoldReason)
			require.Equal(t, []string{"notify:c1:" + string(tc.state)}, b.pending(t, jobs.QueueNotify))
			if tc.state == capture.OnHold {
				require.Nil(t, rec.Match)
				return
			}
			require.Equal(t, sha, rec.Match.AdmissionSHA256)
			require.Contains(t, rec.Stages, capture.StageMatch)
			if tc.state == capture.Passed {
				require.GreaterOrEqual(t, rec.Match.Score, 80.0)
			} else {
				require.Less(t, rec.Match.Score, 80.0)
			}
			vec, ok, err := b.repo.Embedding(b.ctx, rec.Match.Embedder, sha)
			require.NoError(t, err)
			require.True(t, ok, "the admission embedding is cached")
			require.Equal(t, facematch.EmbedderArcFace, rec.Match.Embedder, "arcface scores by default")
			require.Len(t, vec, 512)
		})
	}
}

func TestMatchUsesTheCachedAdmissionEmbedding(t *testing.T) {
	b := setup(t)
	b.newCapture(t, "c1", "S1", testphotos.Read(t, "faces/deepface/img14.jpg"))
	require.NoError(t, b.run(t, jobs.NewStandardize("c1")))
	sha := b.setAdmission(t, "S1", testphotos.Read(t, "faces/deepface/img18.jpg"))
	// Plant an embedding equal to the probe's own: only a match that uses
	// the cache can score 100 against another person's photo.
	std, err := b.store.Get(b.ctx, capture.StandardizedKey("cjlu", "c1"))
	require.NoError(t, err)
	m := testmodels.Matcher(t)
	f, err := m.Describe(b.ctx, std, imaging.DefaultLimits(), m.Default())
	require.NoError(t, err)
	require.NoError(t, b.repo.SetEmbedding(b.ctx, m.Default(), sha, f.Vectors[m.Default()], time.Hour))
	require.NoError(t, b.run(t, jobs.NewMatch("c1", "")))
	require.Equal(t, 100.0, b.get(t, "c1").Match.Score)
}

func TestNotifyOncePerState(t *testing.T) {
	b := setup(t)
	b.newCapture(t, "c1", "S1", testphotos.Read(t, "faces/deepface/couple.jpg"))
	require.NoError(t, b.run(t, jobs.NewStandardize("c1")))
	require.NoError(t, b.run(t, jobs.NewNotify("c1", "rejected")))
	require.NoError(t, b.run(t, jobs.NewNotify("c1", "rejected")), "a redelivery")
	require.Len(t, b.notifier.sent, 1)
	require.Equal(t, "rejected", b.notifier.sent[0].State)
	require.Equal(t, capture.Rejected, b.get(t, "c1").Notified)
}

func TestPermanentFailures(t *testing.T) {
	b := setup(t)
	err := b.run(t, jobs.NewStandardize("missing"))
	require.ErrorIs(t, err, asynq.SkipRetry, "a deleted capture is not retried")

	err = b.run(t, asynq.NewTask(jobs.TypeMatch, []byte("garbage")))
	require.ErrorIs(t, err, asynq.SkipRetry)

	b.notifier.err = errors.New("wechat: 43101 refused: " + notify.ErrPermanent.Error())
	b.newCapture(t, "c1", "S1", testphotos.Read(t, "faces/deepface/couple.jpg"))
	require.NoError(t, b.run(t, jobs.NewStandardize("c1")))
	err = b.run(t, jobs.NewNotify("c1", "rejected"))
	require.Error(t, err)
	require.NotErrorIs(t, err, asynq.SkipRetry, "a transient notify error is retried")

	b.notifier.err = errors.Join(errors.New("wechat: 43101"), notify.ErrPermanent)
	err = b.run(t, jobs.NewNotify("c1", "rejected"))
	require.ErrorIs(t, err, asynq.SkipRetry, "a permanent notify error is not retried")
}

func TestPanicsBecomePermanentErrors(t *testing.T) {
	h := recoverPanics(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { panic("boom") }))
	err := permanentToSkipRetry(h).ProcessTask(context.Background(), asynq.NewTask("x", nil))
	require.ErrorContains(t, err, "boom")
	require.ErrorIs(t, err, asynq.SkipRetry)
}

func TestFinalErrorMarksTheCaptureFailed(t *testing.T) {
	b := setup(t)
	b.newCapture(t, "c1", "S1", testphotos.Read(t, "faces/hivision-demo/test0.jpg"))
	// asynq calls the error handler with the retry count in the context; a
	// SkipRetry error is final whatever the count.
	b.h.onError(b.ctx, jobs.NewStandardize("c1"), errors.Join(errors.New("disk full"), asynq.SkipRetry))
	rec := b.get(t, "c1")
	require.Equal(t, capture.Failed, rec.State)
	require.Equal(t, capture.StageStandardize, rec.Failure.Stage)
	require.NotEmpty(t, rec.Failure.MessageZH)

	// An admin retries: the capture picks up where it broke.
	require.NoError(t, b.run(t, jobs.NewStandardize("c1")))
	require.Equal(t, capture.Standardized, b.get(t, "c1").State)
	require.Nil(t, b.get(t, "c1").Failure)
}

// TestMatchDecisionTable runs the match stage for each CTID outcome.
func TestMatchDecisionTable(t *testing.T) {
	tests := []struct {
		name    string
		doc     string
		outcome identity.Outcome
		state   capture.State
		reason  string
		asked   bool
		notify  bool
	}{
		{"resident ID, CTID pass", "resident_id", identity.Pass, capture.Passed, "", true, true},
		{"resident ID, suspected", "resident_id", identity.Suspected, capture.Blocked, capture.ReasonCTIDSuspected, true, true},
		{"resident ID, not the same person", "resident_id", identity.NotSamePerson, capture.Blocked, capture.ReasonCTIDNotSamePerson, true, true},
		{"resident ID, identity invalid", "resident_id", identity.IdentityInvalid, capture.Blocked, capture.ReasonCTIDIdentityInvalid, true, true},
		{"resident ID, CTID unavailable", "resident_id", identity.Unavailable, capture.OnHold, string(capture.HoldCTIDUnavailable), true, false},
		{"passport: no CTID", "passport", identity.NotSamePerson, capture.Passed, "", false, true},
		{"HK identity card: no CTID", "hk_id", identity.IdentityInvalid, capture.Passed, "", false, true},
	}
	same := testphotos.Read(t, "faces/deepface/img13.jpg")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := setup(t)
			b.ctid.outcome = tc.outcome
			b.newCaptureWith(t, "c1", "S1", tc.doc, testphotos.Read(t, "faces/deepface/img14.jpg"))
			require.NoError(t, b.run(t, jobs.NewStandardize("c1")))
			b.setAdmission(t, "S1", same)
			err := b.run(t, jobs.NewMatch("c1", ""))
			rec := b.get(t, "c1")
			require.Equal(t, tc.state, rec.State)
			require.Equal(t, tc.asked, b.ctid.calls == 1, "CTID asked only for resident ID cards")
			if tc.state == capture.OnHold {
				require.ErrorIs(t, err, errCTIDUnavailable, "retried by asynq")
				require.NotErrorIs(t, err, asynq.SkipRetry)
				require.Equal(t, capture.HoldCTIDUnavailable, rec.HoldReason)
				// Retries exhausted: the capture stays on hold, not failed.
				b.h.onError(b.ctx, jobs.NewMatch("c1", ""), err)
				require.Equal(t, capture.OnHold, b.get(t, "c1").State)
			} else {
				require.NoError(t, err)
				require.Equal(t, tc.reason, rec.BlockReason)
			}
			if tc.asked {
				require.Equal(t, string(tc.outcome), rec.Match.CTID.Outcome)
			} else {
				require.Nil(t, rec.Match.CTID)
			}
			if tc.notify {
				require.Equal(t, []string{"notify:c1:" + string(tc.state)}, b.pending(t, jobs.QueueNotify))
			} else {
				require.Empty(t, b.pending(t, jobs.QueueNotify), "the student is not told of an unavailable check")
			}
		})
	}
}

func TestPortraitBelow80SkipsCTID(t *testing.T) {
	b := setup(t)
	b.newCapture(t, "c1", "S1", testphotos.Read(t, "faces/deepface/img14.jpg"))
	require.NoError(t, b.run(t, jobs.NewStandardize("c1")))
	b.setAdmission(t, "S1", testphotos.Read(t, "faces/deepface/img18.jpg"))
	require.NoError(t, b.run(t, jobs.NewMatch("c1", "")))
	rec := b.get(t, "c1")
	require.Equal(t, capture.Blocked, rec.State)
	require.Equal(t, capture.ReasonPortraitScore, rec.BlockReason)
	require.Zero(t, b.ctid.calls)
}

// TestRephotographedPrintIsFlaggedForReview: a webcam shot of a printed
// portrait gets a review flag; a live photo does not.
func TestRephotographedPrintIsFlaggedForReview(t *testing.T) {
	b := setup(t)
	for rel, flagged := range map[string]bool{
		"faces-east-asian/imironica_liveness_NUAA_printed_photo/nuaa0001__0001_00_00_01_125.jpg": true,
		"faces/deepface/img14.jpg": false,
	} {
		photo := testphotos.Read(t, rel)
		res, err := imaging.Standardize(b.ctx, photo, imaging.Options{Detector: testmodels.Matcher(t).Detectors()})
		require.NoError(t, err)
		require.NotNil(t, res.Face, rel)
		flags := b.h.reviewFlags(b.ctx, photo, res)
		if flagged {
			require.Len(t, flags, 1, rel)
			require.Equal(t, FindingRephotographed, flags[0].Code)
			require.Less(t, flags[0].Value, flags[0].Limit)
			require.NotEmpty(t, flags[0].MessageZH)
		} else {
			require.Empty(t, flags, rel)
		}
	}
}
