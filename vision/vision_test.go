package vision_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/capture/redisstore"
	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/loadtest"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
	"github.com/recheck/recheck/vision"
	"github.com/recheck/recheck/worker"
)

func standardizer(t testing.TB) *vision.Standardizer {
	return &vision.Standardizer{Matcher: testmodels.Matcher(t), Profiles: imaging.ProfileSet{Default: imaging.CHSI},
		Limits: imaging.DefaultLimits(), Config: vision.Config{DetectSize: 480, LivenessLine: 0.2}}
}

func TestStandardizeGoodPhoto(t *testing.T) {
	photo := testphotos.Read(t, "faces/hivision-demo/test0.jpg")
	out, err := standardizer(t).Standardize(context.Background(), "cjlu", photo)
	require.NoError(t, err)
	require.Empty(t, out.Findings)
	require.NotNil(t, out.Photo)
	require.NotNil(t, out.Face)
	require.Equal(t, len(photo), out.Input.Bytes)
	require.Contains(t, out.Measures, "sharpness")
	info, err := imaging.Probe(out.Photo, imaging.DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, [2]int{480, 640}, [2]int{info.Width, info.Height})
}

func TestStandardizeRejects(t *testing.T) {
	obama := testphotos.Read(t, "faces/face_recognition-tests/obama.jpg")
	tests := []struct {
		name  string
		photo []byte
		code  string
	}{
		{"two faces", testphotos.Read(t, "faces/deepface/couple.jpg"), imaging.FindingMultipleFaces},
		{"no face", testphotos.Read(t, "faces/dlib-nonface/giraffe.jpg"), imaging.FindingNoFace},
		{"truncated", obama[:len(obama)/3], imaging.CodeUnreadable},
	}
	s := standardizer(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out, err := s.Standardize(context.Background(), "cjlu", tc.photo)
			require.NoError(t, err, "an unusable photo is a finding, not an error")
			require.Nil(t, out.Photo)
			require.Equal(t, tc.code, out.Findings[0].Code)
			require.NotEmpty(t, out.Findings[0].MessageZH)
		})
	}
}

// TestRephotographedPrintIsFlaggedForReview: a webcam shot of a printed
// portrait gets a review flag; a live photo does not.
func TestRephotographedPrintIsFlaggedForReview(t *testing.T) {
	s := standardizer(t)
	for rel, flagged := range map[string]bool{
		// The NUAA shots fail the quality checks too (tight crops, busy
		// rooms), so the flag is checked on the face the pipeline found.
		"faces-east-asian/imironica_liveness_NUAA_printed_photo/nuaa0001__0001_00_00_01_125.jpg": true,
		"faces/deepface/img14.jpg": false,
	} {
		photo := testphotos.Read(t, rel)
		res, err := imaging.Standardize(context.Background(), photo, imaging.Options{Detector: testmodels.Matcher(t).Detectors(), ViewSize: facematch.LivenessView})
		require.NoError(t, err)
		require.NotNil(t, res.Face, rel)
		flags := s.Flags(context.Background(), res)
		if flagged {
			require.Len(t, flags, 1, rel)
			require.Equal(t, capture.ReviewFlagRephotographed, flags[0].Code)
			require.Less(t, flags[0].Value, flags[0].Limit)
			require.NotEmpty(t, flags[0].MessageZH)
		} else {
			require.Empty(t, flags, rel)
		}
	}
	out, err := s.Standardize(context.Background(), "cjlu", testphotos.Read(t, "faces/deepface/img14.jpg"))
	require.NoError(t, err)
	require.NotNil(t, out.Photo)
	require.Empty(t, out.Review, "a live photo that passes carries no flag")
}

// TestLivenessReadsTheStandardizationsDecode: the liveness measured on the
// copy standardization decoded (Result.View) is the liveness of the photo
// decoded on its own, to the last bit, so the rates make calibrate
// measures hold for the service: phone-sized JPEGs (12 and 1 MP), a small
// portrait, and a PNG.
func TestLivenessReadsTheStandardizationsDecode(t *testing.T) {
	m := testmodels.Matcher(t)
	portrait := testphotos.Read(t, "faces/deepface/img14.jpg")
	big, err := loadtest.PhoneLike(portrait, 3000, 4000, 1)
	require.NoError(t, err)
	small, err := loadtest.PhoneLike(portrait, 864, 1152, 2)
	require.NoError(t, err)
	img, err := vips.NewImageFromBuffer(portrait)
	require.NoError(t, err)
	png, _, err := img.ExportPng(vips.NewPngExportParams())
	img.Close()
	require.NoError(t, err)
	for name, photo := range map[string][]byte{"12 MP": big, "1 MP": small, "portrait": portrait, "PNG": png} {
		res, err := imaging.Standardize(context.Background(), photo, imaging.Options{Detector: m.Detectors(), ViewSize: facematch.LivenessView})
		require.NoError(t, err, name)
		require.NotNil(t, res.Face, name)
		require.Equal(t, facematch.LivenessView, max(res.View.W, res.View.H), name)
		alone, err := m.LivenessAt(context.Background(), photo, imaging.DefaultLimits(), res.Face.Box)
		require.NoError(t, err, name)
		shared, err := m.LivenessIn(context.Background(), res.View, res.Input.Width, res.Face.Box)
		require.NoError(t, err, name)
		require.Equal(t, alone, shared, name)
	}
}

func scorer(t testing.TB) (*vision.Scorer, *redisstore.Repository) {
	repo := redisstore.New(redisstore.Params{Redis: redistest.Start(t).Client})
	return &vision.Scorer{Matcher: testmodels.Matcher(t), Cache: repo, Limits: imaging.DefaultLimits()}, repo
}

func reference(photo []byte) worker.Reference {
	sum := sha256.Sum256(photo)
	return worker.Reference{SHA256: hex.EncodeToString(sum[:]), Load: func(context.Context) ([]byte, error) { return photo, nil }}
}

func TestScore(t *testing.T) {
	ctx := context.Background()
	s, repo := scorer(t)
	out, err := standardizer(t).Standardize(ctx, "cjlu", testphotos.Read(t, "faces/deepface/img14.jpg"))
	require.NoError(t, err)
	require.NotNil(t, out.PhotoFace, "standardization says where the face is")
	probe := worker.Probe{Photo: out.Photo, Face: out.PhotoFace}
	same := reference(testphotos.Read(t, "faces/deepface/img13.jpg")) // deepface G04, like the capture
	sc, err := s.Score(ctx, probe, same)
	require.NoError(t, err)
	require.GreaterOrEqual(t, sc.Score, capture.DefaultRules().PassScore)
	// A capture standardized before the face was recorded: found again.
	found, err := s.Score(ctx, worker.Probe{Photo: out.Photo}, same)
	require.NoError(t, err)
	require.GreaterOrEqual(t, found.Score, capture.DefaultRules().PassScore)
	// The recorded box is what is read: the same photo read at its
	// bottom-left corner, where there is no face, is nobody.
	corner := worker.Probe{Photo: out.Photo, Face: &[4]int{0, 440, 200, 200}}
	off, err := s.Score(ctx, corner, same)
	require.NoError(t, err)
	require.Less(t, off.Score, capture.DefaultRules().PassScore)
	require.Equal(t, facematch.EmbedderArcFace, sc.Embedder, "arcface scores by default")
	vec, ok, err := repo.Embedding(ctx, facematch.Pipelines[sc.Embedder], same.SHA256)
	require.NoError(t, err)
	require.True(t, ok, "the admission embedding is cached")
	require.Len(t, vec, 512)

	other := reference(testphotos.Read(t, "faces/deepface/img18.jpg"))
	sc, err = s.Score(ctx, probe, other)
	require.NoError(t, err)
	require.Less(t, sc.Score, capture.DefaultRules().PassScore)

	_, err = s.Score(ctx, probe, reference(testphotos.Read(t, "faces/deepface/couple.jpg")))
	var up *worker.UnusablePhotoError
	require.ErrorAs(t, err, &up)
	require.Equal(t, "reference", up.Which)
	_, err = s.Score(ctx, worker.Probe{Photo: testphotos.Read(t, "faces/dlib-nonface/giraffe.jpg")}, same)
	require.ErrorAs(t, err, &up)
	require.Equal(t, "probe", up.Which)

	failing := worker.Reference{SHA256: "nope", Load: func(context.Context) ([]byte, error) { return nil, errors.New("storage down") }}
	_, err = s.Score(ctx, probe, failing)
	require.ErrorContains(t, err, "storage down")
	require.False(t, errors.As(err, &up), "a storage failure is retried, not an unusable photo")
}

func TestScoreUsesTheCachedAdmissionEmbedding(t *testing.T) {
	ctx := context.Background()
	s, repo := scorer(t)
	out, err := standardizer(t).Standardize(ctx, "cjlu", testphotos.Read(t, "faces/deepface/img14.jpg"))
	require.NoError(t, err)
	other := reference(testphotos.Read(t, "faces/deepface/img18.jpg"))
	// Plant an embedding equal to the probe's own: only a comparison that
	// uses the cache can score 100 against another person's photo.
	m := testmodels.Matcher(t)
	d, err := m.Describe(ctx, out.Photo, imaging.DefaultLimits(), m.Default())
	require.NoError(t, err)
	require.NoError(t, repo.SetEmbedding(ctx, facematch.Pipelines[m.Default()], other.SHA256, d.Vectors[m.Default()], time.Hour))
	probe := worker.Probe{Photo: out.Photo} // found again, as Describe finds it
	sc, err := s.Score(ctx, probe, other)
	require.NoError(t, err)
	require.Equal(t, 100.0, sc.Score)

	// An embedding cached by another pipeline of the embedder (here under
	// its bare name) is on another scale: it is not used.
	third := reference(testphotos.Read(t, "faces/deepface/img17.jpg"))
	require.NoError(t, repo.SetEmbedding(ctx, m.Default(), third.SHA256, d.Vectors[m.Default()], time.Hour))
	sc, err = s.Score(ctx, probe, third)
	require.NoError(t, err)
	require.Less(t, sc.Score, 100.0)
}

func TestPolicyLineSitsAtTheCalibrationAnchor(t *testing.T) {
	require.Equal(t, float64(facematch.AnchorScore), capture.DefaultRules().PassScore,
		"the default pass line is the calibrated anchor; move both or neither")
}

func TestConfigValidate(t *testing.T) {
	require.NoError(t, vision.Config{DetectSize: 480, LivenessLine: 0.2}.Validate())
	require.ErrorContains(t, vision.Config{DetectSize: 10}.Validate(), "RECHECK_DETECT_SIZE")
	require.ErrorContains(t, vision.Config{DetectSize: 480, LivenessLine: 2}.Validate(), "RECHECK_LIVENESS_LINE")
}

func TestFaceCounter(t *testing.T) {
	f := &vision.FaceCounter{Detector: testmodels.Matcher(t).Finder(), Limits: imaging.DefaultLimits()}
	for rel, want := range map[string]int{
		"faces/deepface/img13.jpg":               1,
		"faces/deepface/couple.jpg":              2,
		"faces/dlib-nonface/giraffe.jpg":         0,
		"faces/face_recognition-tests/obama.jpg": 1,
	} {
		n, err := f.CountFaces(context.Background(), testphotos.Read(t, rel))
		require.NoError(t, err, rel)
		require.Equal(t, want, n, rel)
	}
	_, err := f.CountFaces(context.Background(), []byte("not a photo"))
	require.True(t, imaging.IsInputError(err))
}
