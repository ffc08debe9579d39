package imaging_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testphotos"
)

// pngWithHeader builds a tiny PNG that declares w × h pixels: a
// decompression bomb when w × h is large.
func pngWithHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		crc := crc32.NewIEEE()
		crc.Write([]byte(typ))
		crc.Write(data)
		binary.Write(&b, binary.BigEndian, crc.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 2 // 8-bit RGB
	chunk("IHDR", ihdr)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write(make([]byte, 1+3)) // one filter byte and one pixel of the first row
	zw.Close()
	chunk("IDAT", z.Bytes())
	chunk("IEND", nil)
	return b.Bytes()
}

func TestProbe(t *testing.T) {
	lim := imaging.DefaultLimits()
	info, err := imaging.Probe(testphotos.Read(t, "faces/face_recognition-tests/obama.jpg"), lim)
	require.NoError(t, err)
	require.Equal(t, imaging.Info{Format: imaging.JPEG, Width: 910, Height: 1137, Orientation: 1}, info)

	info, err = imaging.Probe(testphotos.Read(t, "faces/hivision-demo/test1.jpg"), lim)
	require.NoError(t, err, "WebP named .jpg")
	require.Equal(t, imaging.WebP, info.Format)
	require.Equal(t, 764, info.Width)

	info, err = imaging.Probe(testphotos.Read(t, "faces/hivision-demo/test2.jpg"), lim)
	require.NoError(t, err, "PNG named .jpg")
	require.Equal(t, imaging.PNG, info.Format)
}

func TestProbeRefusesBeforeDecoding(t *testing.T) {
	lim := imaging.DefaultLimits()
	tests := []struct {
		name string
		data []byte
		lim  imaging.Limits
		code string
	}{
		{"decompression bomb", pngWithHeader(50000, 50000), lim, imaging.CodeTooManyPix},
		{"over the byte limit", bytes.Repeat([]byte{0xFF}, 2048), imaging.Limits{MaxBytes: 1024, MaxPixels: lim.MaxPixels}, imaging.CodeTooLarge},
		{"truncated header", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"), lim, imaging.CodeUnreadable},
		{"zero bytes", nil, lim, imaging.CodeEmpty},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Less(t, len(tc.data), 4096, "the input itself is small")
			_, err := imaging.Probe(tc.data, tc.lim)
			var ie *imaging.Error
			require.ErrorAs(t, err, &ie)
			require.Equal(t, tc.code, ie.Code)
		})
	}
}

func TestLimitsValidate(t *testing.T) {
	require.NoError(t, imaging.DefaultLimits().Validate())
	require.Error(t, imaging.Limits{MaxBytes: 0, MaxPixels: 1}.Validate())
}
