package imaging_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

const portrait = "faces/deepface/img15.jpg"

// convert re-encodes the portrait after f, with exp choosing the format.
func convert(t *testing.T, f func(*vips.ImageRef) error, exp func(*vips.ImageRef) ([]byte, error)) []byte {
	t.Helper()
	img, err := vips.NewImageFromBuffer(testphotos.Read(t, portrait))
	require.NoError(t, err)
	defer img.Close()
	if f != nil {
		require.NoError(t, f(img))
	}
	out, err := exp(img)
	require.NoError(t, err)
	return out
}

// TestHostileInputs feeds the pipeline files made to break it. Each gets a
// clear *imaging.Error or a correct output: never a crash or a hang.
func TestHostileInputs(t *testing.T) {
	good := testphotos.Read(t, portrait)
	bigHeader := append([]byte(nil), good...) // a JPEG whose frame header claims 65,000 × 65,000
	for i := 0; i+8 < len(bigHeader); i++ {
		if bigHeader[i] == 0xFF && (bigHeader[i+1] == 0xC0 || bigHeader[i+1] == 0xC2) {
			bigHeader[i+5], bigHeader[i+6], bigHeader[i+7], bigHeader[i+8] = 0xFD, 0xE8, 0xFD, 0xE8
			break
		}
	}
	refused := []struct {
		name string
		data []byte
		code string
	}{
		{"zero bytes", nil, imaging.CodeEmpty},
		{"truncated JPEG", good[:len(good)/2], imaging.CodeUnreadable},
		{"JPEG header only", good[:300], imaging.CodeUnreadable},
		{"garbage after a JPEG marker", append([]byte{0xFF, 0xD8, 0xFF, 0xE0}, bytes.Repeat([]byte{0x5A}, 4000)...), imaging.CodeUnreadable},
		{"text named .jpg", []byte("这不是照片 / this is not a photo\n"), imaging.CodeUnsupported},
		{"SVG with an external entity", []byte(`<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>`), imaging.CodeUnsupported},
		{"PDF", []byte("%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"), imaging.CodeUnsupported},
		{"GIF", []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"), imaging.CodeUnsupported},
		{"BMP", append([]byte("BM"), make([]byte, 60)...), imaging.CodeUnsupported},
		{"TIFF", append([]byte("II*\x00"), make([]byte, 60)...), imaging.CodeUnsupported},
		{"decompression bomb PNG", pngWithHeader(50000, 50000), imaging.CodeTooManyPix},
		{"JPEG claiming 65000 × 65000", bigHeader, imaging.CodeTooManyPix},
	}
	det := testmodels.Detectors(t)
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			_, err := imaging.Standardize(context.Background(), tc.data, imaging.Options{Detector: det})
			var ie *imaging.Error
			require.ErrorAs(t, err, &ie)
			require.Equal(t, tc.code, ie.Code, ie.Message)
			require.NotEmpty(t, ie.MessageZH)
		})
	}

	want := standardize(t, good, imaging.CHSI)
	require.True(t, want.OK)
	decoded := []struct {
		name   string
		data   []byte
		format imaging.Format
	}{
		{"16-bit PNG with alpha", convert(t, func(i *vips.ImageRef) error {
			if err := i.Cast(vips.BandFormatUshort); err != nil {
				return err
			}
			if err := i.Linear1(257, 0); err != nil {
				return err
			}
			if err := i.Cast(vips.BandFormatUshort); err != nil {
				return err
			}
			if err := i.ToColorSpace(vips.InterpretationRGB16); err != nil {
				return err
			}
			return i.BandJoinConst([]float64{65535})
		}, func(i *vips.ImageRef) ([]byte, error) {
			b, _, err := i.ExportPng(&vips.PngExportParams{Compression: 1, Bitdepth: 16})
			return b, err
		}), imaging.PNG},
		{"CMYK JPEG", convert(t, func(i *vips.ImageRef) error { return i.ToColorSpace(vips.InterpretationCMYK) },
			func(i *vips.ImageRef) ([]byte, error) {
				b, _, err := i.ExportJpeg(&vips.JpegExportParams{Quality: 92})
				return b, err
			}), imaging.JPEG},
		{"grayscale JPEG", convert(t, func(i *vips.ImageRef) error { return i.ToColorSpace(vips.InterpretationBW) },
			func(i *vips.ImageRef) ([]byte, error) {
				b, _, err := i.ExportJpeg(&vips.JpegExportParams{Quality: 92})
				return b, err
			}), imaging.JPEG},
		{"HEIC", convert(t, nil, func(i *vips.ImageRef) ([]byte, error) {
			b, _, err := i.ExportHeif(&vips.HeifExportParams{Quality: 80})
			return b, err
		}), imaging.HEIF},
		{"WebP", convert(t, nil, func(i *vips.ImageRef) ([]byte, error) {
			b, _, err := i.ExportWebp(&vips.WebpExportParams{Quality: 85})
			return b, err
		}), imaging.WebP},
	}
	for _, tc := range decoded {
		t.Run(tc.name, func(t *testing.T) {
			res := standardize(t, tc.data, imaging.CHSI)
			require.Equal(t, tc.format, res.Input.Format)
			require.True(t, res.OK, "%+v", res.Findings)
			require.InDelta(t, want.Measures.FaceLuma, res.Measures.FaceLuma, 15, "colours converted, not garbled")
			requireNoMetadata(t, res.Output.JPEG)
			out := decode(t, res.Output.JPEG)
			require.GreaterOrEqual(t, borderMatch(out, imaging.CHSI.Background, 5), 0.97)
		})
	}
}

// TestFormatTraps: the MANIFEST's files whose names lie about their format
// are read by their bytes.
func TestFormatTraps(t *testing.T) {
	for rel, f := range map[string]imaging.Format{
		"faces/hivision-demo/test1.jpg":                      imaging.WebP,
		"faces/deepface/img47.jpg":                           imaging.WebP,
		"faces/hivision-demo/test2.jpg":                      imaging.PNG,
		"faces/face_recognition-tests/32bit.png":             imaging.PNG,
		"faces/face_recognition-examples/alex-lacamoire.png": imaging.PNG,
	} {
		t.Run(rel, func(t *testing.T) {
			res := standardize(t, testphotos.Read(t, rel), imaging.CHSI)
			require.Equal(t, f, res.Input.Format)
			require.Equal(t, 1, res.Measures.Faces, "decoded well enough to find the face")
		})
	}
}
