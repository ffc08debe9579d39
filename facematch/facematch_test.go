package facematch_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

func describe(t *testing.T, p *facematch.Pool, rel string) facematch.Face {
	t.Helper()
	f, err := p.DescribeOne(context.Background(), testphotos.Read(t, rel), imaging.DefaultLimits(), 1600)
	require.NoError(t, err, rel)
	return f
}

// TestFacesMatchesThePeerExpectation checks detection against
// face_recognition's own test: one face on obama.jpg around
// (top 142, right 617, bottom 409, left 349), and nose tip near (496, 295).
func TestFacesMatchesThePeerExpectation(t *testing.T) {
	p := testmodels.Pool(t)
	f := describe(t, p, "faces/face_recognition-tests/obama.jpg")
	require.InDelta(t, 349, f.Box.Min.X, 25)
	require.InDelta(t, 142, f.Box.Min.Y, 25)
	require.InDelta(t, 617, f.Box.Max.X, 25)
	require.InDelta(t, 409, f.Box.Max.Y, 25)
	require.Len(t, f.Landmarks, 5)
	require.InDelta(t, 496, f.Landmarks[4].X, 6)
	require.InDelta(t, 295, f.Landmarks[4].Y, 6)
}

func TestFacesAreOrderedLeftToRight(t *testing.T) {
	p := testmodels.Pool(t)
	prep, err := imaging.Prepare(testphotos.Read(t, "faces/dlib-faces/bald_guys.jpg"), imaging.DefaultLimits(), 1600)
	require.NoError(t, err)
	faces, err := p.Faces(context.Background(), prep.JPEG)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(faces), 4, "the collage shows at least four faces")
	for i := 1; i < len(faces); i++ {
		require.LessOrEqual(t, faces[i-1].Box.Min.X, faces[i].Box.Min.X, "face %d is left of face %d", i, i-1)
	}
}

func TestDescribeOneErrors(t *testing.T) {
	p := testmodels.Pool(t)
	ctx := context.Background()
	_, err := p.DescribeOne(ctx, testphotos.Read(t, "faces/deepface/couple.jpg"), imaging.DefaultLimits(), 1600)
	var fc *facematch.FaceCountError
	require.ErrorAs(t, err, &fc)
	require.Equal(t, 2, fc.Count)

	_, err = p.DescribeOne(ctx, testphotos.Read(t, "faces/dlib-nonface/eagle.jpg"), imaging.DefaultLimits(), 1600)
	require.ErrorAs(t, err, &fc)
	require.Equal(t, 0, fc.Count)

	_, err = p.DescribeOne(ctx, []byte("GIF89a"), imaging.DefaultLimits(), 1600)
	require.True(t, imaging.IsInputError(err))

	_, err = p.Faces(ctx, []byte("\xFF\xD8\xFF not really a jpeg"))
	require.True(t, imaging.IsInputError(err), "dlib's decode failure is an input error: %v", err)
}

// TestScoresSeparateLabelledPairs scores pairs labelled in the shared set
// with every embedder: the same person at or above 80, different people
// below (pairs the embedders get right at their calibrated lines; dlib's
// line, at a 0.01 % false-accept rate, is too strict for the Obama pair,
// which it scores 75.7).
func TestScoresSeparateLabelledPairs(t *testing.T) {
	m := testmodels.Matcher(t)
	ctx := context.Background()
	tests := []struct {
		a, b        string
		same        bool
		arcfaceOnly bool
	}{
		{"faces/face_recognition-tests/obama.jpg", "faces/face_recognition-tests/obama2.jpg", true, true},
		{"faces/deepface/img13.jpg", "faces/deepface/img14.jpg", true, false},
		{"faces/face_recognition-tests/obama.jpg", "faces/face_recognition-tests/biden.jpg", false, false},
		{"faces/deepface/img1.jpg", "faces/deepface/img3.jpg", false, false},
		{"faces/deepface/img6.jpg", "faces/deepface/img8.jpg", false, false},
	}
	for _, tc := range tests {
		a, err := m.Describe(ctx, testphotos.Read(t, tc.a), imaging.DefaultLimits())
		require.NoError(t, err)
		b, err := m.Describe(ctx, testphotos.Read(t, tc.b), imaging.DefaultLimits())
		require.NoError(t, err)
		for _, n := range m.Embedders() {
			if tc.arcfaceOnly && n != facematch.EmbedderArcFace {
				continue
			}
			d, s, err := m.Compare(n, a.Vectors[n], b.Vectors[n])
			require.NoError(t, err)
			if tc.same {
				require.GreaterOrEqual(t, s, float64(facematch.AnchorScore), "%s: %s vs %s: distance %.3f", n, tc.a, tc.b, d)
			} else {
				require.Less(t, s, float64(facematch.AnchorScore), "%s: %s vs %s: distance %.3f", n, tc.a, tc.b, d)
			}
		}
	}
}

func TestCalibrationsAreMonotone(t *testing.T) {
	for name, c := range facematch.Calibrations {
		k := c.Knots
		require.NoError(t, k.Validate(), name)
		require.Equal(t, 100.0, k.Score(0), name)
		require.InDelta(t, float64(facematch.AnchorScore), k.Score(c.PassDistance), 0.1, name)
		require.Equal(t, 0.0, k.Score(5), name)
		prev := k.Score(0)
		for d := 0.0; d < 2; d += 0.001 {
			s := k.Score(d)
			require.LessOrEqual(t, s, prev, "%s: score rises at distance %.3f", name, d)
			prev = s
		}
		require.NotEmpty(t, c.Fitted, name)
		require.NoError(t, c.Check(name), "calibration.json is fitted on the embedder's current pipeline")
	}
}

func TestFit(t *testing.T) {
	genuine := []float64{0.1, 0.2, 0.3, 0.35, 0.4, 0.6}
	var impostor []float64
	for i := 0; i < 1000; i++ {
		impostor = append(impostor, 0.5+float64(i)/1000)
	}
	c := facematch.Fit(genuine, impostor, 0.01)
	require.NoError(t, c.Knots.Validate())
	require.InDelta(t, 0.5095, c.PassDistance, 0.0001, "80 between the 10th and 11th closest impostor")
	far, frr := c.Knots.Rates(genuine, impostor)
	require.Equal(t, 0.01, far, "exactly 1 % of impostors score 80 or more")
	require.InDelta(t, 1.0/6, frr, 1e-9, "only 0.6 is rejected")
}

func TestArcFaceAlignsOnItsOwnLandmarks(t *testing.T) {
	m := testmodels.Matcher(t)
	d, err := m.Describe(context.Background(), testphotos.Read(t, "faces/deepface/img15.jpg"), imaging.DefaultLimits(), facematch.EmbedderArcFace)
	require.NoError(t, err)
	v := d.Vectors[facematch.EmbedderArcFace]
	require.Len(t, v, 512)
	var n float64
	for _, x := range v {
		n += float64(x) * float64(x)
	}
	require.InDelta(t, 1, n, 1e-4, "unit length")
}

// TestLivenessTellsPrintsFromLiveFaces measures fr_liveness.onnx over the
// shared NUAA sets at the default line (0.2): printed-photo shots flagged,
// live frames not, at the rates recheck calibrate reported (90.5 % and
// 3.4 %), with a little room.
func TestLivenessTellsPrintsFromLiveFaces(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test scores the liveness of every NUAA photo; make test runs it")
	}
	m := testmodels.Matcher(t)
	ctx := context.Background()
	const line = 0.2
	flagged := func(dir string) (float64, int) {
		root := testphotos.Path(t, "faces-east-asian/"+dir)
		files, err := filepath.Glob(filepath.Join(root, "*.jpg"))
		require.NoError(t, err)
		n, k := 0, 0
		for _, f := range files {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			d, err := m.Describe(ctx, data, imaging.DefaultLimits(), facematch.EmbedderArcFace)
			if err != nil {
				continue // no single face
			}
			p, err := m.Liveness(ctx, d)
			require.NoError(t, err)
			n++
			if p < line {
				k++
			}
		}
		return float64(k) / float64(n), n
	}
	prints, np := flagged("imironica_liveness_NUAA_printed_photo")
	live, nl := flagged("imironica_liveness_NUAA_live")
	require.Greater(t, np, 35)
	require.Greater(t, nl, 100)
	require.GreaterOrEqual(t, prints, 0.88, "printed photos flagged")
	require.LessOrEqual(t, live, 0.06, "live faces flagged")
}

// TestMatcherIsSafeForConcurrentUse describes one photo from several
// goroutines: every embedder gives the same vector each time.
func TestMatcherIsSafeForConcurrentUse(t *testing.T) {
	m := testmodels.Matcher(t)
	data := testphotos.Read(t, "faces/hivision-demo/test0.jpg")
	want, err := m.Describe(context.Background(), data, imaging.DefaultLimits())
	require.NoError(t, err)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := m.Describe(context.Background(), data, imaging.DefaultLimits())
			require.NoError(t, err)
			require.Equal(t, want.Vectors, d.Vectors, "same input, same embeddings")
		}()
	}
	wg.Wait()
}

func TestMissingModelsAreNamed(t *testing.T) {
	_, err := facematch.NewPool(t.TempDir(), 1)
	require.ErrorContains(t, err, "shape_predictor_5_face_landmarks.dat")
	require.ErrorContains(t, err, "make dev")
	_, err = facematch.NewMatcher(facematch.Config{ModelsDir: t.TempDir(), Embedder: "arcface"}, 1)
	require.ErrorContains(t, err, "missing")
	_, err = facematch.NewMatcher(facematch.Config{ModelsDir: testmodels.Dir(t), Embedder: "facenet"}, 1)
	require.ErrorContains(t, err, "unknown embedder")
}

func TestDeadContextIsRefused(t *testing.T) {
	p, err := facematch.NewPool(testmodels.Dir(t), 1)
	require.NoError(t, err)
	defer p.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = p.Faces(ctx, testphotos.Read(t, "faces/hivision-demo/test0.jpg"))
	require.ErrorIs(t, err, context.Canceled)
}

// TestStaleCalibrationIsRefused: a mapping fitted on another pipeline of
// the embedder would score distances on the wrong scale, so a matcher
// refuses it and names the fix; calibration alone may load it.
func TestStaleCalibrationIsRefused(t *testing.T) {
	saved := facematch.Calibrations[facematch.EmbedderArcFace]
	t.Cleanup(func() { facematch.Calibrations[facematch.EmbedderArcFace] = saved })
	stale := saved
	stale.Pipeline = "arcface-1"
	facematch.Calibrations[facematch.EmbedderArcFace] = stale
	cfg := facematch.Config{ModelsDir: testmodels.Dir(t), Embedder: facematch.EmbedderArcFace}
	_, err := facematch.NewMatcher(cfg, 1)
	require.ErrorContains(t, err, `fitted on pipeline "arcface-1"`)
	require.ErrorContains(t, err, "make calibrate")
	m, err := facematch.NewUncalibratedMatcher(cfg, 1)
	require.NoError(t, err)
	m.Close()
}

// TestMatcherReadiness: the matcher reports what it loaded; a model file
// gone from the models directory (which the next model to load would
// need) and a closed matcher make it not ready, naming why.
func TestMatcherReadiness(t *testing.T) {
	src := testmodels.Dir(t)
	dir := t.TempDir()
	for _, name := range append(append([]string{facematch.UltraFaceModel, facematch.PoseModel}, facematch.ModelFiles...), facematch.ONNXFiles...) {
		if _, err := os.Stat(filepath.Join(src, name)); err != nil {
			t.Skipf("model %s not in %s", name, src)
		}
		require.NoError(t, os.Symlink(filepath.Join(src, name), filepath.Join(dir, name)))
	}
	m, err := facematch.NewMatcher(facematch.Config{ModelsDir: dir, Embedder: facematch.EmbedderArcFace}, 2)
	require.NoError(t, err)
	s, err := m.Ready(context.Background())
	require.NoError(t, err)
	require.Equal(t, "1 of 2 detectors loaded; UltraFace: 1 of 2 UltraFace detectors loaded; pose: 1 of 2 pose models loaded; arcface: 1 of 2 ONNX sessions loaded", s)

	require.NoError(t, os.Remove(filepath.Join(dir, facematch.UltraFaceModel)))
	_, err = m.Ready(context.Background())
	require.ErrorContains(t, err, "UltraFace detectors")
	require.ErrorContains(t, err, facematch.UltraFaceModel)
	require.NoError(t, os.Symlink(filepath.Join(src, facematch.UltraFaceModel), filepath.Join(dir, facematch.UltraFaceModel)))

	require.NoError(t, os.Remove(filepath.Join(dir, "fr_feature.onnx")))
	_, err = m.Ready(context.Background())
	require.ErrorContains(t, err, "arcface embedder")
	require.ErrorContains(t, err, "fr_feature.onnx")
	require.NoError(t, os.Remove(filepath.Join(dir, facematch.ModelFiles[0])))
	_, err = m.Ready(context.Background())
	require.ErrorContains(t, err, "detectors")
	require.ErrorContains(t, err, facematch.ModelFiles[0])

	for _, name := range []string{"fr_feature.onnx", facematch.ModelFiles[0]} {
		require.NoError(t, os.Symlink(filepath.Join(src, name), filepath.Join(dir, name)))
	}
	_, err = m.Ready(context.Background())
	require.NoError(t, err, "ready again once the files are back")
	m.Close()
	_, err = m.Ready(context.Background())
	require.ErrorContains(t, err, "closed")
}
