package imaging

import (
	"errors"
	"fmt"
)

// Profile is a school's output specification for the standardized photo.
// Profiles are data: a school picks a built-in one or defines its own.
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
	// MaxUpscale is the largest factor by which the face may be enlarged;
	// a smaller face is refused with face_too_small.
	MaxUpscale float64 `json:"max_upscale"`
	// Subsample420 selects 4:2:0 chroma subsampling; false means 4:4:4.
	Subsample420 bool `json:"subsample_420"`
}

// CHSI is the default profile: the CHSI student photo (学信网), 480 × 640,
// white, JPEG of 50-100 KB, head about half of the frame.
var CHSI = Profile{
	Name: "chsi", Width: 480, Height: 640, Background: [3]uint8{255, 255, 255},
	MinKB: 50, MaxKB: 100, HeadHeight: 0.5, EyeLine: 0.40, MaxUpscale: 1.5, Subsample420: false,
}

// Validate reports a profile that cannot be produced.
func (p Profile) Validate() error {
	switch {
	case p.Name == "":
		return errors.New("imaging: profile has no name")
	case p.Width < 64 || p.Height < 64 || p.Width > 4096 || p.Height > 4096:
		return fmt.Errorf("imaging: profile %s: size %d × %d outside 64-4096", p.Name, p.Width, p.Height)
	case p.MinKB < 0 || p.MaxKB <= 0 || p.MinKB > p.MaxKB:
		return fmt.Errorf("imaging: profile %s: KB range %d-%d is empty", p.Name, p.MinKB, p.MaxKB)
	case p.HeadHeight <= 0.1 || p.HeadHeight >= 1:
		return fmt.Errorf("imaging: profile %s: head height %.2f outside (0.1, 1)", p.Name, p.HeadHeight)
	case p.EyeLine <= 0.1 || p.EyeLine >= 0.9:
		return fmt.Errorf("imaging: profile %s: eye line %.2f outside (0.1, 0.9)", p.Name, p.EyeLine)
	case p.MaxUpscale < 1:
		return fmt.Errorf("imaging: profile %s: max upscale %.2f below 1", p.Name, p.MaxUpscale)
	}
	return nil
}
