// Package calibrate fits and checks the face score's 0-100 mapping on
// labelled photos: the pair sets (per-person folders, CSV lists, live
// against ID-style copies), describing every photo once, the false-accept
// and false-reject rates at 80 and at fixed false-accept rates, the
// detection table on small tight copies and the liveness table. recheck
// calibrate and recheck eval-pairs are its commands.
package calibrate

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
)

// calibrateTargetFAR is the false-accept rate the policy line is set at on
// the ID-style pairs of Chinese faces: the commercial convention, a
// vendor's 80 being 1 in 10,000.
const calibrateTargetFAR = 0.0001

// ID-style copies: the admission side of a comparison, small and cut close
// around the head as provincial exam systems keep them. Each photo gets one
// width and one crop factor from these, in turn.
var (
	idWidths  = []int{120, 150, 180, 250, 358}
	idFactors = []float64{1.1, 1.2, 1.3, 1.4}
)

// detectionWidths are the widths the detection table reports.
var detectionWidths = []int{100, 120, 150, 200, 250}

// nuaaSession returns the capture session of a NUAA photo
// (<id>__<ID>_<glasses>_<position>_<session>_<frame>.jpg); photos of one
// session are a burst of near-identical frames.
func nuaaSession(path string) string {
	base := filepath.Base(path)
	if _, after, ok := strings.Cut(base, "__"); ok {
		base = after
	}
	parts := strings.Split(base, "_")
	if len(parts) < 5 {
		return path
	}
	return parts[3]
}

// Options are where Run reads the shared photos and, when set, writes
// every scored pair.
type Options struct {
	// Shared is the shared testdata folder (never its holdout).
	Shared string
	// PairsOut, when set, receives every scored ID-style pair as TSV.
	PairsOut string
	// PlotDir, when set, receives the DET curves of the ID-style sets
	// under the fitted calibrations (det-id-style.svg: every East Asian
	// photo; det-id-style-nuaa.svg: the NUAA volunteers).
	PlotDir string
}

// Run describes the shared labelled photos and ID-style copies of the East
// Asian ones with every embedder of m (loaded uncalibrated) and fits each
// embedder's score mapping for the comparison the service makes, a live
// photo against an ID-style admission photo: 80 where 0.01 % of every
// different-person pair of East Asian live photos against ID-style copies
// score at or above it, 90 at the median of the NUAA volunteers' genuine
// pairs. It prints the detection rate on ID-style copies by width, the
// rates per set and embedder and the liveness table as Markdown, and
// returns the fitted mappings.
func Run(ctx context.Context, m *facematch.Matcher, lim imaging.Limits, opt Options, stdout io.Writer) (map[string]facematch.Calibrated, error) {
	ea := filepath.Join(opt.Shared, "faces-east-asian")
	faces := filepath.Join(opt.Shared, "faces")
	celebIDs, err := folderIdentities(filepath.Join(ea, "nz0001na_Asian_faces"))
	if err != nil {
		return nil, err
	}
	nuaaIDs, err := folderIdentities(filepath.Join(ea, "imironica_liveness_NUAA_live"))
	if err != nil {
		return nil, err
	}
	deep, err := CSVPairs("deepface pairs (Western)", filepath.Join(faces, "deepface-pairs.csv"), filepath.Join(faces, "deepface"), true)
	if err != nil {
		return nil, err
	}
	printed, err := filepath.Glob(filepath.Join(ea, "imironica_liveness_NUAA_printed_photo", "*"))
	if err != nil || len(printed) == 0 {
		return nil, fmt.Errorf("no printed-photo shots in %s", ea)
	}
	eastAsian := map[string]string{}
	for p, id := range celebIDs {
		eastAsian[p] = "celebrity:" + id
	}
	for p, id := range nuaaIDs {
		eastAsian[p] = "nuaa:" + id
	}

	wild := []PairSet{
		AllPairs("East Asian celebrities, in the wild (photo against photo)", celebIDs),
		AllPairs("East Asian NUAA live (photo against photo)", nuaaIDs),
		deep,
		AllPairs("Western per-person folders", PerPersonFolders(faces, "face_recognition-knn_train-", "dlib-johns-")),
	}
	paths := append([]string(nil), printed...)
	for _, s := range wild {
		for _, p := range s.Pairs {
			paths = append(paths, p.A, p.B)
		}
	}
	desc := describeAll(ctx, m, lim, paths)

	// The ID-style copies, each photo at its own width and crop.
	originals := keys(eastAsian)
	idSpec := map[string][2]float64{}
	for i, p := range originals {
		idSpec[p] = [2]float64{float64(idWidths[i%len(idWidths)]), idFactors[(i/len(idWidths))%len(idFactors)]}
	}
	usable := map[string]string{}
	var idPaths []string
	for _, p := range originals {
		if desc[p].d != nil {
			usable[p] = eastAsian[p]
			idPaths = append(idPaths, idKey(p))
		}
	}
	idDesc := describeEach(ctx, m, lim, idPaths, func(k string) ([]byte, error) {
		p := strings.TrimPrefix(k, "id-style:")
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		spec := idSpec[p]
		return imaging.IDStyle(data, lim, desc[p].d.Face.Box, spec[1], int(spec[0]))
	})
	noFace := 0
	for k, v := range idDesc {
		desc[k] = v
		if v.d == nil {
			noFace++
		}
	}
	pick := func(prefix string) map[string]string {
		out := map[string]string{}
		for p, id := range usable {
			if strings.HasPrefix(id, prefix) {
				out[p] = id
			}
		}
		return out
	}
	nuaa, celebs := pick("nuaa:"), pick("celebrity:")
	idSets := []PairSet{
		idStylePairs("NUAA volunteers, live against ID-style", nuaa, nuaa, nil),
		idStylePairs("NUAA volunteers, live against ID-style, other sessions only", nuaa, nuaa, func(a, b string) bool { return nuaaSession(a) != nuaaSession(b) }),
		idStylePairs("celebrities, in the wild, against ID-style", celebs, celebs, nil),
		idStylePairs("all East Asian, live against ID-style", usable, usable, nil),
	}
	const volunteers, all = 0, 3
	idMeasured := make([]measured, len(idSets))
	for i, s := range idSets {
		idMeasured[i] = measure(m, desc, s)
	}
	if opt.PairsOut != "" {
		if err := dumpPairs(opt.PairsOut, m, desc, idSets); err != nil {
			return nil, err
		}
	}

	// The fit: the line from every different-person pair, the 90 knot
	// from the volunteers' genuine pairs (the celebrities' are photos
	// across years and make-up, not a student against their exam photo).
	fitted := map[string]facematch.Calibrated{}
	for _, n := range m.Embedders() {
		g, im := idMeasured[volunteers].dists[n].genuine, idMeasured[all].dists[n].impostor
		c := facematch.Fit(g, im, calibrateTargetFAR)
		c.Pipeline = m.Pipeline(n)
		c.Fitted = fmt.Sprintf("recheck calibrate: 80 where %d of %d different-person pairs of East Asian live photos against ID-style copies (%v px wide, %v times the face box) score 80 or more; 90 at the median of %d genuine pairs of the NUAA volunteers",
			int(calibrateTargetFAR*float64(len(im))), len(im), idWidths, idFactors, len(g))
		fitted[n] = c
	}

	if opt.PlotDir != "" {
		for file, i := range map[string]int{"det-id-style.svg": all, "det-id-style-nuaa.svg": volunteers} {
			var curves []DETCurve
			for _, n := range m.Embedders() {
				d := idMeasured[i].dists[n]
				curves = append(curves, DETCurve{Name: n, Genuine: d.genuine, Impostor: d.impostor,
					Calibration: fitted[n].Knots, UnreadableGenuines: idMeasured[i].unusable})
			}
			if err := PlotDET(filepath.Join(opt.PlotDir, file), "DET: "+idSets[i].Name, curves); err != nil {
				return nil, err
			}
		}
	}

	fmt.Fprintf(stdout, "%d photos described; %d ID-style copies, %d of them without a single face (their genuine pairs count as false rejects).\n\n", len(desc)-len(idPaths), len(idPaths), noFace)
	if err := detectionTable(ctx, stdout, m, lim, desc, originals); err != nil {
		return nil, err
	}
	fmt.Fprintln(stdout)
	ratesHeader(stdout)
	for i, s := range idSets {
		for _, n := range m.Embedders() {
			ratesRow(stdout, s.Name, n, ratesOf(fitted[n].Knots, idMeasured[i].dists[n], idMeasured[i].unusable))
		}
	}
	for _, s := range wild {
		r := measure(m, desc, s)
		for _, n := range m.Embedders() {
			// Photo-against-photo sets skip pairs without a face, as
			// recheck match --pairs does.
			ratesRow(stdout, s.Name, n, ratesOf(fitted[n].Knots, r.dists[n], 0))
		}
	}
	fmt.Fprintln(stdout)
	for _, n := range m.Embedders() {
		raw, _ := json.Marshal(fitted[n].Knots)
		fmt.Fprintf(stdout, "%s: score 80 at distance %.4f; knots (distance, score) %s\n", n, fitted[n].PassDistance, raw)
	}
	if err := livenessTable(ctx, stdout, m, desc, map[string][]string{
		"NUAA printed photos": printed,
		"NUAA live":           keys(nuaaIDs),
		"celebrities (web)":   keys(celebIDs),
	}); err != nil {
		return nil, err
	}
	return fitted, nil
}

// dumpPairs writes every scored pair of the sets as TSV, for looking into
// which pairs a line gets wrong.
func dumpPairs(path string, m *facematch.Matcher, desc map[string]described, sets []PairSet) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := csv.NewWriter(f)
	w.Comma = '\t'
	_ = w.Write([]string{"set", "embedder", "a", "b", "same", "distance"})
	for _, s := range sets {
		for _, p := range s.Pairs {
			a, b := desc[p.A], desc[p.B]
			for _, n := range m.Embedders() {
				dist := "noface"
				if a.d != nil && b.d != nil {
					d, _, err := m.Compare(n, a.d.Vectors[n], b.d.Vectors[n])
					if err != nil {
						return err
					}
					dist = fmt.Sprintf("%.5f", d)
				}
				_ = w.Write([]string{s.Name, n, p.A, p.B, fmt.Sprint(p.Same), dist})
			}
		}
	}
	w.Flush()
	if err := w.Error(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// detectionTable prints the part of ID-style copies of the photos (every
// width of detectionWidths, every factor of idFactors) in which exactly one
// face is found, the way an admission photo is checked.
func detectionTable(ctx context.Context, w io.Writer, m *facematch.Matcher, lim imaging.Limits, desc map[string]described, photos []string) error {
	found, total := map[int]int{}, map[int]int{}
	for _, p := range photos {
		if desc[p].d == nil {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, width := range detectionWidths {
			for _, f := range idFactors {
				small, err := imaging.IDStyle(data, lim, desc[p].d.Face.Box, f, width)
				if err != nil {
					return err
				}
				total[width]++
				if _, fs, _, err := facematch.FindFaces(ctx, m.Finder(), small, lim); err == nil && len(fs) == 1 {
					found[width]++
				}
			}
		}
	}
	fmt.Fprintf(w, "Faces found in ID-style copies of the East Asian photos (cut at %v times the face box):\n\n", idFactors)
	fmt.Fprintln(w, "| width | found |")
	fmt.Fprintln(w, "|---|---|")
	for _, width := range detectionWidths {
		fmt.Fprintf(w, "| %d px | %d of %d (%.1f %%) |\n", width, found[width], total[width], pct(found[width], total[width]))
	}
	return nil
}

// livenessTable prints, for several lines, the part of each group of photos
// whose liveness falls below the line (would be flagged as re-photographed).
func livenessTable(ctx context.Context, w io.Writer, m *facematch.Matcher, desc map[string]described, groups map[string][]string) error {
	names := make([]string, 0, len(groups))
	for n := range groups {
		names = append(names, n)
	}
	sort.Strings(names)
	scores := map[string][]float64{}
	for _, n := range names {
		for _, p := range groups[n] {
			d := desc[p]
			if d.d == nil {
				continue
			}
			live, err := m.Liveness(ctx, d.d)
			if err != nil {
				return err
			}
			scores[n] = append(scores[n], live)
		}
	}
	fmt.Fprintln(w, "\nLiveness (fr_liveness.onnx): part of each group flagged as re-photographed, by line:")
	fmt.Fprintln(w)
	fmt.Fprintf(w, "| flagged below |")
	for _, n := range names {
		fmt.Fprintf(w, " %s (%d) |", n, len(scores[n]))
	}
	fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---|", len(names)))
	for _, line := range []float64{0.05, 0.1, 0.2, 0.3, 0.5, 0.7} {
		fmt.Fprintf(w, "| %.2f |", line)
		for _, n := range names {
			k := 0
			for _, s := range scores[n] {
				if s < line {
					k++
				}
			}
			fmt.Fprintf(w, " %.1f %% |", pct(k, len(scores[n])))
		}
		fmt.Fprintln(w)
	}
	return nil
}
