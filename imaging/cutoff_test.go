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

// TestFaceCutOffIsNamed: a photo whose face the frame cuts, where dlib's
// detector finds none, is rejected as face_cut_off (reshoot with the whole
// face in the middle) when UltraFace takes a second look, no_face without
// it; a photo without a face stays no_face.
func TestFaceCutOffIsNamed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	det, second := testmodels.Detectors(t), testmodels.UltraFaces(t)
	lim := imaging.DefaultLimits()
	photo := testphotos.Read(t, "faces-east-asian/nz0001na_Asian_faces/caolei__116_1.jpg")
	_, faces, scale, err := facematch.FindFaces(ctx, det, photo, lim)
	require.NoError(t, err)
	require.Len(t, faces, 1)
	b := faces[0].Box
	box := image.Rect(int(float64(b.Min.X)*scale), int(float64(b.Min.Y)*scale), int(float64(b.Max.X)*scale), int(float64(b.Max.Y)*scale))

	cut := 0
	for _, edge := range []imaging.Edge{imaging.EdgeLeft, imaging.EdgeRight, imaging.EdgeTop, imaging.EdgeBottom} {
		copyData, err := imaging.CutOff(photo, lim, box, 0.45, edge, 400)
		require.NoError(t, err)
		without, err := imaging.Standardize(ctx, copyData, imaging.Options{Detector: det})
		require.NoError(t, err)
		if len(without.Findings) != 1 || without.Findings[0].Code != imaging.FindingNoFace {
			continue // dlib still found (part of) this one
		}
		with, err := imaging.Standardize(ctx, copyData, imaging.Options{Detector: det, SecondLook: second})
		require.NoError(t, err)
		require.Len(t, with.Findings, 1, edge)
		require.Equal(t, imaging.FindingFaceCutOff, with.Findings[0].Code, edge)
		require.Contains(t, with.Findings[0].MessageZH, "边缘")
		cut++
	}
	require.Positive(t, cut, "dlib misses the face in at least one of the cut copies")

	res, err := imaging.Standardize(ctx, testphotos.Read(t, "faces/dlib-nonface/giraffe.jpg"), imaging.Options{Detector: det, SecondLook: second})
	require.NoError(t, err)
	require.Equal(t, imaging.FindingNoFace, res.Findings[0].Code)
}
