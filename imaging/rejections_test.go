package imaging_test

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testphotos"
)

func codes(res *imaging.Result) []string {
	out := []string{}
	for _, f := range res.Findings {
		out = append(out, f.Code)
	}
	return out
}

// TestSharedRejections: group photos, no-face and non-face images, and the
// portraits of the shared set a person would not accept get the right codes.
func TestSharedRejections(t *testing.T) {
	tests := []struct {
		rel  string
		want []string
	}{
		// Group photos and collages.
		{"faces/deepface/couple.jpg", []string{imaging.FindingMultipleFaces}},
		{"faces/face_recognition-examples/two_people.jpg", []string{imaging.FindingMultipleFaces}},
		{"faces/face_recognition-knn_test/obama_and_biden.jpg", []string{imaging.FindingMultipleFaces}},
		{"faces/dlib-faces/bald_guys.jpg", []string{imaging.FindingMultipleFaces}},
		{"faces/hivision-demo/demoImage.jpg", []string{imaging.FindingMultipleFaces}},
		{"faces/hivision-demo/harry.png", []string{imaging.FindingMultipleFaces}},
		{"faces/openface-examples/longoria-cooper.jpg", []string{imaging.FindingMultipleFaces}},
		// No human face.
		{"faces/dlib-nonface/dog.jpg", []string{imaging.FindingNoFace}},
		{"faces/dlib-nonface/eagle.jpg", []string{imaging.FindingNoFace}},
		{"faces/dlib-nonface/giraffe.jpg", []string{imaging.FindingNoFace}},
		{"faces/dlib-nonface/horses.jpg", []string{imaging.FindingNoFace}},
		{"faces/dlib-nonface/mmod_cars_test_image.jpg", []string{imaging.FindingNoFace}},
		{"faces/face-alignment/grass.jpg", []string{imaging.FindingNoFace}},
		{"faces/mtcnn/no-faces.jpg", []string{imaging.FindingNoFace}},
		// Portraits a person would not accept, for the reason named.
		{"faces/deepface/img11.jpg", []string{imaging.FindingHeadTilted}},
		{"faces/deepface/img25.jpg", []string{imaging.FindingShouldersMissing}},
		{"faces/openface-examples/lennon-2.jpg", []string{imaging.FindingShouldersMissing, imaging.FindingUnevenLighting}},
		{"faces/openface-examples/adams.jpg", []string{imaging.FindingBackgroundNotPlain, imaging.FindingBackgroundNotLight}},
		{"faces/hivision-demo/test2.jpg", []string{imaging.FindingBackgroundNotPlain}},
		{"faces/face_recognition-tests/obama_partial_face.jpg", []string{imaging.FindingFaceOffCenter, imaging.FindingShouldersMissing}},
		{"faces/face_recognition-examples/obama_small.jpg", []string{imaging.FindingFaceTooSmall}},
		{"faces/openface-examples/clapton-1.jpg", []string{imaging.FindingHeadCutOff}},
	}
	for _, tc := range tests {
		t.Run(tc.rel, func(t *testing.T) {
			res := standardize(t, testphotos.Read(t, tc.rel), imaging.CHSI)
			require.False(t, res.OK)
			require.Nil(t, res.Output)
			got := codes(res)
			for _, c := range tc.want {
				require.Contains(t, got, c, "measures %+v", res.Measures)
			}
			for _, f := range res.Findings {
				require.NotEmpty(t, f.MessageZH, f.Code)
			}
		})
	}
}

// TestSyntheticDefects takes a portrait that passes and spoils it in one way
// at a time; each spoiled copy must fail for that reason.
func TestSyntheticDefects(t *testing.T) {
	const base = "faces/deepface/img15.jpg" // white studio wall, frontal, sharp
	white := &vips.ColorRGBA{R: 255, G: 255, B: 255, A: 255}
	tests := []struct {
		name string
		f    func(*vips.ImageRef) error
		want string
	}{
		{"blurred", func(i *vips.ImageRef) error { return i.GaussianBlur(3) }, imaging.FindingBlurry},
		{"dark", func(i *vips.ImageRef) error { return i.Linear([]float64{0.3, 0.3, 0.3}, []float64{0, 0, 0}) }, imaging.FindingTooDark},
		{"blown out", func(i *vips.ImageRef) error { return i.Linear([]float64{1.8, 1.8, 1.8}, []float64{30, 30, 30}) }, imaging.FindingOverexposed},
		{"tilted 12°", func(i *vips.ImageRef) error { return i.Similarity(1, 12, white, 0, 0, 0, 0) }, imaging.FindingHeadTilted},
		{"shadow on half the face", func(i *vips.ImageRef) error {
			w, h := i.Width(), i.Height()
			half, err := i.Copy()
			if err != nil {
				return err
			}
			defer half.Close()
			if err := half.ExtractArea(0, 0, w/2+w/40, h); err != nil {
				return err
			}
			if err := half.Linear([]float64{0.4, 0.4, 0.4}, []float64{0, 0, 0}); err != nil {
				return err
			}
			return i.Insert(half, 0, 0, false, nil)
		}, imaging.FindingUnevenLighting},
		{"cut at the forehead", func(i *vips.ImageRef) error { return i.ExtractArea(0, i.Height()*22/100, i.Width(), i.Height()*78/100) }, imaging.FindingHeadCutOff},
		{"cut at the chin", func(i *vips.ImageRef) error { return i.ExtractArea(0, 0, i.Width(), i.Height()*62/100) }, imaging.FindingShouldersMissing},
		{"face at the side", func(i *vips.ImageRef) error { return i.ExtractArea(0, 0, i.Width()*62/100, i.Height()) }, imaging.FindingFaceOffCenter},
		{"too small", func(i *vips.ImageRef) error { return i.Resize(0.3, vips.KernelLanczos3) }, imaging.FindingFaceTooSmall},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := standardize(t, variant(t, base, tc.f), imaging.CHSI)
			require.False(t, res.OK, "measures %+v", res.Measures)
			require.Contains(t, codes(res), tc.want, "measures %+v", res.Measures)
		})
	}
	t.Run("dark wall", func(t *testing.T) {
		res := standardize(t, pixelVariant(t, base, darkenWall), imaging.CHSI)
		require.Contains(t, codes(res), imaging.FindingBackgroundNotLight, "measures %+v", res.Measures)
	})
	t.Run("busy wall", func(t *testing.T) {
		res := standardize(t, pixelVariant(t, base, stripeWall), imaging.CHSI)
		require.Contains(t, codes(res), imaging.FindingBackgroundNotPlain, "measures %+v", res.Measures)
	})
}

// pixelVariant returns a shared photo with its pixels changed by f, as a
// JPEG made by Go's own codec.
func pixelVariant(t *testing.T, rel string, f func(*image.RGBA)) []byte {
	t.Helper()
	src, err := jpeg.Decode(bytes.NewReader(testphotos.Read(t, rel)))
	require.NoError(t, err)
	img := image.NewRGBA(src.Bounds())
	draw.Draw(img, img.Bounds(), src, src.Bounds().Min, draw.Src)
	f(img)
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, img, &jpeg.Options{Quality: 92}))
	return b.Bytes()
}

// darkenWall turns the near-white wall of a studio portrait dark grey.
func darkenWall(img *image.RGBA) {
	for i := 0; i+3 < len(img.Pix); i += 4 {
		if img.Pix[i] > 235 && img.Pix[i+1] > 235 && img.Pix[i+2] > 235 {
			img.Pix[i], img.Pix[i+1], img.Pix[i+2] = 90, 90, 95
		}
	}
}

// stripeWall paints coloured stripes over the near-white wall: a busy
// background such as shelves or a patterned curtain.
func stripeWall(img *image.RGBA) {
	w := img.Bounds().Dx()
	for i := 0; i+3 < len(img.Pix); i += 4 {
		x := (i / 4) % w
		if img.Pix[i] > 235 && img.Pix[i+1] > 235 && img.Pix[i+2] > 235 && (x/25)%2 == 0 {
			img.Pix[i], img.Pix[i+1], img.Pix[i+2] = 200, 120, 60
		}
	}
}
