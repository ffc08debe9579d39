package calibrate

import (
	"fmt"
	"image/color"
	"math"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/recheck/recheck/facematch"
)

// DETCurve is one embedder's detection error trade-off: its same-person
// (genuine) and different-person (impostor) distances, and the calibration
// that turns a score line into a distance.
type DETCurve struct {
	Name               string
	Genuine, Impostor  []float64
	Calibration        facematch.Calibration
	UnreadableGenuines int // same-person pairs without a face: rejected at every line
}

// detLines are the score lines marked on a curve (the ROC table's); 80 is
// the pass line.
var detLines = []float64{95, 90, 85, 80, 75, 70, 60, 50}

// rates returns the false-accept and false-reject rates at distance d
// (a pair is accepted at or below it); Genuine and Impostor are sorted.
func (c DETCurve) rates(d float64) (far, frr float64) {
	fa := sort.Search(len(c.Impostor), func(i int) bool { return c.Impostor[i] > d })
	fr := len(c.Genuine) - sort.Search(len(c.Genuine), func(i int) bool { return c.Genuine[i] > d }) + c.UnreadableGenuines
	return float64(fa) / float64(max(1, len(c.Impostor))), float64(fr) / float64(max(1, len(c.Genuine)+c.UnreadableGenuines))
}

// PlotDET draws the curves — false rejects against false accepts, both on
// log scales, a rate of zero drawn at half of the smallest rate the pairs
// can show — with each score line of the ROC table marked and the pass
// line (80) ringed, to path: SVG, PNG or PDF by its extension.
func PlotDET(path string, title string, curves []DETCurve) error {
	ext := strings.ToLower(filepath.Ext(path))
	if !slices.Contains([]string{".svg", ".png", ".pdf"}, ext) {
		return fmt.Errorf("calibrate: plot %s: want a .svg, .png or .pdf file", path)
	}
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "false accepts (different people scoring at or above the line)"
	p.Y.Label.Text = "false rejects (the same person below the line)"
	p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
	p.X.Tick.Marker, p.Y.Tick.Marker = percentTicks{}, percentTicks{}
	p.Legend.Top = true
	floorX, floorY := 1.0, 1.0
	for _, c := range curves {
		floorX = min(floorX, 0.5/float64(max(1, len(c.Impostor))))
		floorY = min(floorY, 0.5/float64(max(1, len(c.Genuine)+c.UnreadableGenuines)))
	}
	clamp := func(v, floor float64) float64 { return max(v, floor) }
	colors := []color.Color{color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 255}, color.RGBA{R: 0xd6, G: 0x27, B: 0x28, A: 255},
		color.RGBA{R: 0x2c, G: 0xa0, B: 0x2c, A: 255}, color.RGBA{R: 0x94, G: 0x67, B: 0xbd, A: 255}}
	for i, c := range curves {
		if len(c.Genuine) == 0 || len(c.Impostor) == 0 {
			return fmt.Errorf("calibrate: plot %s: %s has no same-person or no different-person pairs", path, c.Name)
		}
		c.Genuine, c.Impostor = slices.Sorted(slices.Values(c.Genuine)), slices.Sorted(slices.Values(c.Impostor))
		all := slices.Sorted(slices.Values(append(append([]float64{}, c.Genuine...), c.Impostor...)))
		var pts plotter.XYs
		for k, d := range all {
			far, frr := c.rates(d)
			xy := plotter.XY{X: clamp(far, floorX), Y: clamp(frr, floorY)}
			// Keep a point where the curve has moved visibly on the log
			// axes (and the last): tens of thousands of pairs make a
			// curve of a few hundred points.
			if n := len(pts); n > 0 && k < len(all)-1 &&
				math.Abs(math.Log10(xy.X/pts[n-1].X)) < 0.01 && math.Abs(math.Log10(xy.Y/pts[n-1].Y)) < 0.01 {
				continue
			}
			pts = append(pts, xy)
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return fmt.Errorf("calibrate: plot %s: %w", path, err)
		}
		line.Color = colors[i%len(colors)]
		line.Width = vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(c.Name, line)

		var marks plotter.XYs
		var labels []string
		var pass plotter.XYs
		for _, s := range detLines {
			far, frr := c.rates(distanceAt(c.Calibration, s))
			xy := plotter.XY{X: clamp(far, floorX), Y: clamp(frr, floorY)}
			marks = append(marks, xy)
			labels = append(labels, fmt.Sprintf("%.0f", s))
			if s == 80 {
				pass = append(pass, xy)
			}
		}
		sc, err := plotter.NewScatter(marks)
		if err != nil {
			return fmt.Errorf("calibrate: plot %s: %w", path, err)
		}
		sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = line.Color, vg.Points(2.5), draw.CircleGlyph{}
		p.Add(sc)
		ls, err := plotter.NewLabels(plotter.XYLabels{XYs: marks, Labels: labels})
		if err != nil {
			return fmt.Errorf("calibrate: plot %s: %w", path, err)
		}
		for j := range ls.TextStyle {
			ls.TextStyle[j].Color = line.Color
			ls.TextStyle[j].XAlign, ls.TextStyle[j].YAlign = draw.XLeft, draw.YBottom
		}
		ls.Offset = vg.Point{X: vg.Points(3), Y: vg.Points(2)}
		p.Add(ls)
		ring, err := plotter.NewScatter(pass)
		if err != nil {
			return fmt.Errorf("calibrate: plot %s: %w", path, err)
		}
		ring.GlyphStyle.Color, ring.GlyphStyle.Radius, ring.GlyphStyle.Shape = line.Color, vg.Points(6), draw.RingGlyph{}
		p.Add(ring)
	}
	p.Add(plotter.NewGrid())
	if err := p.Save(7*vg.Inch, 5*vg.Inch, path); err != nil {
		return fmt.Errorf("calibrate: plot %s: %w", path, err)
	}
	return nil
}

// percentTicks marks a log axis at each power of ten, labelled as a
// percentage (0.001 % … 100 %), with unlabelled ticks at 2 and 5 times.
type percentTicks struct{}

// Ticks implements plot.Ticker.
func (percentTicks) Ticks(lo, hi float64) []plot.Tick {
	var out []plot.Tick
	for e := -7; e <= 0; e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, float64(e))
			if v < lo/1.0001 || v > hi*1.0001 || v > 1 {
				continue
			}
			label := ""
			if m == 1 {
				label = strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.5f", v*100), "0"), ".") + " %"
			}
			out = append(out, plot.Tick{Value: v, Label: label})
		}
	}
	return out
}
