package worker

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hibiken/asynq"
	"github.com/rs/zerolog"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/identity"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/storage"
)

// errCTIDUnavailable makes asynq retry a match whose identity check could
// not be done; the capture waits on hold meanwhile.
var errCTIDUnavailable = errors.New("worker: CTID unavailable; retrying later")

// embeddingTTL bounds how long an admission photo's embedding is cached.
const embeddingTTL = 30 * 24 * time.Hour

// match scores a standardized photo against the admission photo on file.
// Without an admission photo the capture waits on hold: that is the records
// office's problem, not an error.
func (h *handlers) match(ctx context.Context, t *asynq.Task) error {
	rec, err := h.load(ctx, t)
	if err != nil {
		return err
	}
	l := zerolog.Ctx(ctx).With().Str("stage", capture.StageMatch).Logger()
	switch {
	case rec.State == capture.Standardized, rec.State == capture.OnHold:
	case rec.State == capture.Failed && rec.Failure != nil && rec.Failure.Stage == capture.StageMatch:
	default:
		l.Info().Str("state", string(rec.State)).Msg("nothing to match in this state; completing follow-ups only")
		return h.finish(ctx, rec)
	}
	start := time.Now()
	adm, err := h.Repo.AdmissionPhoto(ctx, rec.School, rec.StudentID)
	if errors.Is(err, capture.ErrNotFound) {
		return h.hold(ctx, rec, capture.HoldAdmissionPhotoMissing)
	}
	if err != nil {
		return err
	}
	emb := h.Matcher.Default()
	ref, err := h.admissionEmbedding(ctx, adm, emb)
	if isUnusablePhoto(err) {
		l.Warn().Err(err).Msg("admission photo unusable")
		return h.hold(ctx, rec, capture.HoldAdmissionPhotoUnusable)
	}
	if err != nil {
		return err
	}
	std, err := h.Store.Get(ctx, capture.StandardizedKey(rec.School, rec.ID))
	if errors.Is(err, storage.ErrNotFound) {
		return permanent(fmt.Errorf("worker: standardized photo missing: %w", err))
	}
	if err != nil {
		return err
	}
	probe, err := h.Matcher.Describe(ctx, std, h.Limits, emb)
	if isUnusablePhoto(err) {
		return permanent(fmt.Errorf("worker: standardized photo: %w", err))
	}
	if err != nil {
		return err
	}
	d, score, err := h.Matcher.Compare(emb, probe.Vectors[emb], ref)
	if err != nil {
		return err
	}
	// The identity check, for mainland resident ID cards whose portrait
	// passed; its answer goes through the decision table.
	usesCTID := identity.DocumentType(rec.Document.Type).UsesCTID()
	var ctid *capture.CTIDCheck
	var outcome identity.Outcome
	if usesCTID && score >= facematch.PassScore {
		v := h.CTID.Verify(ctx, rec.Document.Name, rec.Document.Number, std)
		outcome = v.Outcome
		ctid = &capture.CTIDCheck{Outcome: string(v.Outcome), TextResult: v.TextResult, PortraitResult: v.PortraitResult,
			Similarity: v.Similarity, Serial: v.Serial, CheckedAt: time.Now().UTC()}
		if v.Outcome == identity.Unavailable {
			l.Warn().Str("detail", v.Detail).Msg("CTID unavailable")
		}
	}
	next, reason := capture.Decide(score, facematch.PassScore, usesCTID, outcome)
	end := time.Now()
	saved, err := h.Repo.Update(ctx, rec.ID, func(r *capture.Record) error {
		if err := r.MoveTo(next); err != nil {
			return err
		}
		switch next {
		case capture.Blocked:
			r.BlockReason = reason
		case capture.OnHold:
			r.HoldReason = capture.HoldReason(reason)
		}
		r.Match = &capture.Match{Score: score, Distance: round4(d), Embedder: emb, AdmissionSHA256: adm.SHA256, CTID: ctid}
		r.SetStage(capture.StageMatch, start, end)
		return nil
	})
	if err != nil {
		return fmt.Errorf("worker: save match: %w", err)
	}
	l.Info().Str("state", string(saved.State)).Str("reason", reason).Float64("score", score).
		Float64("stage_ms", saved.Stages[capture.StageMatch].DurationMS).Msg("matched")
	if err := h.finish(ctx, saved); err != nil {
		return err
	}
	if saved.HoldReason == capture.HoldCTIDUnavailable {
		return errCTIDUnavailable // asynq retries the task with its backoff
	}
	return nil
}

// hold puts a capture on hold for reason.
func (h *handlers) hold(ctx context.Context, rec *capture.Record, reason capture.HoldReason) error {
	saved, err := h.Repo.Update(ctx, rec.ID, func(r *capture.Record) error {
		if err := r.MoveTo(capture.OnHold); err != nil {
			return err
		}
		r.HoldReason = reason
		return nil
	})
	if err != nil {
		return fmt.Errorf("worker: put on hold: %w", err)
	}
	zerolog.Ctx(ctx).Info().Str("stage", capture.StageMatch).Str("hold_reason", string(reason)).Msg("capture on hold")
	return h.finish(ctx, saved)
}

// admissionEmbedding returns the embedding of an admission photo, from the
// cache when this version was described by this embedder before.
func (h *handlers) admissionEmbedding(ctx context.Context, adm *capture.AdmissionPhoto, emb string) ([]float32, error) {
	vec, ok, err := h.Repo.Embedding(ctx, emb, adm.SHA256)
	if err != nil {
		return nil, err
	}
	if ok {
		return vec, nil
	}
	photo, err := h.Store.Get(ctx, adm.Key)
	if err != nil {
		return nil, fmt.Errorf("worker: load admission photo: %w", err)
	}
	d, err := h.Matcher.Describe(ctx, photo, h.Limits, emb)
	if err != nil {
		return nil, err
	}
	if err := h.Repo.SetEmbedding(ctx, emb, adm.SHA256, d.Vectors[emb], embeddingTTL); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("could not cache the admission embedding")
	}
	return d.Vectors[emb], nil
}

func isUnusablePhoto(err error) bool {
	var fc *facematch.FaceCountError
	return errors.As(err, &fc) || imaging.IsInputError(err)
}

func round4(x float64) float64 { return float64(int64(x*10000+0.5)) / 10000 }
