package imaging_test

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testphotos"
)

// secrets are what a phone writes into its photos that must not be kept:
// the maker, a GPS datum, a comment, XMP.
var secrets = []string{"SECRETPHONE", "GPSSECRETDATUM", "SECRETCOMMENT", "SECRETXMP"}

// exifWithGPS is an EXIF (big-endian TIFF) with a maker, orientation 6 and
// a GPS IFD.
func exifWithGPS() []byte {
	var b bytes.Buffer
	w16 := func(v uint16) { _ = binary.Write(&b, binary.BigEndian, v) }
	w32 := func(v uint32) { _ = binary.Write(&b, binary.BigEndian, v) }
	b.WriteString("MM\x00\x2a")
	w32(8)
	// IFD0 at 8: 3 entries (12 bytes each) + next; data follows at 8+2+36+4 = 50.
	w16(3)
	w16(0x010F) // Make
	w16(2)
	w32(12)
	w32(50)
	w16(0x0112) // Orientation
	w16(3)
	w32(1)
	w16(6)
	w16(0)
	w16(0x8825) // GPS IFD pointer
	w16(4)
	w32(1)
	w32(62)
	w32(0)
	b.WriteString("SECRETPHONE\x00") // at 50, 12 bytes
	// GPS IFD at 62: 2 entries + next; data at 62+2+24+4 = 92.
	w16(2)
	w16(0x0001) // GPSLatitudeRef "N"
	w16(2)
	w32(2)
	b.Write([]byte{'N', 0, 0, 0})
	w16(0x0012) // GPSMapDatum
	w16(2)
	w32(15)
	w32(92)
	w32(0)
	b.WriteString("GPSSECRETDATUM\x00")
	return b.Bytes()
}

func segment(marker byte, payload []byte) []byte {
	return append([]byte{0xFF, marker, byte((len(payload) + 2) >> 8), byte(len(payload) + 2)}, payload...)
}

// phoneJPEG is the portrait with what a phone adds: EXIF with GPS and the
// maker, XMP, IPTC and a comment.
func phoneJPEG(t *testing.T) []byte {
	t.Helper()
	src := testphotos.Read(t, portrait)
	var b bytes.Buffer
	b.Write(src[:2])
	b.Write(segment(0xE1, append([]byte("Exif\x00\x00"), exifWithGPS()...)))
	b.Write(segment(0xE1, []byte("http://ns.adobe.com/xap/1.0/\x00<x:xmpmeta>SECRETXMP</x:xmpmeta>")))
	b.Write(segment(0xED, []byte("Photoshop 3.0\x00SECRETCOMMENT")))
	b.Write(segment(0xFE, []byte("SECRETCOMMENT")))
	b.Write(src[2:])
	return b.Bytes()
}

func sosOnward(t *testing.T, jpeg []byte) []byte {
	t.Helper()
	for i := 2; i+4 <= len(jpeg); {
		n := int(binary.BigEndian.Uint16(jpeg[i+2:]))
		if jpeg[i+1] == 0xDA {
			return jpeg[i:]
		}
		i += 2 + n
	}
	t.Fatal("no SOS")
	return nil
}

func requireStripped(t *testing.T, out []byte) {
	t.Helper()
	for _, s := range secrets {
		require.False(t, bytes.Contains(out, []byte(s)), "%s is still there", s)
	}
	img, err := vips.NewImageFromBuffer(out)
	require.NoError(t, err, "still an image libvips reads")
	defer img.Close()
	for _, f := range img.ImageFields() {
		require.NotContains(t, f, "GPS", "GPS field %s", f)
		require.NotContains(t, f, "Make", "maker field %s", f)
	}
}

func TestStripJPEGKeepsPixelsAndOrientation(t *testing.T) {
	in := phoneJPEG(t)
	info, err := imaging.Probe(in, imaging.DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, 6, info.Orientation, "the phone's orientation is read")
	img, err := vips.NewImageFromBuffer(in)
	require.NoError(t, err)
	require.Contains(t, img.ImageFields(), "exif-ifd3-GPSMapDatum", "libvips sees the GPS data before")
	img.Close()

	out, err := imaging.StripMetadata(in, info)
	require.NoError(t, err)
	requireStripped(t, out)
	after, err := imaging.Probe(out, imaging.DefaultLimits())
	require.NoError(t, err)
	require.Equal(t, info, after, "same format, size and orientation")
	require.Equal(t, sosOnward(t, in), sosOnward(t, out), "the image data is copied byte for byte")
	require.Less(t, len(out), len(in))

	plain := testphotos.Read(t, portrait)
	pi, err := imaging.Probe(plain, imaging.DefaultLimits())
	require.NoError(t, err)
	out, err = imaging.StripMetadata(plain, pi)
	require.NoError(t, err)
	require.Equal(t, sosOnward(t, plain), sosOnward(t, out))
}

func pngChunk(typ string, payload []byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	b = append(b, typ...)
	b = append(b, payload...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(b[4:]))
}

func TestStripPNGAndWebPAndHEIF(t *testing.T) {
	src, err := vips.NewImageFromBuffer(phoneJPEG(t))
	require.NoError(t, err)
	defer src.Close()

	png, _, err := src.ExportPng(&vips.PngExportParams{Compression: 1})
	require.NoError(t, err)
	// A phone-made PNG: text chunks and the EXIF.
	i := bytes.Index(png, []byte("IDAT")) - 4
	png = append(append(append(append([]byte(nil), png[:i]...), pngChunk("tEXt", []byte("Comment\x00SECRETCOMMENT"))...), pngChunk("eXIf", exifWithGPS())...), png[i:]...)
	webp, _, err := src.ExportWebp(&vips.WebpExportParams{Quality: 80})
	require.NoError(t, err)
	heif, _, err := src.ExportHeif(&vips.HeifExportParams{Quality: 60})
	require.NoError(t, err)
	for name, data := range map[string][]byte{"png": png, "webp": webp, "heif": heif} {
		t.Run(name, func(t *testing.T) {
			info, err := imaging.Probe(data, imaging.DefaultLimits())
			require.NoError(t, err)
			hadSecret := false
			for _, s := range secrets {
				hadSecret = hadSecret || bytes.Contains(data, []byte(s))
			}
			require.True(t, hadSecret, "the test file carries metadata to strip")
			out, err := imaging.StripMetadata(data, info)
			require.NoError(t, err)
			requireStripped(t, out)
			after, err := imaging.Probe(out, imaging.DefaultLimits())
			require.NoError(t, err)
			require.Equal(t, info, after, "same format, size and orientation")
		})
	}
}

func TestStripRefusesDamagedContainers(t *testing.T) {
	in := phoneJPEG(t)
	info, err := imaging.Probe(in, imaging.DefaultLimits())
	require.NoError(t, err)
	_, err = imaging.StripMetadata(in[:40], info)
	require.True(t, imaging.IsInputError(err))
}

// FuzzStripMetadata: no container, however broken, makes stripping panic
// or hang; a file it strips is no larger than it was, but for the few bytes
// of an orientation it had to keep.
func FuzzStripMetadata(f *testing.F) {
	f.Add([]byte("\xff\xd8\xff\xe1\x00\x10Exif\x00\x00MM\x00*\x00\x00\x00\x08\xff\xda\x00\x02\xff\xd9"), 6)
	f.Add([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x00IEND\xaeB`\x82"), 1)
	f.Add([]byte("RIFF\x1a\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00"), 1)
	f.Add([]byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic\x00\x00\x00\x10meta\x00\x00\x00\x00\x00\x00\x00\x00"), 1)
	f.Fuzz(func(t *testing.T, data []byte, orientation int) {
		format, err := imaging.Sniff(data)
		if err != nil {
			return
		}
		out, err := imaging.StripMetadata(data, imaging.Info{Format: format, Orientation: orientation})
		if err == nil && len(out) > len(data)+64 {
			t.Fatalf("stripping grew %d bytes to %d", len(data), len(out))
		}
	})
}
