package imaging

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
)

// noisy returns a 480 × 640 gradient with noise: its file size moves with
// the quality; amount sets how busy it is.
func noisy(amount int) RGB {
	img := NewRGB(480, 640)
	r := rand.New(rand.NewSource(1))
	for i := range img.Pix {
		img.Pix[i] = byte((i/3)%480/2 + r.Intn(amount+1))
	}
	return img
}

// TestEncodeToRangeFindsTheBestQuality compares the search with trying
// every quality, and checks the final file fits.
func TestEncodeToRangeFindsTheBestQuality(t *testing.T) {
	Startup()
	img := noisy(40)
	for _, maxKB := range []int{60, 80, 150, 400} {
		p := CHSI
		p.MinKB, p.MaxKB = 1, maxKB
		e, err := encodeToRange(img, p)
		if err != nil {
			t.Fatal(err)
		}
		want := 0
		for q := jpegQualityFloor; q <= 100; q++ {
			b, err := encodeJPEG(img, q, p.Subsample420, false)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) <= maxKB*1024 {
				want = q
			}
		}
		if e.quality != want || e.tooLarge || e.padding != 0 {
			t.Errorf("max %d KB: quality %d (too large %v, padding %d), best is %d", maxKB, e.quality, e.tooLarge, e.padding, want)
		}
		if len(e.data) > maxKB*1024 {
			t.Errorf("max %d KB: %d bytes", maxKB, len(e.data))
		}
	}
}

// TestEncodeToRangeMeetsBothEnds: a plain photo for a 300-400 KB profile is
// padded into the range at quality 100, its pixels untouched; a busy photo
// for a range it cannot reach at the quality floor is reported too large,
// never returned outside the range.
func TestEncodeToRangeMeetsBothEnds(t *testing.T) {
	Startup()
	plain := noisy(0)
	tests := []struct {
		name         string
		img          RGB
		minKB, maxKB int
		tooLarge     bool
		padded       bool
		// atTop: padding only once the quality is at its highest
		atTop bool
	}{
		{"plain photo, 300-400 KB", plain, 300, 400, false, true, true},
		{"plain photo, 1 KB range between two qualities", plain, 30, 31, false, true, false},
		{"busy photo, 20-30 KB", noisy(250), 20, 30, true, false, false},
		{"busy photo, 100-400 KB", noisy(250), 100, 400, false, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := CHSI
			p.MinKB, p.MaxKB = tt.minKB, tt.maxKB
			e, err := encodeToRange(tt.img, p)
			if err != nil {
				t.Fatal(err)
			}
			kb := float64(len(e.data)) / 1024
			if e.tooLarge != tt.tooLarge {
				t.Fatalf("too large %v, want %v (%.1f KB at quality %d)", e.tooLarge, tt.tooLarge, kb, e.quality)
			}
			if tt.tooLarge {
				if e.quality != jpegQualityFloor || kb <= float64(tt.maxKB) {
					t.Errorf("too large at quality %d with %.1f KB", e.quality, kb)
				}
				return
			}
			if kb < float64(tt.minKB) || kb > float64(tt.maxKB) {
				t.Errorf("%.1f KB outside %d-%d", kb, tt.minKB, tt.maxKB)
			}
			if (e.padding > 0) != tt.padded {
				t.Errorf("padding %d bytes, want padded %v", e.padding, tt.padded)
			}
			if tt.padded {
				if tt.atTop && e.quality != 100 {
					t.Errorf("padded at quality %d: raise the quality first", e.quality)
				}
				requireSamePixels(t, e)
			}
		})
	}
}

// requireSamePixels decodes a padded file and the same quality without the
// padding and compares them.
func requireSamePixels(t *testing.T, e encoded) {
	t.Helper()
	img, err := vips.NewImageFromBuffer(e.data)
	if err != nil {
		t.Fatalf("padded file does not load: %v", err)
	}
	defer img.Close()
	unpadded := stripComments(e.data)
	if len(unpadded) != len(e.data)-e.padding {
		t.Fatalf("%d bytes without comments, want %d", len(unpadded), len(e.data)-e.padding)
	}
	ref, err := vips.NewImageFromBuffer(unpadded)
	if err != nil {
		t.Fatal(err)
	}
	defer ref.Close()
	a, _ := img.ToBytes()
	b, _ := ref.ToBytes()
	if !bytes.Equal(a, b) {
		t.Error("padding changed the pixels")
	}
}

// stripComments drops COM segments before the scan.
func stripComments(data []byte) []byte {
	out := append([]byte(nil), data[:2]...)
	i := 2
	for i+4 <= len(data) {
		m := data[i+1]
		n := int(data[i+2])<<8 | int(data[i+3])
		if m == 0xDA {
			return append(out, data[i:]...)
		}
		if m != 0xFE {
			out = append(out, data[i:i+2+n]...)
		}
		i += 2 + n
	}
	return out
}

// TestPadJPEG grows a JPEG to exact sizes, across segment boundaries, and
// keeps the comments after the JFIF header.
func TestPadJPEG(t *testing.T) {
	Startup()
	bare, err := encodeJPEG(noisy(10), 80, true, true)
	if err != nil {
		t.Fatal(err)
	}
	// A JFIF header (APP0), as other encoders write it, must stay first.
	jfif := []byte{0xFF, 0xE0, 0x00, 0x10, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	src := append(append(append([]byte(nil), bare[:2]...), jfif...), bare[2:]...)
	for _, grow := range []int{0, 4, 5, 100, 65537, 65538, 65541, 200_000} {
		out, err := padJPEG(src, len(src)+grow)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(src)+grow {
			t.Errorf("grow %d: %d bytes, want %d", grow, len(out), len(src)+grow)
		}
		if !bytes.Equal(out[2:2+len(jfif)], jfif) {
			t.Errorf("grow %d: the JFIF header must stay first", grow)
		}
		if grow > 0 && !(out[2+len(jfif)] == 0xFF && out[3+len(jfif)] == 0xFE) {
			t.Errorf("grow %d: the comments follow the JFIF header", grow)
		}
		if !bytes.Equal(stripComments(out), stripComments(src)) {
			t.Errorf("grow %d: more than comments changed", grow)
		}
	}
	for _, grow := range []int{1, 2, 3} {
		out, err := padJPEG(src, len(src)+grow)
		if err != nil {
			t.Fatal(err)
		}
		if len(out) != len(src)+4 {
			t.Errorf("grow %d: %d bytes, want the smallest comment (4 bytes)", grow, len(out)-len(src))
		}
	}
	if _, err := padJPEG([]byte("GIF89a"), 100); err == nil {
		t.Error("padding a non-JPEG must fail")
	}
}
