package imaging

import (
	"github.com/davidbyttow/govips/v2/vips"
)

// Prepared is a photo decoded, oriented, normalized to 8-bit sRGB, shrunk to
// a bounded size and re-encoded as JPEG, the only format dlib reads.
type Prepared struct {
	// JPEG is the re-encoded photo.
	JPEG []byte
	// Input describes the original photo.
	Input Info
	// Scale maps the prepared photo's coordinates back to the original's
	// (multiply by Scale).
	Scale float64
}

// Prepare decodes any accepted photo with shrink-on-load so that its longest
// side is at most maxSide, and re-encodes it as JPEG for a face detector.
// Unusable input fails with an *Error.
func Prepare(data []byte, lim Limits, maxSide int) (Prepared, error) {
	Startup()
	info, err := Probe(data, lim)
	if err != nil {
		return Prepared{}, err
	}
	return prepare(data, info, maxSide)
}

// prepare is Prepare for a photo already probed.
func prepare(data []byte, info Info, maxSide int) (Prepared, error) {
	img, err := loadThumbnail(data, info, maxSide)
	if err != nil {
		return Prepared{}, err
	}
	defer img.Close()
	ep := vips.NewJpegExportParams()
	ep.Quality, ep.Interlace, ep.StripMetadata = 92, false, true
	jpeg, _, err := img.ExportJpeg(ep)
	if err != nil {
		return Prepared{}, inputError(CodeUnreadable, "cannot decode the %s: %s", info.Format, firstLine(err))
	}
	return Prepared{JPEG: jpeg, Input: info, Scale: float64(info.Width) / float64(img.Width())}, nil
}

// Preview decodes any accepted photo, oriented and shrunk so that its
// longest side is at most size pixels, for people to look at.
func Preview(data []byte, lim Limits, size int) (RGB, error) {
	Startup()
	info, err := Probe(data, lim)
	if err != nil {
		return RGB{}, err
	}
	m, _, err := thumbnailRGB(data, info, size)
	return m, err
}
