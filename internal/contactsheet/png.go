package contactsheet

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"

	xdraw "golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"

	"github.com/recheck/recheck/imaging"
)

// Cell sizes of the PNG sheet.
const (
	cellH  = 320
	cellW  = 240
	labelH = 18
	pad    = 8
)

var (
	red   = color.RGBA{200, 0, 0, 255}
	green = color.RGBA{0, 130, 0, 255}
	black = color.RGBA{30, 30, 30, 255}
)

// PNG writes the sheet as one picture: a row per photo with the input, the
// standardized output (or the failed checks, in red, with their values) and
// the matte, in columns of cols rows side by side.
func PNG(w io.Writer, rows []Row, cols int) error {
	if cols < 1 {
		cols = 1
	}
	rowW := 3*cellW + 4*pad
	rowH := cellH + labelH + pad
	nrows := (len(rows) + cols - 1) / cols
	sheet := image.NewRGBA(image.Rect(0, 0, cols*rowW, max(1, nrows)*rowH+pad))
	xdraw.Draw(sheet, sheet.Bounds(), image.NewUniform(color.White), image.Point{}, xdraw.Src)
	for i, r := range rows {
		x0 := (i%cols)*rowW + pad
		y0 := (i/cols)*rowH + pad
		label(sheet, x0, y0+12, black, truncate(r.Name, 3*cellW/7))
		top := y0 + labelH
		fit(sheet, r.Input, image.Rect(x0, top, x0+cellW, top+cellH))
		x1 := x0 + cellW + pad
		switch {
		case r.Result == nil:
			text(sheet, x1, top, red, []string{"unreadable:", fmt.Sprint(r.Err)})
		case r.Result.OK:
			fit(sheet, r.Result.Output.Pixels, image.Rect(x1, top, x1+cellW, top+cellH))
			label(sheet, x1+4, top+cellH-4, green, fmt.Sprintf("ok %d KB q%d", len(r.Result.Output.JPEG)/1024, r.Result.Output.Quality))
		default:
			var lines []string
			for _, f := range r.Result.Findings {
				lines = append(lines, f.Code, fmt.Sprintf("  %g (limit %g)", f.Value, f.Limit))
			}
			text(sheet, x1, top, red, lines)
		}
		if r.Result != nil && r.Result.Diagnostics != nil {
			x2 := x1 + cellW + pad
			fit(sheet, r.Result.Diagnostics.Matte, image.Rect(x2, top, x2+cellW, top+cellH))
		}
	}
	return png.Encode(w, sheet)
}

// fit draws m scaled to fit inside r, keeping its proportions.
func fit(dst *image.RGBA, m imaging.RGB, r image.Rectangle) {
	if m.W == 0 {
		return
	}
	s := min(float64(r.Dx())/float64(m.W), float64(r.Dy())/float64(m.H))
	w, h := int(float64(m.W)*s), int(float64(m.H)*s)
	target := image.Rect(r.Min.X, r.Min.Y, r.Min.X+w, r.Min.Y+h)
	xdraw.CatmullRom.Scale(dst, target, m.ToImage(), image.Rect(0, 0, m.W, m.H), xdraw.Src, nil)
}

func text(dst *image.RGBA, x, y int, c color.Color, lines []string) {
	for i, l := range lines {
		label(dst, x+4, y+14+i*15, c, truncate(l, cellW/7))
	}
}

func label(dst *image.RGBA, x, y int, c color.Color, s string) {
	d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "~"
}
