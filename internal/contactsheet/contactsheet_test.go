package contactsheet_test

import (
	"bytes"
	"errors"
	"image/png"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/contactsheet"
)

func rows() []contactsheet.Row {
	in := imaging.NewRGB(60, 80)
	out := imaging.NewRGB(480, 640)
	return []contactsheet.Row{
		{Name: "good.jpg", Input: in, Result: &imaging.Result{OK: true, Output: &imaging.Output{JPEG: []byte{0xFF, 0xD8}, Pixels: out, Quality: 90}, Diagnostics: &imaging.Diagnostics{Matte: out}}},
		{Name: "dark.jpg", Input: in, Result: &imaging.Result{Findings: []imaging.Finding{{Code: "too_dark", MessageZH: "面部光线太暗", Value: 41.5, Limit: 70}}}},
		{Name: "notes.txt", Err: errors.New("unsupported_format: text")},
	}
}

func TestHTML(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, contactsheet.HTML(&b, rows(), "chsi"))
	html := b.String()
	require.Contains(t, html, "1 accepted, 1 rejected, 1 unreadable")
	require.Contains(t, html, "good.jpg")
	require.Contains(t, html, "<b>too_dark</b> 41.5 (limit 70)")
	require.Contains(t, html, "面部光线太暗")
	require.Contains(t, html, "unreadable: unsupported_format: text")
	require.Equal(t, 4, strings.Count(html, "data:image/jpeg;base64,"), "two previews, one output, one matte, all embedded")
}

func TestPNG(t *testing.T) {
	var b bytes.Buffer
	require.NoError(t, contactsheet.PNG(&b, rows(), 2))
	img, err := png.Decode(&b)
	require.NoError(t, err)
	require.Equal(t, 2*(3*240+4*8), img.Bounds().Dx(), "two rows side by side")
	require.Greater(t, img.Bounds().Dy(), 2*320, "two lines of rows")
}
