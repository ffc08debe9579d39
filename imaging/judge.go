package imaging

import "math"

// Measures are the quantities the quality checks judge, as measured on one
// photo. Fields that could not be measured (no single face, no wall in
// view) are zero and their checks are skipped.
type Measures struct {
	// Faces is the number of faces found.
	Faces int `json:"faces"`
	// HeadPx is the estimated head height (crown to chin) in input pixels,
	// and Upscale the factor the output enlarges it by.
	HeadPx  float64 `json:"head_px"`
	Upscale float64 `json:"upscale"`
	// OffCenter is the eyes' distance from the photo's vertical centre line,
	// as a fraction of its width.
	OffCenter float64 `json:"off_center"`
	// RollDeg is the angle of the eye line.
	RollDeg float64 `json:"roll_deg"`
	// Yaw and Pitch place the nose relative to the eyes, as fractions of the
	// eye distance (0 and about 0.7 for a frontal face).
	Yaw   float64 `json:"yaw"`
	Pitch float64 `json:"pitch"`
	// HeadYawDeg is the head's turn to a side as the pose model reads it,
	// in degrees (0 frontal), when Options.PoseReader was set.
	HeadYawDeg float64 `json:"head_yaw_deg"`
	// Filter is the dlib HOG filter that found the face (0 frontal, 1 and 2
	// turned, 3 and 4 rotated); informative only: the turned filters also
	// fire on frontal faces in the shared portraits.
	Filter int `json:"filter"`
	// HeadCut is the part of the head outside the photo.
	HeadCut float64 `json:"head_cut"`
	// BodyCoverage is the part of the output below the chin that the photo
	// covers.
	BodyCoverage float64 `json:"body_coverage"`
	// FaceLuma, FaceClipped, LightImbalance and Sharpness describe the face
	// in the output (see Checks).
	FaceLuma       float64 `json:"face_luma"`
	FaceClipped    float64 `json:"face_clipped"`
	LightImbalance float64 `json:"light_imbalance"`
	Sharpness      float64 `json:"sharpness"`
	// WallSamples counts the output pixels expected to show the wall;
	// WallSpread, WallLuma and WallChroma describe them, and WallCoverage is
	// the part of them the background matte replaced.
	WallSamples  int     `json:"wall_samples"`
	WallSpread   float64 `json:"wall_spread"`
	WallLuma     float64 `json:"wall_luma"`
	WallChroma   float64 `json:"wall_chroma"`
	WallCoverage float64 `json:"wall_coverage"`
	// MouthOpen is the inner lips' gap as a part of the eyes-to-chin
	// distance, from the 68 landmarks.
	MouthOpen float64 `json:"mouth_open"`
	// EyeRingLuma is the luma of the ring where a lens sits around each eye
	// against the cheeks', and EyeRingClipped the part of that ring that is
	// clipped white (tinted or reflective glasses).
	EyeRingLuma    float64 `json:"eye_ring_luma"`
	EyeRingClipped float64 `json:"eye_ring_clipped"`
	// ForeheadLuma is the luma of a band just above the eyebrows against
	// the cheeks' (low: hair over the brows).
	ForeheadLuma float64 `json:"forehead_luma"`
	// ClothesAsBackground is the part of the top, beside the neck, that has
	// the colour of the profile's background.
	ClothesAsBackground float64 `json:"clothes_as_background"`

	placed          bool // geometry measured (exactly one face)
	cutOff          bool // no face, but Options.SecondLook found one at the edge
	faceMeasured    bool // light and sharpness measured
	poseMeasured    bool // HeadYawDeg measured
	partsMeasured   bool // the 68 landmarks were found
	clothesMeasured bool // the top is in the output
}

// minWallSamples is the least wall in view that the background is judged on.
const minWallSamples = 50

// Judge applies the checks to the measures and returns every failed one.
func Judge(m Measures, c Checks, p Profile) []Finding {
	switch {
	case m.Faces == 0 && m.cutOff:
		return []Finding{finding(FindingFaceCutOff, 0, 1)}
	case m.Faces == 0:
		return []Finding{finding(FindingNoFace, 0, 1)}
	case m.Faces > 1:
		return []Finding{finding(FindingMultipleFaces, float64(m.Faces), 1)}
	case !m.placed:
		return nil
	}
	var out []Finding
	if m.Upscale > c.MaxUpscale {
		need := p.HeadHeight * float64(p.Height) / c.MaxUpscale
		out = append(out, finding(FindingFaceTooSmall, math.Round(m.HeadPx), math.Ceil(need)))
	}
	if m.OffCenter > c.MaxOffCenter {
		out = append(out, finding(FindingFaceOffCenter, m.OffCenter, c.MaxOffCenter))
	}
	if math.Abs(m.RollDeg) > c.MaxRollDeg {
		out = append(out, finding(FindingHeadTilted, math.Abs(m.RollDeg), c.MaxRollDeg))
	}
	switch {
	case math.Abs(m.Yaw) > c.MaxYaw:
		out = append(out, finding(FindingNotFrontal, math.Abs(m.Yaw), c.MaxYaw))
	case m.Pitch < c.MinPitch:
		out = append(out, finding(FindingNotFrontal, m.Pitch, c.MinPitch))
	case m.Pitch > c.MaxPitch:
		out = append(out, finding(FindingNotFrontal, m.Pitch, c.MaxPitch))
	case m.poseMeasured && math.Abs(m.HeadYawDeg) > c.MaxHeadYawDeg:
		out = append(out, finding(FindingNotFrontal, math.Abs(m.HeadYawDeg), c.MaxHeadYawDeg))
	}
	if m.HeadCut > c.MaxHeadCut {
		out = append(out, finding(FindingHeadCutOff, m.HeadCut, c.MaxHeadCut))
	}
	if m.BodyCoverage < c.MinBodyCoverage {
		out = append(out, finding(FindingShouldersMissing, m.BodyCoverage, c.MinBodyCoverage))
	}
	if m.faceMeasured {
		if m.FaceLuma < c.MinFaceLuma {
			out = append(out, finding(FindingTooDark, m.FaceLuma, c.MinFaceLuma))
		}
		if m.FaceClipped > c.MaxFaceClipped {
			out = append(out, finding(FindingOverexposed, m.FaceClipped, c.MaxFaceClipped))
		}
		if m.LightImbalance > c.MaxLightImbalance {
			out = append(out, finding(FindingUnevenLighting, m.LightImbalance, c.MaxLightImbalance))
		}
		if m.Sharpness < c.MinSharpness {
			out = append(out, finding(FindingBlurry, m.Sharpness, c.MinSharpness))
		}
	}
	if m.WallSamples >= minWallSamples {
		switch {
		case m.WallSpread > c.MaxWallSpread:
			out = append(out, finding(FindingBackgroundNotPlain, m.WallSpread, c.MaxWallSpread))
		case m.WallCoverage < c.MinWallCoverage:
			out = append(out, finding(FindingBackgroundNotPlain, m.WallCoverage, c.MinWallCoverage))
		}
		switch {
		case m.WallLuma < c.MinWallLuma:
			out = append(out, finding(FindingBackgroundNotLight, m.WallLuma, c.MinWallLuma))
		case m.WallChroma > c.MaxWallChroma:
			out = append(out, finding(FindingBackgroundNotLight, m.WallChroma, c.MaxWallChroma))
		}
	}
	if m.partsMeasured && m.MouthOpen > c.MaxMouthOpen {
		out = append(out, finding(FindingMouthOpen, m.MouthOpen, c.MaxMouthOpen))
	}
	if m.clothesMeasured && m.ClothesAsBackground > c.MaxClothesAsBackground {
		out = append(out, finding(FindingClothesMatchBackground, m.ClothesAsBackground, c.MaxClothesAsBackground))
	}
	return out
}

// Flag returns what the reviewer should look at in a photo that passed the
// checks: the measures that cannot be judged with confidence (see the
// Review lines of Checks).
func Flag(m Measures, c Checks) []Finding {
	var out []Finding
	if m.partsMeasured {
		if m.EyeRingLuma > 0 && m.EyeRingLuma < c.ReviewEyeRingLuma {
			out = append(out, flag(FlagGlassesTinted, m.EyeRingLuma, c.ReviewEyeRingLuma))
		}
		if m.EyeRingClipped > c.ReviewEyeRingClipped {
			out = append(out, flag(FlagGlassesReflective, m.EyeRingClipped, c.ReviewEyeRingClipped))
		}
		if m.ForeheadLuma > 0 && m.ForeheadLuma < c.ReviewForeheadLuma {
			out = append(out, flag(FlagHairOverBrows, m.ForeheadLuma, c.ReviewForeheadLuma))
		}
	}
	return out
}
