package imaging_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
)

// TestJudgeEachCheck moves one measure at a time past its limit.
func TestJudgeEachCheck(t *testing.T) {
	c := imaging.DefaultChecks()
	p := imaging.CHSI
	good := imaging.Measures{
		Faces: 1, HeadPx: 400, Upscale: 0.8, OffCenter: 0.02, RollDeg: 1, Yaw: 0.02, Pitch: 0.78,
		HeadCut: 0, BodyCoverage: 1, FaceLuma: 160, FaceClipped: 0, LightImbalance: 0.05, Sharpness: 120,
		WallSamples: 5000, WallSpread: 4, WallLuma: 230, WallChroma: 3, WallCoverage: 0.99,
	}
	tests := []struct {
		name  string
		edit  func(*imaging.Measures)
		codes []string
	}{
		{"passes", func(*imaging.Measures) {}, nil},
		{"no face", func(m *imaging.Measures) { m.Faces = 0 }, []string{imaging.FindingNoFace}},
		{"two faces", func(m *imaging.Measures) { m.Faces = 2 }, []string{imaging.FindingMultipleFaces}},
		{"upscale at the limit passes", func(m *imaging.Measures) { m.Upscale = c.MaxUpscale }, nil},
		{"too small", func(m *imaging.Measures) { m.Upscale = c.MaxUpscale + 0.01 }, []string{imaging.FindingFaceTooSmall}},
		{"off centre", func(m *imaging.Measures) { m.OffCenter = c.MaxOffCenter + 0.01 }, []string{imaging.FindingFaceOffCenter}},
		{"tilted left", func(m *imaging.Measures) { m.RollDeg = -c.MaxRollDeg - 1 }, []string{imaging.FindingHeadTilted}},
		{"tilted right", func(m *imaging.Measures) { m.RollDeg = c.MaxRollDeg + 1 }, []string{imaging.FindingHeadTilted}},
		{"turned", func(m *imaging.Measures) { m.Yaw = -c.MaxYaw - 0.01 }, []string{imaging.FindingNotFrontal}},
		{"looking up", func(m *imaging.Measures) { m.Pitch = c.MinPitch - 0.01 }, []string{imaging.FindingNotFrontal}},
		{"looking down", func(m *imaging.Measures) { m.Pitch = c.MaxPitch + 0.01 }, []string{imaging.FindingNotFrontal}},
		{"head cut", func(m *imaging.Measures) { m.HeadCut = c.MaxHeadCut + 0.01 }, []string{imaging.FindingHeadCutOff}},
		{"no shoulders", func(m *imaging.Measures) { m.BodyCoverage = c.MinBodyCoverage - 0.01 }, []string{imaging.FindingShouldersMissing}},
		{"dark", func(m *imaging.Measures) { m.FaceLuma = c.MinFaceLuma - 1 }, []string{imaging.FindingTooDark}},
		{"blown out", func(m *imaging.Measures) { m.FaceClipped = c.MaxFaceClipped + 0.01 }, []string{imaging.FindingOverexposed}},
		{"shadow", func(m *imaging.Measures) { m.LightImbalance = c.MaxLightImbalance + 0.01 }, []string{imaging.FindingUnevenLighting}},
		{"blurry", func(m *imaging.Measures) { m.Sharpness = c.MinSharpness - 1 }, []string{imaging.FindingBlurry}},
		{"busy wall", func(m *imaging.Measures) { m.WallSpread = c.MaxWallSpread + 1 }, []string{imaging.FindingBackgroundNotPlain}},
		{"matte missed the wall", func(m *imaging.Measures) { m.WallCoverage = c.MinWallCoverage - 0.01 }, []string{imaging.FindingBackgroundNotPlain}},
		{"dark wall", func(m *imaging.Measures) { m.WallLuma = c.MinWallLuma - 1 }, []string{imaging.FindingBackgroundNotLight}},
		{"coloured wall", func(m *imaging.Measures) { m.WallChroma = c.MaxWallChroma + 1 }, []string{imaging.FindingBackgroundNotLight}},
		{"too little wall to judge", func(m *imaging.Measures) { m.WallSamples = 10; m.WallSpread = 99; m.WallLuma = 0 }, nil},
		{"every failure is reported", func(m *imaging.Measures) {
			m.Upscale, m.RollDeg, m.FaceLuma, m.Sharpness, m.WallSpread = 3, 20, 20, 1, 90
		}, []string{imaging.FindingFaceTooSmall, imaging.FindingHeadTilted, imaging.FindingTooDark, imaging.FindingBlurry, imaging.FindingBackgroundNotPlain}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := imaging.MeasuredForTest(good)
			tc.edit(&m)
			got := []string{}
			for _, f := range imaging.Judge(m, c, p) {
				got = append(got, f.Code)
				require.NotEmpty(t, f.MessageZH, f.Code)
			}
			if tc.codes == nil {
				require.Empty(t, got)
				return
			}
			require.Equal(t, tc.codes, got)
		})
	}
}
