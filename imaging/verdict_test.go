package imaging_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

// TestVerdictOnlyGivesTheSameVerdict: a precheck's standardization without
// the JPEG quality search (VerdictOnly) finds exactly what the whole one
// finds, on photos that pass, fail checks, or cannot meet the size range.
func TestVerdictOnlyGivesTheSameVerdict(t *testing.T) {
	tight, err := imaging.ParseProfile([]byte(`{"name":"kb-1-7","width":480,"height":640,"background":[255,255,255],
		"min_kb":1,"max_kb":7,"head_height":0.5,"eye_line":0.4,"top_margin":0.06}`))
	require.NoError(t, err)
	tests := []struct {
		photo   string
		profile imaging.Profile
	}{
		{"faces/deepface/img15.jpg", imaging.CHSI},
		{"faces/deepface/img2.jpg", imaging.CHSI},
		{"faces/hivision-demo/test0.jpg", imaging.GA461},
		{"faces/face_recognition-tests/obama2.jpg", imaging.CHSI},
		{"faces/dlib-nonface/dog.jpg", imaging.CHSI},
		{"faces/deepface/img15.jpg", tight},
	}
	reader := testmodels.Matcher(t).FaceReader()
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%s/%s", tc.photo, tc.profile.Name), func(t *testing.T) {
			data := testphotos.Read(t, tc.photo)
			opt := imaging.Options{Profile: tc.profile, Detector: testmodels.Detectors(t), FaceReader: reader}
			full, err := imaging.Standardize(context.Background(), data, opt)
			require.NoError(t, err)
			opt.VerdictOnly = true
			verdict, err := imaging.Standardize(context.Background(), data, opt)
			require.NoError(t, err)
			require.Equal(t, full.OK, verdict.OK)
			require.Equal(t, full.Findings, verdict.Findings)
			require.Equal(t, full.Review, verdict.Review)
			require.Equal(t, full.Measures, verdict.Measures)
			require.Nil(t, verdict.Output, "no photo is made")
		})
	}
}
