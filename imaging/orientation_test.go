package imaging_test

import (
	"context"
	"image"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

// orientedJPEG stores the upright photo as a camera would with EXIF
// orientation o: the pixels transformed by the inverse of what the tag
// asks a viewer to do, and the tag set.
func orientedJPEG(t *testing.T, upright []byte, o int) []byte {
	t.Helper()
	img, err := vips.NewImageFromBuffer(upright)
	require.NoError(t, err)
	defer img.Close()
	steps := map[int][]func() error{
		1: {},
		2: {func() error { return img.Flip(vips.DirectionHorizontal) }},
		3: {func() error { return img.Rotate(vips.Angle180) }},
		4: {func() error { return img.Flip(vips.DirectionVertical) }},
		5: {func() error { return img.Rotate(vips.Angle90) }, func() error { return img.Flip(vips.DirectionHorizontal) }},
		6: {func() error { return img.Rotate(vips.Angle270) }},
		7: {func() error { return img.Rotate(vips.Angle90) }, func() error { return img.Flip(vips.DirectionVertical) }},
		8: {func() error { return img.Rotate(vips.Angle90) }},
	}[o]
	for _, s := range steps {
		require.NoError(t, s())
	}
	require.NoError(t, img.SetOrientation(o))
	ep := vips.NewJpegExportParams()
	ep.Quality = 95
	out, _, err := img.ExportJpeg(ep)
	require.NoError(t, err)
	return out
}

// TestEveryEXIFOrientation stores one portrait under each of the eight EXIF
// orientations; each must come out upright: same size, same face.
func TestEveryEXIFOrientation(t *testing.T) {
	upright := testphotos.Read(t, "faces/deepface/img13.jpg") // 2048 × 1364, face off-centre
	det := testmodels.Detectors(t)
	want, err := imaging.Standardize(context.Background(), upright, imaging.Options{Detector: det})
	require.NoError(t, err)
	require.True(t, want.OK)
	wantOut := outputFace(t, det, want.Output.Pixels)
	for o := 1; o <= 8; o++ {
		data := orientedJPEG(t, upright, o)
		info, err := imaging.Probe(data, imaging.DefaultLimits())
		require.NoError(t, err)
		require.Equal(t, o, info.Orientation, "the tag was written")
		res, err := imaging.Standardize(context.Background(), data, imaging.Options{Detector: det})
		require.NoError(t, err)
		require.True(t, res.OK, "orientation %d: %+v", o, res.Findings)
		require.Equal(t, want.Input.Width, res.Input.Width, "orientation %d", o)
		require.Equal(t, want.Input.Height, res.Input.Height, "orientation %d", o)
		require.InDelta(t, want.Face.Box.Min.X, res.Face.Box.Min.X, 12, "orientation %d: face where the upright one is", o)
		require.InDelta(t, want.Face.Box.Min.Y, res.Face.Box.Min.Y, 12, "orientation %d", o)
		// The crop itself is upright: the face sits in the output where the
		// upright photo's does.
		got := outputFace(t, det, res.Output.Pixels)
		require.InDelta(t, wantOut.Min.X, got.Min.X, 8, "orientation %d: output face", o)
		require.InDelta(t, wantOut.Min.Y, got.Min.Y, 8, "orientation %d: output face", o)
		require.InDelta(t, wantOut.Dx(), got.Dx(), 8, "orientation %d: output face", o)
	}
}

// outputFace detects the single face of a standardized photo.
func outputFace(t *testing.T, det imaging.FaceDetector, img imaging.RGB) image.Rectangle {
	t.Helper()
	faces, err := det.DetectFaces(context.Background(), img)
	require.NoError(t, err)
	require.Len(t, faces, 1)
	return faces[0].Box
}
