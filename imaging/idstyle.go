package imaging

import (
	"fmt"
	"image"

	"github.com/davidbyttow/govips/v2/vips"
)

// IDStyle makes an ID-style photo of the face at box (in the photo's own,
// oriented pixels): a crop of the box grown factor times about its centre
// (a little more below, for the chin), scaled to width pixels and encoded as
// JPEG at quality 85. Provincial exam systems keep admission photos like
// that, small and cut close around the head; calibration and tests use such
// copies of the labelled photos as the admission side of a comparison.
func IDStyle(data []byte, lim Limits, box image.Rectangle, factor float64, width int) ([]byte, error) {
	img, err := loadWhole(data, lim)
	if err != nil {
		return nil, err
	}
	defer img.Close()
	cx, cy := float64(box.Min.X+box.Max.X)/2, float64(box.Min.Y+box.Max.Y)/2
	w := float64(box.Dx()) * factor
	h := w * 1.2
	x0, y0 := int(cx-w/2), int(cy-h*0.45)
	x1, y1 := int(cx+w/2), int(cy+h*0.55)
	x0, y0 = max(x0, 0), max(y0, 0)
	x1, y1 = min(x1, img.Width()), min(y1, img.Height())
	if x1-x0 < 8 || y1-y0 < 8 {
		return nil, fmt.Errorf("imaging: id-style crop of %v is empty", box)
	}
	if err := img.ExtractArea(x0, y0, x1-x0, y1-y0); err != nil {
		return nil, fmt.Errorf("imaging: id-style crop: %w", err)
	}
	if err := img.Resize(float64(width)/float64(x1-x0), vips.KernelLanczos3); err != nil {
		return nil, fmt.Errorf("imaging: id-style resize: %w", err)
	}
	return encodeCopy(img, 85, "id-style")
}

// loadWhole decodes a photo whole, oriented, as 8-bit sRGB without alpha
// (loadOriented), for the test copies made from it.
func loadWhole(data []byte, lim Limits) (*vips.ImageRef, error) {
	Startup()
	info, err := Probe(data, lim)
	if err != nil {
		return nil, err
	}
	return loadOriented(data, info, 1)
}

// encodeCopy encodes a test copy as JPEG at quality q, without metadata.
func encodeCopy(img *vips.ImageRef, q int, what string) ([]byte, error) {
	ep := vips.NewJpegExportParams()
	ep.Quality, ep.StripMetadata = q, true
	out, _, err := img.ExportJpeg(ep)
	if err != nil {
		return nil, fmt.Errorf("imaging: %s encode: %w", what, err)
	}
	return out, nil
}
