package imaging_test

import (
	"context"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

func standardize(t *testing.T, rel string) *imaging.Result {
	t.Helper()
	res, err := imaging.Standardize(context.Background(), testphotos.Read(t, rel), imaging.Options{Detector: testmodels.Pool(t)})
	require.NoError(t, err)
	return res
}

func TestStandardizeProducesTheProfile(t *testing.T) {
	p := imaging.CHSI
	for _, rel := range []string{
		"faces/hivision-demo/test0.jpg",          // plain white, JPEG
		"faces/hivision-demo/test1.jpg",          // WebP named .jpg
		"faces/hivision-demo/test2.jpg",          // PNG named .jpg, RGBA
		"faces/face_recognition-tests/32bit.png", // RGBA PNG
		"faces/deepface/img13.jpg",               // 2048 × 1364
	} {
		t.Run(rel, func(t *testing.T) {
			res := standardize(t, rel)
			require.True(t, res.OK, "findings: %+v", res.Findings)
			require.Empty(t, res.Findings)
			require.NotNil(t, res.Face)
			out := res.Output
			img, err := vips.NewImageFromBuffer(out.JPEG)
			require.NoError(t, err)
			defer img.Close()
			require.Equal(t, p.Width, img.Width())
			require.Equal(t, p.Height, img.Height())
			require.Equal(t, vips.ImageTypeJPEG, img.Format())
			require.LessOrEqual(t, len(out.JPEG), p.MaxKB*1024, "inside the profile's KB range")
			require.False(t, img.HasExif(), "metadata stripped")
			require.InDelta(t, float64(p.Width)/2, float64(out.Eyes.X), 2, "face centred")
			require.InDelta(t, p.EyeLine*float64(p.Height), float64(out.Eyes.Y), 2, "eyes on the profile's line")
		})
	}
}

func TestStandardizeFindings(t *testing.T) {
	tests := []struct {
		rel  string
		code string
	}{
		{"faces/deepface/couple.jpg", imaging.FindingMultipleFaces},
		{"faces/face_recognition-examples/two_people.jpg", imaging.FindingMultipleFaces},
		{"faces/dlib-nonface/dog.jpg", imaging.FindingNoFace},
		{"faces/face-alignment/grass.jpg", imaging.FindingNoFace},
		{"faces/face_recognition-examples/obama_small.jpg", imaging.FindingFaceTooSmall},
	}
	for _, tc := range tests {
		t.Run(tc.rel, func(t *testing.T) {
			res := standardize(t, tc.rel)
			require.False(t, res.OK)
			require.Nil(t, res.Output)
			codes := []string{}
			for _, f := range res.Findings {
				codes = append(codes, f.Code)
				require.NotEmpty(t, f.MessageZH)
			}
			require.Contains(t, codes, tc.code)
		})
	}
}

func TestStandardizeRefusesUnreadableInput(t *testing.T) {
	obama := testphotos.Read(t, "faces/face_recognition-tests/obama.jpg")
	for name, data := range map[string][]byte{
		"text":      []byte("not an image"),
		"truncated": obama[:len(obama)/2],
	} {
		t.Run(name, func(t *testing.T) {
			_, err := imaging.Standardize(context.Background(), data, imaging.Options{Detector: testmodels.Pool(t)})
			require.True(t, imaging.IsInputError(err), "want an input error, got %v", err)
		})
	}
}

func TestStandardizeHonoursCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := imaging.Standardize(ctx, testphotos.Read(t, "faces/hivision-demo/test0.jpg"), imaging.Options{Detector: testmodels.Pool(t)})
	require.ErrorIs(t, err, context.Canceled)
}

func TestProfileValidate(t *testing.T) {
	require.NoError(t, imaging.CHSI.Validate())
	bad := imaging.CHSI
	bad.MinKB, bad.MaxKB = 100, 50
	require.ErrorContains(t, bad.Validate(), "KB range")
	bad = imaging.CHSI
	bad.MaxUpscale = 0.5
	require.ErrorContains(t, bad.Validate(), "upscale")
}
