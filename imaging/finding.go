package imaging

import "github.com/recheck/recheck/texts"

// Finding is one failed quality check: a stable Code for machines, a Chinese
// message for the student, and the measured Value beside the Limit it broke.
type Finding struct {
	Code      string  `json:"code"`
	MessageZH string  `json:"message_zh"`
	Value     float64 `json:"value"`
	Limit     float64 `json:"limit"`
}

// The codes of the quality checks.
const (
	FindingNoFace = "no_face"
	// FindingFaceCutOff: no whole face, but one cut by the photo's edge
	// (Options.SecondLook): the phone was held off the face.
	FindingFaceCutOff         = "face_cut_off"
	FindingMultipleFaces      = "multiple_faces"
	FindingFaceTooSmall       = "face_too_small"
	FindingFaceOffCenter      = "face_off_center"
	FindingHeadTilted         = "head_tilted"
	FindingNotFrontal         = "not_frontal"
	FindingHeadCutOff         = "head_cut_off"
	FindingShouldersMissing   = "shoulders_missing"
	FindingTooDark            = "too_dark"
	FindingOverexposed        = "overexposed"
	FindingUnevenLighting     = "uneven_lighting"
	FindingBlurry             = "blurry"
	FindingBackgroundNotPlain = "background_not_plain"
	FindingBackgroundNotLight = "background_not_light"
	// FindingFileTooLarge: even at the lowest quality the encoder allows,
	// the file is above the profile's MaxKB (a very busy photo).
	FindingFileTooLarge = "file_too_large"
	// FindingMouthOpen: the mouth is open or the teeth show (嘴巴自然闭合).
	FindingMouthOpen = "mouth_open"
	// FindingClothesMatchBackground: the top has the background's colour
	// (不能与背景色相同或相近).
	FindingClothesMatchBackground = "clothes_match_background"
)

// The codes of the review flags: what a photo that passed may still show,
// for the reviewer to judge.
const (
	FlagGlassesTinted     = "glasses_tinted"
	FlagGlassesReflective = "glasses_reflective"
	FlagHairOverBrows     = "hair_over_brows"
)

// flag is a review flag: the same shape as a finding.
func flag(code string, value, limit float64) Finding { return finding(code, value, limit) }

func finding(code string, value, limit float64) Finding {
	return Finding{Code: code, MessageZH: texts.Findings.Text(code), Value: round3(value), Limit: round3(limit)}
}

func round3(x float64) float64 {
	if x < 0 {
		return -round3(-x)
	}
	return float64(int64(x*1000+0.5)) / 1000
}
