package calibrate

import (
	"context"
	"fmt"
	"image"
	"io"
	"os"
	"time"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
)

// Detector is a face detector under evaluation, by name.
type Detector struct {
	Name string
	Det  imaging.FaceDetector
}

// Variant makes one synthetic copy of a photo whose face is at box (in
// the photo's oriented pixels); i is the photo's index, which variants use
// to spread their edges and directions over the photos.
type Variant struct {
	Name string
	Make func(photo []byte, lim imaging.Limits, box image.Rectangle, i int) ([]byte, error)
}

// DetectionVariants are the copies the detector table reports: the photo
// as shot, ID-style copies (small, cut close), faces cut by the frame's
// edge (each photo by another edge), the photo turned (each photo the
// other way), and dimmed.
func DetectionVariants() []Variant {
	v := []Variant{{"as shot", func(p []byte, _ imaging.Limits, _ image.Rectangle, _ int) ([]byte, error) { return p, nil }}}
	for _, width := range []int{120, 200} {
		v = append(v, Variant{fmt.Sprintf("ID-style, %d px", width), func(p []byte, lim imaging.Limits, box image.Rectangle, i int) ([]byte, error) {
			return imaging.IDStyle(p, lim, box, idFactors[i%len(idFactors)], width)
		}})
	}
	for _, part := range []float64{0.10, 0.25, 0.40} {
		v = append(v, Variant{fmt.Sprintf("%.0f %% of the face outside", part*100), func(p []byte, lim imaging.Limits, box image.Rectangle, i int) ([]byte, error) {
			return imaging.CutOff(p, lim, box, part, imaging.Edge(i%4), 300)
		}})
	}
	for _, deg := range []float64{15, 30, 45} {
		v = append(v, Variant{fmt.Sprintf("turned ±%.0f°", deg), func(p []byte, lim imaging.Limits, _ image.Rectangle, i int) ([]byte, error) {
			return imaging.Rotated(p, lim, deg*float64(1-2*(i%2)))
		}})
	}
	v = append(v, Variant{"dimmed to a quarter", func(p []byte, lim imaging.Limits, _ image.Rectangle, _ int) ([]byte, error) {
		return imaging.Dimmed(p, lim, 0.25)
	}})
	return v
}

// DetectionCell is one detector's result on one variant.
type DetectionCell struct {
	// Found counts copies in which at least one face was found, of Total.
	Found, Total int
	// MS is the mean time of the comparison's detection (decode, detection
	// at 640 px then 1,280, the rescue of small photos), in milliseconds.
	MS float64
}

// DetectionTable is each variant's cells by detector, and the false
// detections on photos without a human face.
type DetectionTable struct {
	Variants  []string
	Detectors []string
	Cells     map[string]map[string]DetectionCell
	// False counts faces found on the photos without one, by detector, of
	// NonFaces photos.
	False    map[string]int
	NonFaces int
	// Photos counts the photos the variants were made of (those in which
	// the reference found one face).
	Photos int
}

// EvalDetectors runs each detector the way the comparison does
// (facematch.FindFaces) on every variant of every photo, and on the photos
// without a face. The face box the variants are cut around is ref's
// single face on the photo as shot; photos where ref finds none, or more
// than one, are left out.
func EvalDetectors(ctx context.Context, ref imaging.FaceDetector, dets []Detector, variants []Variant, photos, nonFaces []string, lim imaging.Limits) (*DetectionTable, error) {
	t := &DetectionTable{Cells: map[string]map[string]DetectionCell{}, False: map[string]int{}, NonFaces: len(nonFaces)}
	for _, d := range dets {
		t.Detectors = append(t.Detectors, d.Name)
	}
	for _, v := range variants {
		t.Variants = append(t.Variants, v.Name)
		t.Cells[v.Name] = map[string]DetectionCell{}
	}
	for i, p := range photos {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		_, faces, scale, err := facematch.FindFaces(ctx, ref, data, lim)
		if err != nil || len(faces) != 1 {
			continue
		}
		t.Photos++
		b := faces[0].Box
		box := image.Rect(int(float64(b.Min.X)*scale), int(float64(b.Min.Y)*scale), int(float64(b.Max.X)*scale), int(float64(b.Max.Y)*scale))
		for _, v := range variants {
			copyData, err := v.Make(data, lim, box, i)
			if err != nil {
				return nil, fmt.Errorf("calibrate: %s of %s: %w", v.Name, p, err)
			}
			for _, d := range dets {
				start := time.Now()
				_, fs, _, err := facematch.FindFaces(ctx, d.Det, copyData, lim)
				ms := float64(time.Since(start).Microseconds()) / 1000
				c := t.Cells[v.Name][d.Name]
				c.MS = (c.MS*float64(c.Total) + ms) / float64(c.Total+1)
				c.Total++
				if err == nil && len(fs) > 0 {
					c.Found++
				}
				t.Cells[v.Name][d.Name] = c
			}
		}
	}
	for _, p := range nonFaces {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		for _, d := range dets {
			if _, fs, _, err := facematch.FindFaces(ctx, d.Det, data, lim); err == nil {
				t.False[d.Name] += len(fs)
			}
		}
	}
	return t, nil
}

// Write prints the table in Markdown: per variant, each detector's faces
// found and time; then the false detections.
func (t *DetectionTable) Write(w io.Writer) {
	fmt.Fprintf(w, "Faces found, by detector, in copies of %d labelled photos (each with one face as shot), and the mean time of the comparison's detection per copy:\n\n", t.Photos)
	fmt.Fprint(w, "| copy |")
	for _, d := range t.Detectors {
		fmt.Fprintf(w, " %s found | %s ms |", d, d)
	}
	fmt.Fprint(w, "\n|---|")
	for range t.Detectors {
		fmt.Fprint(w, "---|---|")
	}
	fmt.Fprintln(w)
	for _, v := range t.Variants {
		fmt.Fprintf(w, "| %s |", v)
		for _, d := range t.Detectors {
			c := t.Cells[v][d]
			fmt.Fprintf(w, " %d of %d (%.1f %%) | %.1f |", c.Found, c.Total, pct(c.Found, c.Total), c.MS)
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintf(w, "\nFaces found on %d photos without a human face:", t.NonFaces)
	for _, d := range t.Detectors {
		fmt.Fprintf(w, " %s %d;", d, t.False[d])
	}
	fmt.Fprintln(w)
}
