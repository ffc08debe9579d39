package imaging_test

import (
	"context"
	"image"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

// fixedPose reads every head as turned by yaw degrees.
type fixedPose float64

func (f fixedPose) HeadYaw(context.Context, imaging.RGB, image.Rectangle) (float64, error) {
	return float64(f), nil
}

// TestTurnedHeadIsNotFrontal: with a pose reader, a head turned beyond
// MaxHeadYawDeg either way is not_frontal, in the student's words; up to
// it, the photo passes; the pose model reads an ID-photo demo as frontal
// and a celebrity's turned head as turned.
func TestTurnedHeadIsNotFrontal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	det := testmodels.Detectors(t)
	photo := testphotos.Read(t, "faces/hivision-demo/test0.jpg")
	limit := imaging.DefaultChecks().MaxHeadYawDeg
	for _, tc := range []struct {
		yaw  float64
		pass bool
	}{{0, true}, {limit - 1, true}, {-(limit - 1), true}, {limit + 1, false}, {-(limit + 5), false}} {
		res, err := imaging.Standardize(ctx, photo, imaging.Options{Detector: det, PoseReader: fixedPose(tc.yaw)})
		require.NoError(t, err)
		require.Equal(t, tc.yaw, res.Measures.HeadYawDeg)
		if tc.pass {
			require.True(t, res.OK, "%v° passes: %v", tc.yaw, res.Findings)
			continue
		}
		require.Len(t, res.Findings, 1, "%v°", tc.yaw)
		require.Equal(t, imaging.FindingNotFrontal, res.Findings[0].Code)
		require.InDelta(t, abs(tc.yaw), res.Findings[0].Value, 1e-9)
		require.Equal(t, limit, res.Findings[0].Limit)
		require.NotEmpty(t, res.Findings[0].MessageZH)
	}

	poses, err := facematch.NewPoses(testmodels.Dir(t), "", 1)
	require.NoError(t, err)
	defer poses.Close()
	res, err := imaging.Standardize(ctx, photo, imaging.Options{Detector: det, PoseReader: poses})
	require.NoError(t, err)
	require.True(t, res.OK, "%v", res.Findings)
	require.Less(t, abs(res.Measures.HeadYawDeg), 15.0)
	res, err = imaging.Standardize(ctx, testphotos.Read(t, "faces-east-asian/nz0001na_Asian_faces/chenweiting__101_1.jpg"), imaging.Options{Detector: det, PoseReader: poses})
	require.NoError(t, err)
	require.Greater(t, abs(res.Measures.HeadYawDeg), limit)
	codes := map[string]bool{}
	for _, f := range res.Findings {
		codes[f.Code] = true
	}
	require.True(t, codes[imaging.FindingNotFrontal], "%v", res.Findings)
}

func abs(v float64) float64 {
	if v < 0 {
		return -v
	}
	return v
}
