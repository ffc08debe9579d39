package imaging

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
)

// Profile is a school's output specification for the standardized photo
// and the limits of its quality checks. Profiles are data: a school picks a
// built-in one or defines its own in JSON (see ParseProfile).
type Profile struct {
	// Name identifies the profile, e.g. "chsi".
	Name string `json:"name"`
	// Width and Height are the output size in pixels.
	Width  int `json:"width"`
	Height int `json:"height"`
	// Background is the output background colour as RGB.
	Background [3]uint8 `json:"background"`
	// MinKB and MaxKB bound the JPEG file size in kilobytes (1 KB = 1024 bytes).
	MinKB int `json:"min_kb"`
	MaxKB int `json:"max_kb"`
	// HeadHeight is the head's height (crown to chin) as a fraction of Height.
	HeadHeight float64 `json:"head_height"`
	// EyeLine is the height of the eyes, from the top, as a fraction of Height.
	EyeLine float64 `json:"eye_line"`
	// TopMargin is the least room between the top of the hair and the top
	// of the frame, as a fraction of Height; big hair makes the head smaller
	// rather than cut.
	TopMargin float64 `json:"top_margin"`
	// Subsample420 selects 4:2:0 chroma subsampling; false means 4:4:4.
	Subsample420 bool `json:"subsample_420"`
	// Checks are the limits of the quality checks.
	Checks Checks `json:"checks"`
}

// Checks are the limits of the quality checks, per profile. The defaults
// (DefaultChecks) were set on the shared photos and variants of them made
// darker, brighter, blurred, shadowed and turned; docs/standardization.md gives the
// measured values.
type Checks struct {
	// MaxUpscale is the largest factor by which the face may be enlarged
	// (face_too_small).
	MaxUpscale float64 `json:"max_upscale"`
	// MaxOffCenter bounds the horizontal distance of the eyes' midpoint from
	// the photo's centre, as a fraction of its width (face_off_center).
	MaxOffCenter float64 `json:"max_off_center"`
	// MaxRollDeg bounds the angle of the eye line, in degrees (head_tilted).
	// Smaller tilts are levelled in the output.
	MaxRollDeg float64 `json:"max_roll_deg"`
	// MaxYaw bounds the nose's sideways offset from the eyes' midpoint, as a
	// fraction of the eye distance (not_frontal).
	MaxYaw float64 `json:"max_yaw"`
	// MinPitch and MaxPitch bound the nose's drop below the eye line, as a
	// fraction of the eye distance: small when the head tips back, large
	// when it tips forward (not_frontal).
	MinPitch float64 `json:"min_pitch"`
	MaxPitch float64 `json:"max_pitch"`
	// MaxHeadYawDeg bounds the head's turn to a side as the pose model
	// reads it, in degrees (not_frontal), when Options.PoseReader is set:
	// on the shared photos no frontal portrait passes 15° and 15 % of the
	// celebrities in the wild pass 20° (docs/standardization.md).
	MaxHeadYawDeg float64 `json:"max_head_yaw_deg"`
	// MaxHeadCut bounds the part of the head (crown to chin) outside the
	// photo, as a fraction of the head's height (head_cut_off).
	MaxHeadCut float64 `json:"max_head_cut"`
	// MinBodyCoverage is the least part of the output below the chin that
	// must come from the photo rather than from padding (shoulders_missing).
	MinBodyCoverage float64 `json:"min_body_coverage"`
	// MinFaceLuma is the least mean luma (0-255) of the face (too_dark).
	MinFaceLuma float64 `json:"min_face_luma"`
	// MaxFaceClipped bounds the part of the face at luma 250 or more
	// (overexposed).
	MaxFaceClipped float64 `json:"max_face_clipped"`
	// MaxLightImbalance bounds the difference in mean luma between the left
	// and right halves of the face, as a fraction of the brighter half
	// (uneven_lighting).
	MaxLightImbalance float64 `json:"max_light_imbalance"`
	// MinSharpness is the least variance of the Laplacian of the face's luma
	// at the output's scale (blurry).
	MinSharpness float64 `json:"min_sharpness"`
	// MaxWallSpread bounds the spread of the wall's colour around its median
	// (90th percentile of the distance, 0-255 units) (background_not_plain).
	MaxWallSpread float64 `json:"max_wall_spread"`
	// MinWallCoverage is the least part of the wall seen around the head that
	// the background matte must cover (background_not_plain).
	MinWallCoverage float64 `json:"min_wall_coverage"`
	// MinWallLuma is the least median luma of the wall, and MaxWallChroma the
	// most colour it may have (background_not_light).
	MinWallLuma   float64 `json:"min_wall_luma"`
	MaxWallChroma float64 `json:"max_wall_chroma"`
	// MaxMouthOpen bounds the inner lips' gap as a part of the eyes-to-chin
	// distance (mouth_open; needs a FaceReader).
	MaxMouthOpen float64 `json:"max_mouth_open"`
	// MaxClothesAsBackground bounds the part of the top beside the neck
	// that has the background's colour (clothes_match_background).
	MaxClothesAsBackground float64 `json:"max_clothes_as_background"`

	// The review flags' lines: below or above them a photo passes but is
	// flagged for the reviewer (Result.Review).

	// ReviewEyeRingLuma flags a lens ring darker than this part of the
	// cheeks (glasses_tinted).
	ReviewEyeRingLuma float64 `json:"review_eye_ring_luma"`
	// ReviewEyeRingClipped flags lens rings with more clipped white than
	// this beyond the cheeks' (glasses_reflective).
	ReviewEyeRingClipped float64 `json:"review_eye_ring_clipped"`
	// ReviewForeheadLuma flags a band above the brows darker than this part
	// of the cheeks (hair_over_brows: a fringe or a hat).
	ReviewForeheadLuma float64 `json:"review_forehead_luma"`
}

// DefaultChecks returns the default check limits.
func DefaultChecks() Checks {
	return Checks{
		MaxUpscale:        1.5,
		MaxOffCenter:      0.25,
		MaxRollDeg:        8,
		MaxYaw:            0.18,
		MinPitch:          0.6,
		MaxPitch:          1.1,
		MaxHeadYawDeg:     20,
		MaxHeadCut:        0.05,
		MinBodyCoverage:   0.85,
		MinFaceLuma:       70,
		MaxFaceClipped:    0.05,
		MaxLightImbalance: 0.35,
		MinSharpness:      15,
		MaxWallSpread:     28,
		MinWallCoverage:   0.9,
		MinWallLuma:       120,
		MaxWallChroma:     40,

		MaxMouthOpen:           0.06,
		MaxClothesAsBackground: 0.75,

		ReviewEyeRingLuma:    0.42,
		ReviewEyeRingClipped: 0.05,
		ReviewForeheadLuma:   0.42,
	}
}

// The built-in profiles.
var (
	// CHSI is the default: the CHSI student photo (学信网), 480 × 640,
	// white, JPEG of 50-100 KB, head about half of the frame.
	CHSI = Profile{
		Name: "chsi", Width: 480, Height: 640, Background: [3]uint8{255, 255, 255},
		MinKB: 50, MaxKB: 100, HeadHeight: 0.5, EyeLine: 0.40, TopMargin: 0.06, Checks: DefaultChecks(),
	}
	// GA461 is the resident ID card photo (GA 461): 358 × 441, white, head
	// about two thirds of the frame.
	GA461 = Profile{
		Name: "ga461", Width: 358, Height: 441, Background: [3]uint8{255, 255, 255},
		MinKB: 20, MaxKB: 60, HeadHeight: 0.66, EyeLine: 0.42, TopMargin: 0.04, Checks: DefaultChecks(),
	}
)

var builtin = map[string]Profile{CHSI.Name: CHSI, GA461.Name: GA461}

// ProfileNames lists the built-in profiles.
func ProfileNames() []string {
	names := make([]string, 0, len(builtin))
	for n := range builtin {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// LookupProfile returns a built-in profile by name, or reads a JSON profile
// when name is a path ending in ".json".
func LookupProfile(name string) (Profile, error) {
	if p, ok := builtin[name]; ok {
		return p, nil
	}
	if len(name) > 5 && name[len(name)-5:] == ".json" {
		data, err := os.ReadFile(name)
		if err != nil {
			return Profile{}, fmt.Errorf("imaging: read profile: %w", err)
		}
		return ParseProfile(data)
	}
	return Profile{}, fmt.Errorf("imaging: unknown profile %q; built-in ones are %v, or give a .json file", name, ProfileNames())
}

// ParseProfile reads a profile from JSON. Check limits left out keep their
// defaults, so a school's file need only say what differs, e.g.
//
//	{"name":"blue-ga461","width":358,"height":441,"background":[67,142,219],
//	 "min_kb":20,"max_kb":60,"head_height":0.66,"eye_line":0.42,"top_margin":0.04}
func ParseProfile(data []byte) (Profile, error) {
	p := Profile{Checks: DefaultChecks()}
	if err := json.Unmarshal(data, &p); err != nil {
		return Profile{}, fmt.Errorf("imaging: parse profile: %w", err)
	}
	return p, p.Validate()
}

// maxProfileKB bounds a profile's MaxKB: 10 MB is no ID photo.
const maxProfileKB = 10 * 1024

// smallestBytes is the smallest file a portrait gives at the profile's
// size (minBytesPerPixel), below which MaxKB cannot be met.
func (p Profile) smallestBytes() float64 {
	return minBytesPerPixel * float64(p.Width*p.Height)
}

// Validate reports a profile that cannot be produced: among others a KB
// range no portrait can meet at its dimensions. Any MinKB can be met
// (the encoder pads a small file), so only MaxKB can be out of reach.
func (p Profile) Validate() error {
	c := p.Checks
	switch {
	case p.Name == "":
		return errors.New("imaging: profile has no name")
	case p.Width < 64 || p.Height < 64 || p.Width > 4096 || p.Height > 4096:
		return fmt.Errorf("imaging: profile %s: size %d × %d outside 64-4096", p.Name, p.Width, p.Height)
	case p.MinKB < 0 || p.MaxKB <= 0 || p.MinKB >= p.MaxKB:
		return fmt.Errorf("imaging: profile %s: KB range %d-%d is empty (min_kb must be below max_kb)", p.Name, p.MinKB, p.MaxKB)
	case p.MaxKB > maxProfileKB:
		return fmt.Errorf("imaging: profile %s: max_kb %d is above %d: not a photo size", p.Name, p.MaxKB, maxProfileKB)
	case float64(p.MaxKB*1024) < p.smallestBytes():
		return fmt.Errorf("imaging: profile %s: max_kb %d cannot be reached at %d × %d: a portrait needs at least %.1f KB there at JPEG quality %d (lower max_kb only with smaller dimensions)",
			p.Name, p.MaxKB, p.Width, p.Height, p.smallestBytes()/1024, jpegQualityFloor)
	case p.HeadHeight <= 0.1 || p.HeadHeight >= 1:
		return fmt.Errorf("imaging: profile %s: head height %.2f outside (0.1, 1)", p.Name, p.HeadHeight)
	case p.EyeLine <= 0.1 || p.EyeLine >= 0.9:
		return fmt.Errorf("imaging: profile %s: eye line %.2f outside (0.1, 0.9)", p.Name, p.EyeLine)
	case p.TopMargin < 0 || p.TopMargin >= p.EyeLine:
		return fmt.Errorf("imaging: profile %s: top margin %.2f outside [0, eye line)", p.Name, p.TopMargin)
	case c.MaxUpscale < 1:
		return fmt.Errorf("imaging: profile %s: max upscale %.2f below 1", p.Name, c.MaxUpscale)
	case c.MaxHeadYawDeg <= 0 || c.MaxHeadYawDeg > 90:
		return fmt.Errorf("imaging: profile %s: max head yaw %.1f° outside (0, 90]", p.Name, c.MaxHeadYawDeg)
	case c.MinPitch >= c.MaxPitch:
		return fmt.Errorf("imaging: profile %s: pitch range %.2f-%.2f is empty", p.Name, c.MinPitch, c.MaxPitch)
	}
	return nil
}
