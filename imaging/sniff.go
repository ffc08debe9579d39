package imaging

import "bytes"

// Format is an accepted input format, identified from the bytes.
type Format string

// The accepted input formats.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	WebP Format = "webp"
	HEIF Format = "heif"
)

// heifBrands are the ISO-BMFF major brands of HEIF/HEIC still images (iPhone
// photos are "heic"); AVIF ("avif") is deliberately not among them.
var heifBrands = map[string]bool{
	"heic": true, "heix": true, "heim": true, "heis": true,
	"hevc": true, "hevx": true, "mif1": true, "msf1": true,
}

// Sniff identifies the format of data from its first bytes, never from a
// file name. Anything but JPEG, PNG, WebP and HEIF/HEIC is refused with an
// *Error (CodeEmpty or CodeUnsupported) that names what it looks like.
func Sniff(data []byte) (Format, error) {
	switch {
	case len(data) == 0:
		return "", inputError(CodeEmpty, "the file is empty")
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		return JPEG, nil
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		return PNG, nil
	case len(data) >= 12 && bytes.Equal(data[:4], []byte("RIFF")) && bytes.Equal(data[8:12], []byte("WEBP")):
		return WebP, nil
	case len(data) >= 12 && bytes.Equal(data[4:8], []byte("ftyp")):
		brand := string(data[8:12])
		if heifBrands[brand] {
			return HEIF, nil
		}
		return "", inputError(CodeUnsupported, "ISO media file of brand %q is not a HEIF still image", sanitize(brand))
	}
	return "", inputError(CodeUnsupported, "not a JPEG, PNG, WebP or HEIF image (looks like %s)", describe(data))
}

// describe names common refused formats so the error says what was sent.
func describe(data []byte) string {
	head := data
	if len(head) > 512 {
		head = head[:512]
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n\xef\xbb\xbf")
	switch {
	case bytes.HasPrefix(data, []byte("GIF8")):
		return "GIF"
	case bytes.HasPrefix(data, []byte("%PDF")):
		return "PDF"
	case bytes.HasPrefix(data, []byte("BM")):
		return "BMP"
	case bytes.HasPrefix(data, []byte("II*\x00")), bytes.HasPrefix(data, []byte("MM\x00*")):
		return "TIFF or camera RAW"
	case bytes.HasPrefix(trimmed, []byte("<?xml")), bytes.HasPrefix(trimmed, []byte("<svg")), bytes.Contains(head, []byte("<svg")):
		return "SVG/XML"
	case bytes.HasPrefix(data, []byte("\x00\x00\x00\x0cjP  ")), bytes.HasPrefix(data, []byte{0xFF, 0x0A}):
		return "JPEG 2000 or JPEG XL"
	case isText(head):
		return "text"
	}
	return "unknown binary data"
}

func isText(b []byte) bool {
	for _, c := range b {
		if c < 0x09 || (c > 0x0d && c < 0x20) {
			return false
		}
	}
	return true
}

func sanitize(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c < 0x20 || c > 0x7e {
			b[i] = '?'
		}
	}
	return string(b)
}
