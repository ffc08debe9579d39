package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/ctid"
	"github.com/recheck/recheck/storage"
)

// errCTIDUnavailable makes asynq retry a comparison whose identity check
// could not be done; the capture waits on hold meanwhile.
var errCTIDUnavailable = errors.New("worker: CTID unavailable; retrying later")

// match scores a confirmed capture's standardized photo against the
// admission photo on file, asks CTID when the school's rules call for it,
// and hands the outcome to the lifecycle, which applies the decision
// table and the journey's counters. Without a usable admission photo the
// capture waits on hold: that is the records office's problem, not an
// error.
func (h *handlers) match(ctx context.Context, t *asynq.Task) error {
	rec, _, err := h.load(ctx, t)
	if err != nil {
		return err
	}
	l := zerolog.Ctx(ctx).With().Str("stage", capture.StageMatch).Logger()
	if !capture.Runnable(rec) {
		l.Info().Str("state", string(rec.State)).Msg("nothing to compare in this state; completing follow-ups only")
		return h.Lifecycle.Complete(ctx, rec.ID)
	}
	start := time.Now()
	sc, adm, std, err := h.score(ctx, rec)
	var unusable *UnusablePhotoError
	switch {
	case errors.Is(err, capture.ErrNotFound):
		return h.hold(ctx, rec.ID, capture.HoldAdmissionPhotoMissing)
	case errors.As(err, &unusable) && unusable.Which == "reference":
		l.Warn().Err(err).Msg("admission photo unusable")
		return h.hold(ctx, rec.ID, capture.HoldAdmissionPhotoUnusable)
	case err != nil:
		return err
	}
	res := capture.MatchResult{Score: sc.Score, Distance: round4(sc.Distance), Embedder: sc.Embedder, AdmissionSHA256: adm.SHA256}
	if h.Lifecycle.NeedsCTID(rec, sc.Score) {
		called := time.Now()
		v := h.Identity.Verify(ctx, rec.Document.Name, rec.Document.Number, std)
		h.Metrics.Stage("ctid", time.Since(called))
		h.Metrics.CTID(string(v.Outcome))
		res.CTID = &capture.CTIDCheck{Outcome: string(v.Outcome), TextResult: v.TextResult, PortraitResult: v.PortraitResult,
			Similarity: v.Similarity, Serial: v.Serial, CheckedAt: time.Now().UTC()}
		if v.Outcome == ctid.Unavailable {
			l.Warn().Str("detail", v.Detail).Msg("CTID unavailable")
		}
	}
	res.Start, res.End = start, time.Now()
	saved, err := h.Lifecycle.Matched(ctx, rec.ID, res)
	if err != nil {
		return fmt.Errorf("worker: save comparison: %w", err)
	}
	h.Metrics.State(string(saved.State))
	l.Info().Str("state", string(saved.State)).Str("reason", saved.BlockReason+string(saved.HoldReason)).Float64("score", sc.Score).
		Float64("stage_ms", saved.Stages[capture.StageMatch].DurationMS).Msg("compared")
	if saved.State == capture.OnHold && saved.HoldReason == capture.HoldCTIDUnavailable {
		return errCTIDUnavailable // asynq retries the task with its backoff
	}
	return nil
}

// hold puts a capture on hold for a reason about its admission photo.
func (h *handlers) hold(ctx context.Context, id string, reason capture.HoldReason) error {
	if _, err := h.Lifecycle.Hold(ctx, id, reason); err != nil {
		return fmt.Errorf("worker: put on hold: %w", err)
	}
	zerolog.Ctx(ctx).Info().Str("stage", capture.StageMatch).Str("hold_reason", string(reason)).Msg("capture on hold")
	return nil
}

func round4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }

// score compares a capture's standardized photo (returned too) with the
// student's admission photo on file. It fails with capture.ErrNotFound when there is
// no admission photo, a *UnusablePhotoError when a face cannot be read
// (permanent for the standardized photo), and a permanent error when the
// standardized photo is gone.
func (h *handlers) score(ctx context.Context, rec *capture.Record) (Score, *capture.AdmissionPhoto, []byte, error) {
	adm, err := h.Lifecycle.Store().AdmissionPhoto(ctx, rec.School, rec.StudentID)
	if err != nil {
		return Score{}, nil, nil, err
	}
	std, err := h.Store.Get(ctx, capture.StandardizedKey(rec.School, rec.ID))
	if errors.Is(err, storage.ErrNotFound) {
		return Score{}, nil, nil, permanent(fmt.Errorf("worker: standardized photo missing: %w", err))
	}
	if err != nil {
		return Score{}, nil, nil, err
	}
	ref := Reference{SHA256: adm.SHA256, Load: func(ctx context.Context) ([]byte, error) { return h.Store.Get(ctx, adm.Key) }}
	sc, err := h.Scorer.Score(ctx, Probe{Photo: std, Face: rec.PhotoFace}, ref)
	var unusable *UnusablePhotoError
	if errors.As(err, &unusable) {
		if unusable.Which == "reference" {
			return sc, adm, std, err
		}
		return sc, adm, std, permanent(fmt.Errorf("worker: standardized photo: %w", err))
	}
	if err != nil {
		return sc, adm, std, fmt.Errorf("worker: score: %w", err)
	}
	return sc, adm, std, nil
}
