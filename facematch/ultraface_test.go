package facematch_test

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

// iou is the intersection over union of two boxes.
func iou(a, b image.Rectangle) float64 {
	in := a.Intersect(b)
	if in.Empty() {
		return 0
	}
	i := float64(in.Dx() * in.Dy())
	return i / (float64(a.Dx()*a.Dy()+b.Dx()*b.Dy()) - i)
}

// TestUltraFaceFindsWhatHOGFinds: on portraits, UltraFace's one face is
// where dlib's HOG detector puts it; on a photo without a human face it
// finds none; pixels that do not make the image are refused.
func TestUltraFaceFindsWhatHOGFinds(t *testing.T) {
	t.Parallel()
	hog, ultra := testmodels.Detectors(t), testmodels.UltraFaces(t)
	ctx := context.Background()
	lim := imaging.DefaultLimits()
	for _, rel := range []string{"faces/deepface/img14.jpg", "faces/hivision-demo/test1.jpg", "faces-east-asian/nz0001na_Asian_faces/caolei__116_1.jpg"} {
		_, hf, _, err := facematch.FindFaces(ctx, hog, testphotos.Read(t, rel), lim)
		require.NoError(t, err)
		_, uf, _, err := facematch.FindFaces(ctx, ultra, testphotos.Read(t, rel), lim)
		require.NoError(t, err)
		require.Len(t, hf, 1, rel)
		require.Len(t, uf, 1, rel)
		require.Greater(t, iou(hf[0].Box, uf[0].Box), 0.4, "%s: HOG %v, UltraFace %v", rel, hf[0].Box, uf[0].Box)
		require.GreaterOrEqual(t, uf[0].Confidence, facematch.DefaultUltraFaceThreshold)
	}
	_, none, _, err := facematch.FindFaces(ctx, ultra, testphotos.Read(t, "faces/dlib-nonface/giraffe.jpg"), lim)
	require.NoError(t, err)
	require.Empty(t, none)
	_, err = ultra.Detect(ctx, imaging.RGB{W: 10, H: 10, Pix: make([]byte, 10)})
	require.ErrorContains(t, err, "10 bytes for 10 × 10 RGB")
}

// TestPoseTellsTurnedFromFrontal: fr_pose.onnx reads a frontal ID photo's
// yaw within 15° and a head turned to the side beyond 30°, both ways.
func TestPoseTellsTurnedFromFrontal(t *testing.T) {
	t.Parallel()
	ultra := testmodels.UltraFaces(t)
	poses, err := facematch.NewPoses(testmodels.Dir(t), "", 1)
	require.NoError(t, err)
	defer poses.Close()
	ctx := context.Background()
	yaw := func(rel string) float64 {
		img, fs, _, err := facematch.FindFaces(ctx, ultra, testphotos.Read(t, rel), imaging.DefaultLimits())
		require.NoError(t, err)
		require.NotEmpty(t, fs, rel)
		p, err := poses.Estimate(ctx, img, fs[0].Box)
		require.NoError(t, err)
		return p.Yaw
	}
	for _, rel := range []string{"faces/hivision-demo/test0.jpg", "faces/hivision-demo/test4.jpg", "faces/openface-examples/lennon-1.jpg"} {
		require.InDelta(t, 0, yaw(rel), 15, rel)
	}
	require.Greater(t, yaw("faces-east-asian/nz0001na_Asian_faces/chenweiting__101_1.jpg"), 30.0)
	require.Less(t, yaw("faces-east-asian/nz0001na_Asian_faces/chenyixun__105_3.jpg"), -30.0)
	_, err = poses.Estimate(ctx, imaging.RGB{W: 4, H: 4, Pix: make([]byte, 48)}, image.Rect(10, 10, 20, 20))
	require.ErrorContains(t, err, "outside the image")
}

// TestFirstLookLandmarks: the comparison's finder gives UltraFace's box
// with landmarks in dlib's 5-point scheme read by fr_landmark.onnx: the
// eye line and the nose's offset across the face where dlib's own shape
// predictor puts them (within 4° and a tenth of the eye distance; the nose
// point's height differs by scheme, within a quarter); where UltraFace
// finds nothing, HOG answers.
func TestFirstLookLandmarks(t *testing.T) {
	t.Parallel()
	m := testmodels.Matcher(t)
	ctx := context.Background()
	lim := imaging.DefaultLimits()
	for _, rel := range []string{"faces/hivision-demo/test0.jpg", "faces/deepface/img14.jpg", "faces-east-asian/nz0001na_Asian_faces/caolei__116_1.jpg"} {
		_, hf, _, err := facematch.FindFaces(ctx, m.Detectors(), testphotos.Read(t, rel), lim)
		require.NoError(t, err)
		_, ff, _, err := facematch.FindFaces(ctx, m.Finder(), testphotos.Read(t, rel), lim)
		require.NoError(t, err)
		require.Len(t, hf, 1, rel)
		require.Len(t, ff, 1, rel)
		require.Len(t, ff[0].Landmarks, 5, rel)
		hr, hy, hp, ok := imaging.HeadPose(hf[0])
		require.True(t, ok)
		fr, fy, fp, ok := imaging.HeadPose(ff[0])
		require.True(t, ok)
		require.InDelta(t, hr, fr, 4, "%s: eye line angle", rel)
		require.InDelta(t, hy, fy, 0.1, "%s: nose across", rel)
		require.InDelta(t, hp, fp, 0.25, "%s: nose down", rel)
	}
	_, none, _, err := facematch.FindFaces(ctx, m.Finder(), testphotos.Read(t, "faces/dlib-nonface/giraffe.jpg"), lim)
	require.NoError(t, err)
	require.Empty(t, none)
}

// TestFirstLookWithoutArcFace: a matcher without the arcface models (dlib
// alone) finds faces the same way, UltraFace first, so that the dlib-2
// calibration fitted on it holds; its faces carry no landmarks.
func TestFirstLookWithoutArcFace(t *testing.T) {
	t.Parallel()
	m, err := facematch.NewMatcher(facematch.Config{ModelsDir: testmodels.Dir(t), Embedder: facematch.EmbedderDlib}, 1)
	require.NoError(t, err)
	defer m.Close()
	photo := testphotos.Read(t, "faces/hivision-demo/test0.jpg")
	_, want, _, err := facematch.FindFaces(context.Background(), testmodels.UltraFaces(t), photo, imaging.DefaultLimits())
	require.NoError(t, err)
	_, got, _, err := facematch.FindFaces(context.Background(), m.Finder(), photo, imaging.DefaultLimits())
	require.NoError(t, err)
	require.Len(t, got, 1)
	require.Equal(t, want[0].Box, got[0].Box, "UltraFace's box")
	require.Empty(t, got[0].Landmarks)
}
