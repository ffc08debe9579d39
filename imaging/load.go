package imaging

import (
	"errors"
	"fmt"

	"github.com/davidbyttow/govips/v2/vips"
)

// Limits bound what a single input may cost before it is decoded.
type Limits struct {
	// MaxBytes is the largest accepted file, in bytes.
	MaxBytes int64 `env:"RECHECK_MAX_PHOTO_BYTES" default:"20971520" help:"largest accepted photo file, in bytes"`
	// MaxPixels is the largest accepted width × height, read from the header
	// before any pixel is decoded.
	MaxPixels int64 `env:"RECHECK_MAX_PHOTO_PIXELS" default:"50000000" help:"largest accepted photo, in pixels (width × height)"`
}

// DefaultLimits returns the documented defaults: 20 MB and 50 megapixels.
func DefaultLimits() Limits { return Limits{MaxBytes: 20 << 20, MaxPixels: 50_000_000} }

// Validate reports limits that cannot work.
func (l Limits) Validate() error {
	if l.MaxBytes <= 0 || l.MaxPixels <= 0 {
		return errors.New("imaging: RECHECK_MAX_PHOTO_BYTES and RECHECK_MAX_PHOTO_PIXELS must be positive")
	}
	return nil
}

// Info describes an input photo as read from its header.
type Info struct {
	// Format is the sniffed format.
	Format Format `json:"format"`
	// Width and Height are the displayed size, after EXIF orientation.
	Width  int `json:"width"`
	Height int `json:"height"`
	// Orientation is the EXIF orientation tag (1-8; 1 when absent).
	Orientation int `json:"orientation"`
}

// Probe checks data against the limits and reads its header without
// decoding pixels: a tiny file that declares 50,000 × 50,000 pixels is
// refused here without allocating them. Failures are *Error values.
func Probe(data []byte, lim Limits) (Info, error) {
	if int64(len(data)) > lim.MaxBytes {
		return Info{}, inputError(CodeTooLarge, "the file has %d bytes, more than the limit of %d", len(data), lim.MaxBytes)
	}
	format, err := Sniff(data)
	if err != nil {
		return Info{}, err
	}
	Startup()
	ref, err := vips.LoadImageFromBuffer(data, vips.NewImportParams())
	if err != nil {
		return Info{}, inputError(CodeUnreadable, "cannot read the %s header: %s", format, firstLine(err))
	}
	defer ref.Close()
	info := Info{Format: format, Width: ref.Width(), Height: ref.Height(), Orientation: ref.Orientation()}
	if info.Orientation < 1 || info.Orientation > 8 {
		info.Orientation = 1
	}
	if info.Orientation >= 5 {
		info.Width, info.Height = info.Height, info.Width
	}
	if px := int64(info.Width) * int64(info.Height); px > lim.MaxPixels {
		return Info{}, inputError(CodeTooManyPix, "%d × %d is %d pixels, more than the limit of %d", info.Width, info.Height, px, lim.MaxPixels)
	}
	if info.Width < 1 || info.Height < 1 {
		return Info{}, inputError(CodeUnreadable, "the header declares an empty %d × %d image", info.Width, info.Height)
	}
	return info, nil
}

// loadOriented decodes data (already probed) at 1/shrink of its size when
// the format allows it (JPEG), applies the EXIF orientation and normalizes
// it to 8-bit sRGB without alpha. The caller closes the image.
func loadOriented(data []byte, info Info, shrink int) (*vips.ImageRef, error) {
	params := vips.NewImportParams() // fail on the first warning: no half-decoded files
	if info.Format == JPEG && shrink > 1 {
		params.JpegShrinkFactor.Set(shrink)
	}
	ref, err := vips.LoadImageFromBuffer(data, params)
	if err != nil {
		return nil, inputError(CodeUnreadable, "cannot decode the %s: %s", info.Format, firstLine(err))
	}
	if err := ref.AutoRotate(); err != nil {
		ref.Close()
		return nil, fmt.Errorf("imaging: auto-rotate: %w", err)
	}
	if err := normalize(ref); err != nil {
		ref.Close()
		return nil, err
	}
	return ref, nil
}

// loadThumbnail decodes data with shrink-on-load so that its longest side is
// at most size pixels, oriented and normalized like loadOriented. A JPEG is
// decoded at the largest shrink that keeps at least size pixels and then
// reduced with a cheap kernel; other formats go through vips_thumbnail.
func loadThumbnail(data []byte, info Info, size int) (*vips.ImageRef, error) {
	longest := max(info.Width, info.Height)
	if longest <= size {
		return loadOriented(data, info, 1)
	}
	if info.Format == JPEG {
		img, err := loadOriented(data, info, jpegShrinkFor(longest, size))
		if err != nil {
			return nil, err
		}
		if l := max(img.Width(), img.Height()); l > size {
			if err := img.Resize(float64(size)/float64(l), vips.KernelLinear); err != nil {
				img.Close()
				return nil, fmt.Errorf("imaging: reduce: %w", err)
			}
		}
		return img, nil
	}
	ref, err := vips.LoadThumbnailFromBuffer(data, size, size, vips.InterestingNone, vips.SizeDown, vips.NewImportParams())
	if err != nil {
		return nil, inputError(CodeUnreadable, "cannot decode the %s: %s", info.Format, firstLine(err))
	}
	if err := normalize(ref); err != nil {
		ref.Close()
		return nil, err
	}
	return ref, nil
}

// normalize converts any colour space, bit depth and alpha to 8-bit sRGB
// with three bands, flattening transparency onto white. An embedded ICC
// profile (Display P3 from iPhones, Adobe RGB, a CMYK press profile) is
// applied first; a profile libvips cannot use is dropped and the pixels are
// taken as they are.
func normalize(ref *vips.ImageRef) error {
	if ref.HasICCProfile() {
		if err := ref.TransformICCProfileWithFallback("srgb", "srgb"); err != nil {
			if err := ref.RemoveICCProfile(); err != nil {
				return fmt.Errorf("imaging: drop unusable ICC profile: %w", err)
			}
		}
	}
	if ref.HasAlpha() {
		if err := ref.Flatten(&vips.Color{R: 255, G: 255, B: 255}); err != nil {
			return fmt.Errorf("imaging: flatten alpha: %w", err)
		}
	}
	if ref.Interpretation() != vips.InterpretationSRGB || ref.BandFormat() != vips.BandFormatUchar || ref.Bands() != 3 {
		if err := ref.ToColorSpace(vips.InterpretationSRGB); err != nil {
			return fmt.Errorf("imaging: convert to sRGB: %w", err)
		}
		if ref.BandFormat() != vips.BandFormatUchar {
			if err := ref.Cast(vips.BandFormatUchar); err != nil {
				return fmt.Errorf("imaging: cast to 8 bits: %w", err)
			}
		}
	}
	return nil
}

// firstLine returns the first line of a libvips error, which names the
// problem; the rest is a backtrace of no use to a caller.
func firstLine(err error) string {
	s := err.Error()
	for i := 0; i < len(s); i++ {
		if s[i] == '\n' {
			return s[:i]
		}
	}
	return s
}

// decodeBase decodes data once for a standardization: a JPEG at the
// largest shrink-on-load factor that keeps at least size pixels on the
// longest side, not reduced further, so that the render can often cut the
// output from it too; other formats reduced to size (their render decodes
// at full size anyway).
func decodeBase(data []byte, info Info, size int) (RGB, error) {
	if info.Format != JPEG {
		m, _, err := thumbnailRGB(data, info, size)
		return m, err
	}
	img, err := loadOriented(data, info, jpegShrinkFor(max(info.Width, info.Height), size))
	if err != nil {
		return RGB{}, err
	}
	defer img.Close()
	pix, err := img.ToBytes()
	if err != nil {
		return RGB{}, inputError(CodeUnreadable, "cannot decode the %s: %s", info.Format, firstLine(err))
	}
	m := RGB{W: img.Width(), H: img.Height(), Pix: pix}
	return m, m.valid()
}

// jpegShrinkFor is the largest JPEG shrink-on-load factor that keeps at
// least size pixels of longest.
func jpegShrinkFor(longest, size int) int {
	for _, f := range []int{8, 4, 2} {
		if longest/f >= size {
			return f
		}
	}
	return 1
}

// thumbnailRGB decodes data with shrink-on-load to at most size pixels on
// its longest side and returns the pixels and the factor from them to the
// input's pixels.
func thumbnailRGB(data []byte, info Info, size int) (RGB, float64, error) {
	img, err := loadThumbnail(data, info, size)
	if err != nil {
		return RGB{}, 0, err
	}
	defer img.Close()
	pix, err := img.ToBytes()
	if err != nil {
		return RGB{}, 0, inputError(CodeUnreadable, "cannot decode the %s: %s", info.Format, firstLine(err))
	}
	m := RGB{W: img.Width(), H: img.Height(), Pix: pix}
	if err := m.valid(); err != nil {
		return RGB{}, 0, err
	}
	return m, float64(info.Width) / float64(m.W), nil
}
