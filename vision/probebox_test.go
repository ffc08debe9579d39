package vision_test

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

// TestProbeBoxAgreesWithRedetection measures what reading the face where
// standardization put it (imaging.Output.Face) instead of detecting it
// again on the standardized photo does to the scores: every East Asian
// portrait of the shared set standardized with the quality checks lifted
// (so that the sample is not only the few that pass them), scored against
// the person's first photo both ways. Slow (about 25 s): run with
// RECHECK_PROBE_BOX=1; figures in BENCHMARKS.md.
func TestProbeBoxAgreesWithRedetection(t *testing.T) {
	if os.Getenv("RECHECK_PROBE_BOX") == "" {
		t.Skip("set RECHECK_PROBE_BOX=1 to measure")
	}
	m := testmodels.Matcher(t)
	ctx := context.Background()
	files, err := filepath.Glob(filepath.Join(testphotos.Path(t, "faces-east-asian/nz0001na_Asian_faces"), "*.jpg"))
	require.NoError(t, err)
	sort.Strings(files)
	byPerson := map[string][]string{}
	for _, f := range files {
		p, _, _ := strings.Cut(filepath.Base(f), "__")
		byPerson[p] = append(byPerson[p], f)
	}
	loose := imaging.CHSI
	c := &loose.Checks
	c.MaxUpscale, c.MaxOffCenter, c.MaxRollDeg, c.MaxYaw, c.MinPitch, c.MaxPitch, c.MaxHeadCut, c.MinBodyCoverage = 100, 1, 90, 10, -10, 10, 1, 0
	c.MinFaceLuma, c.MaxFaceClipped, c.MaxLightImbalance, c.MinSharpness, c.MaxWallSpread = 0, 1, 100, 0, 1000
	c.MaxMouthOpen, c.MinWallCoverage, c.MinWallLuma, c.MaxWallChroma, c.MaxClothesAsBackground = 10, 0, 0, 1000, 10
	emb := m.Default()
	var diffs []float64
	flips, lost := 0, 0
	for _, fs := range byPerson {
		if len(fs) < 2 {
			continue
		}
		ref, err := os.ReadFile(fs[0])
		require.NoError(t, err)
		rd, err := m.Describe(ctx, ref, imaging.DefaultLimits(), emb)
		if err != nil {
			continue
		}
		for _, f := range fs[1:] {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			res, err := imaging.Standardize(ctx, data, imaging.Options{Detector: m.Detectors(), FaceReader: m.FaceReader(), Profile: loose})
			if err != nil || !res.OK {
				continue
			}
			at, err := m.DescribeAt(ctx, res.Output.JPEG, imaging.DefaultLimits(), res.Output.Face, emb)
			require.NoError(t, err, f)
			_, placed, err := m.Compare(emb, at.Vectors[emb], rd.Vectors[emb])
			require.NoError(t, err)
			again, err := m.Describe(ctx, res.Output.JPEG, imaging.DefaultLimits(), emb)
			if err != nil {
				lost++ // no single face found on the standardized photo
				continue
			}
			_, found, err := m.Compare(emb, again.Vectors[emb], rd.Vectors[emb])
			require.NoError(t, err)
			diffs = append(diffs, math.Abs(placed-found))
			if (placed >= 80) != (found >= 80) {
				flips++
				t.Logf("%s: placed %.1f, found again %.1f", filepath.Base(f), placed, found)
			}
		}
	}
	require.NotEmpty(t, diffs)
	sort.Float64s(diffs)
	t.Logf("standardized photos %d: no face found again %d; |score difference| median %.1f, p95 %.1f, max %.1f; verdicts at 80 changed %d",
		len(diffs)+lost, lost, diffs[len(diffs)/2], diffs[len(diffs)*95/100], diffs[len(diffs)-1], flips)
	require.Less(t, diffs[len(diffs)/2], 1.0, "the median score moves by less than a point")
	require.LessOrEqual(t, flips*20, len(diffs), "at most 5 % of verdicts change")
}
