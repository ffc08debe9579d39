package vision

import (
	"context"
	"errors"
	"fmt"
	"image"
	"time"

	"github.com/rs/zerolog"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/worker"
)

// embeddingTTL bounds how long an admission photo's embedding is cached.
const embeddingTTL = 30 * 24 * time.Hour

// Scorer is the worker's scorer: the matcher's default embedder on both
// faces, its calibrated 0-100 score, and the admission photo's embedding
// cached by the photo's digest, so it is computed once per version.
type Scorer struct {
	Matcher *facematch.Matcher
	Cache   EmbeddingCache
	Limits  imaging.Limits
}

var _ worker.Scorer = (*Scorer)(nil)

// Score implements worker.Scorer.
func (s *Scorer) Score(ctx context.Context, probe worker.Probe, ref worker.Reference) (worker.Score, error) {
	emb := s.Matcher.Default()
	refVec, err := s.reference(ctx, ref, emb)
	if err != nil {
		return worker.Score{}, err
	}
	var d *facematch.Description
	if f := probe.Face; f != nil {
		// Standardization placed the face: read it there, no detection.
		d, err = s.Matcher.DescribeAt(ctx, probe.Photo, s.Limits, image.Rect(f[0], f[1], f[0]+f[2], f[1]+f[3]), emb)
	} else {
		d, err = s.Matcher.Describe(ctx, probe.Photo, s.Limits, emb)
	}
	if unusable(err) {
		return worker.Score{}, &worker.UnusablePhotoError{Which: "probe", Err: err}
	}
	if err != nil {
		return worker.Score{}, err
	}
	dist, score, err := s.Matcher.Compare(emb, d.Vectors[emb], refVec)
	if err != nil {
		return worker.Score{}, err
	}
	return worker.Score{Score: score, Distance: dist, Embedder: emb}, nil
}

// reference returns the admission photo's embedding, from the cache when
// this version was described by this embedder's pipeline before.
func (s *Scorer) reference(ctx context.Context, ref worker.Reference, emb string) ([]float32, error) {
	vec, ok, err := s.Cache.Embedding(ctx, s.Matcher.Pipeline(emb), ref.SHA256)
	if err != nil {
		return nil, err
	}
	if ok {
		return vec, nil
	}
	photo, err := ref.Load(ctx)
	if err != nil {
		return nil, fmt.Errorf("vision: load admission photo: %w", err)
	}
	d, err := s.Matcher.Describe(ctx, photo, s.Limits, emb)
	if unusable(err) {
		return nil, &worker.UnusablePhotoError{Which: "reference", Err: err}
	}
	if err != nil {
		return nil, err
	}
	if err := s.Cache.SetEmbedding(ctx, s.Matcher.Pipeline(emb), ref.SHA256, d.Vectors[emb], embeddingTTL); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Msg("could not cache the admission embedding")
	}
	return d.Vectors[emb], nil
}

func unusable(err error) bool {
	var fc *facematch.FaceCountError
	return errors.As(err, &fc) || imaging.IsInputError(err)
}
