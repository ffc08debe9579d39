package facematch_test

import (
	"context"
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

// TestScoresSeparateLabelledPairs scores pairs labelled in the shared set:
// the same person at or above 80, different people below.
func TestScoresSeparateLabelledPairs(t *testing.T) {
	p := testmodels.Pool(t)
	tests := []struct {
		a, b string
		same bool
	}{
		{"faces/face_recognition-tests/obama.jpg", "faces/face_recognition-tests/obama2.jpg", true},
		{"faces/face_recognition-tests/obama.jpg", "faces/face_recognition-tests/obama3.jpg", true},
		{"faces/deepface/img1.jpg", "faces/deepface/img2.jpg", true},
		{"faces/face_recognition-tests/obama.jpg", "faces/face_recognition-tests/biden.jpg", false},
		{"faces/deepface/img1.jpg", "faces/deepface/img3.jpg", false},
		{"faces/deepface/img6.jpg", "faces/deepface/img8.jpg", false},
	}
	for _, tc := range tests {
		d := facematch.Distance(describe(t, p, tc.a).Descriptor, describe(t, p, tc.b).Descriptor)
		s := facematch.DlibCalibration.Score(d)
		if tc.same {
			require.GreaterOrEqual(t, s, float64(facematch.PassScore), "%s vs %s: distance %.3f", tc.a, tc.b, d)
		} else {
			require.Less(t, s, float64(facematch.PassScore), "%s vs %s: distance %.3f", tc.a, tc.b, d)
		}
	}
}

func TestCalibrationIsMonotone(t *testing.T) {
	c := facematch.DlibCalibration
	require.Equal(t, 100.0, c.Score(0))
	require.Equal(t, float64(facematch.PassScore), c.Score(0.5))
	require.Equal(t, 0.0, c.Score(5))
	prev := c.Score(0)
	for d := 0.0; d < 2; d += 0.001 {
		s := c.Score(d)
		require.LessOrEqual(t, s, prev, "score rises at distance %.3f", d)
		require.GreaterOrEqual(t, s, 0.0)
		prev = s
	}
}

func TestPoolIsSafeForConcurrentUse(t *testing.T) {
	p := testmodels.Pool(t)
	data := testphotos.Read(t, "faces/hivision-demo/test0.jpg")
	want := describe(t, p, "faces/hivision-demo/test0.jpg")
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f, err := p.DescribeOne(context.Background(), data, imaging.DefaultLimits(), 1600)
			require.NoError(t, err)
			require.Equal(t, want.Descriptor, f.Descriptor, "same input, same descriptor")
		}()
	}
	wg.Wait()
}

func TestNewPoolNamesMissingModels(t *testing.T) {
	_, err := facematch.NewPool(t.TempDir(), 1)
	require.ErrorContains(t, err, "shape_predictor_5_face_landmarks.dat")
	require.ErrorContains(t, err, "make dev")
}

func TestAcquireHonoursContext(t *testing.T) {
	p, err := facematch.NewPool(testmodels.Dir(t), 1)
	require.NoError(t, err)
	defer p.Close()
	// Hold the only recognizer in one call, then ask with a dead context.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = p.Faces(ctx, testphotos.Read(t, "faces/hivision-demo/test0.jpg"))
	require.ErrorIs(t, err, context.Canceled)
}
