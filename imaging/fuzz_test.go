package imaging_test

import (
	"testing"

	"github.com/recheck/recheck/imaging"
)

// FuzzLoad feeds arbitrary bytes to loading (sniffing, limits, header,
// shrink-on-load decode, orientation, colour conversion): it must return
// pixels or an *imaging.Error, never crash.
func FuzzLoad(f *testing.F) {
	for _, seed := range [][]byte{
		pngWithHeader(4, 4),
		pngWithHeader(50000, 50000),
		[]byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xFF\xD9"),
		[]byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"),
		[]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic"),
		[]byte("<svg/>"),
	} {
		f.Add(seed)
	}
	lim := imaging.Limits{MaxBytes: 1 << 20, MaxPixels: 4_000_000}
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := imaging.Preview(data, lim, 256)
		if err != nil {
			if !imaging.IsInputError(err) {
				t.Fatalf("not an input error: %v", err)
			}
			return
		}
		if m.W < 1 || m.H < 1 || len(m.Pix) != m.W*m.H*3 || max(m.W, m.H) > 256 {
			t.Fatalf("bad pixels: %d × %d, %d bytes", m.W, m.H, len(m.Pix))
		}
	})
}
