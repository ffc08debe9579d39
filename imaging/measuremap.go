package imaging

import "math"

// Map returns the measures by their JSON names, rounded to three
// decimals: what a capture records for its reviewer (capture.Record's
// Measures). A test keeps the names equal to the JSON tags.
func (m Measures) Map() map[string]float64 {
	out := map[string]float64{
		"faces":                 float64(m.Faces),
		"head_px":               m.HeadPx,
		"upscale":               m.Upscale,
		"off_center":            m.OffCenter,
		"roll_deg":              m.RollDeg,
		"yaw":                   m.Yaw,
		"pitch":                 m.Pitch,
		"head_yaw_deg":          m.HeadYawDeg,
		"filter":                float64(m.Filter),
		"head_cut":              m.HeadCut,
		"body_coverage":         m.BodyCoverage,
		"face_luma":             m.FaceLuma,
		"face_clipped":          m.FaceClipped,
		"light_imbalance":       m.LightImbalance,
		"sharpness":             m.Sharpness,
		"wall_samples":          float64(m.WallSamples),
		"wall_spread":           m.WallSpread,
		"wall_luma":             m.WallLuma,
		"wall_chroma":           m.WallChroma,
		"wall_coverage":         m.WallCoverage,
		"mouth_open":            m.MouthOpen,
		"eye_ring_luma":         m.EyeRingLuma,
		"eye_ring_clipped":      m.EyeRingClipped,
		"forehead_luma":         m.ForeheadLuma,
		"clothes_as_background": m.ClothesAsBackground,
	}
	for k, v := range out {
		out[k] = math.Round(v*1000) / 1000
	}
	return out
}
