package imaging_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
)

func TestSniff(t *testing.T) {
	tests := []struct {
		name    string
		data    []byte
		want    imaging.Format
		errCode string
		errText string
	}{
		{"jpeg", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF"), imaging.JPEG, "", ""},
		{"png", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), imaging.PNG, "", ""},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 "), imaging.WebP, "", ""},
		{"heic", []byte("\x00\x00\x00\x18ftypheic\x00\x00\x00\x00"), imaging.HEIF, "", ""},
		{"heif mif1", []byte("\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00"), imaging.HEIF, "", ""},
		{"avif", []byte("\x00\x00\x00\x18ftypavif\x00\x00\x00\x00"), "", imaging.CodeUnsupported, "brand"},
		{"mp4", []byte("\x00\x00\x00\x18ftypisom\x00\x00\x00\x00"), "", imaging.CodeUnsupported, "brand"},
		{"empty", nil, "", imaging.CodeEmpty, "empty"},
		{"gif", []byte("GIF89a\x01\x00"), "", imaging.CodeUnsupported, "GIF"},
		{"pdf", []byte("%PDF-1.7\n"), "", imaging.CodeUnsupported, "PDF"},
		{"bmp", []byte("BM\x36\x00\x00\x00"), "", imaging.CodeUnsupported, "BMP"},
		{"tiff", []byte("II*\x00\x08\x00"), "", imaging.CodeUnsupported, "TIFF"},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), "", imaging.CodeUnsupported, "SVG"},
		{"bare svg", []byte(`  <svg width="10"/>`), "", imaging.CodeUnsupported, "SVG"},
		{"text", []byte("hello, this is not a photo\n"), "", imaging.CodeUnsupported, "text"},
		{"binary", []byte{0, 1, 2, 3, 4, 5}, "", imaging.CodeUnsupported, "unknown"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := imaging.Sniff(tc.data)
			if tc.errCode == "" {
				require.NoError(t, err)
				require.Equal(t, tc.want, got)
				return
			}
			var ie *imaging.Error
			require.ErrorAs(t, err, &ie)
			require.Equal(t, tc.errCode, ie.Code)
			require.Contains(t, ie.Message, tc.errText)
			require.NotEmpty(t, ie.MessageZH)
		})
	}
}
