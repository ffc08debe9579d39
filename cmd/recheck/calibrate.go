package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
)

// pairSet is a set of labelled pairs: the photos of identities within a
// folder (every pair of them), or an explicit list.
type pairSet struct {
	name  string
	pairs []labelledPair
}

type labelledPair struct {
	a, b string
	same bool
}

// allPairs returns every pair of photos, labelled by identity.
func allPairs(name string, ids map[string]string) pairSet {
	paths := make([]string, 0, len(ids))
	for p := range ids {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	s := pairSet{name: name}
	for i := range paths {
		for j := i + 1; j < len(paths); j++ {
			s.pairs = append(s.pairs, labelledPair{paths[i], paths[j], ids[paths[i]] == ids[paths[j]]})
		}
	}
	return s
}

// folderIdentities labels each file in dir by the part of its name before
// "__" (the shared East Asian layout).
func folderIdentities(dir string) (map[string]string, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("no photos in %s", dir)
	}
	ids := map[string]string{}
	for _, f := range files {
		ids[f] = strings.SplitN(filepath.Base(f), "__", 2)[0]
	}
	return ids, nil
}

// perPersonFolders labels the files of folders named <prefix><person>.
func perPersonFolders(root string, prefixes ...string) map[string]string {
	ids := map[string]string{}
	for _, pre := range prefixes {
		dirs, _ := filepath.Glob(filepath.Join(root, pre+"*"))
		for _, d := range dirs {
			files, _ := filepath.Glob(filepath.Join(d, "*"))
			for _, f := range files {
				ids[f] = filepath.Base(d)
			}
		}
	}
	return ids
}

// csvPairs reads "a,b,same" rows (a header row is skipped); paths are
// relative to base, same is yes/no/true/false/1/0.
func csvPairs(name, path, base string, labelled bool) (pairSet, error) {
	f, err := os.Open(path)
	if err != nil {
		return pairSet{}, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		return pairSet{}, fmt.Errorf("read %s: %w", path, err)
	}
	s := pairSet{name: name}
	for i, row := range rows {
		if i == 0 && len(row) > 0 && isHeader(row[0]) {
			continue
		}
		if len(row) < 2 || (labelled && len(row) < 3) {
			return pairSet{}, fmt.Errorf("%s line %d: want %s", path, i+1, map[bool]string{true: "a,b,same", false: "a,b"}[labelled])
		}
		p := labelledPair{a: resolve(base, row[0]), b: resolve(base, row[1])}
		if labelled {
			switch strings.ToLower(strings.TrimSpace(row[2])) {
			case "yes", "true", "1", "same":
				p.same = true
			case "no", "false", "0", "different":
			default:
				return pairSet{}, fmt.Errorf("%s line %d: same must be yes/no, got %q", path, i+1, row[2])
			}
		}
		s.pairs = append(s.pairs, p)
	}
	return s, nil
}

// isHeader recognises the first cell of a header row ("a", "file_x").
func isHeader(cell string) bool {
	c := strings.ToLower(strings.TrimSpace(cell))
	return c == "a" || strings.HasPrefix(c, "file")
}

func resolve(base, p string) string {
	p = strings.TrimSpace(p)
	if filepath.IsAbs(p) || base == "" {
		return p
	}
	return filepath.Join(base, p)
}

// distances are a set's genuine and impostor distances for one embedder.
type distances struct{ genuine, impostor []float64 }

// measure computes every embedder's distances over a set's pairs; pairs
// with a photo that has no single face are skipped and counted.
func measure(m *facematch.Matcher, desc map[string]described, s pairSet) (map[string]distances, int) {
	out := map[string]distances{}
	skipped := 0
	for _, p := range s.pairs {
		a, b := desc[p.a], desc[p.b]
		if a.d == nil || b.d == nil {
			skipped++
			continue
		}
		for _, n := range m.Embedders() {
			d, _, err := m.Compare(n, a.d.Vectors[n], b.d.Vectors[n])
			if err != nil {
				skipped++
				continue
			}
			x := out[n]
			if p.same {
				x.genuine = append(x.genuine, d)
			} else {
				x.impostor = append(x.impostor, d)
			}
			out[n] = x
		}
	}
	return out, skipped
}

// calibrateTargetFAR is the false-accept rate the policy line is set at on
// the East Asian pairs.
const calibrateTargetFAR = 0.001

// calibrateCmd: recheck calibrate [--shared DIR] [--write FILE]. Describes
// the shared labelled photos with every embedder, fits each embedder's
// score mapping on the East Asian pairs (80 at a false-accept rate of
// 0.1 %), prints the rates per set and embedder as a Markdown table, and
// writes the mapping (facematch/calibration.json) when asked.
func calibrateCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("calibrate", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return exitFailure, err
	}
	shared := fs.String("shared", "../shared/testdata", "the shared testdata folder (never its holdout)")
	write := fs.String("write", "", "write the fitted calibration JSON here")
	if _, err := parseArgs(fs, args); err != nil {
		return exitFailure, err
	}
	if _, err := newLogger(LogConfig{Format: "console", Level: "warn"}, os.Stderr); err != nil {
		return exitFailure, err
	}
	ea := filepath.Join(*shared, "faces-east-asian")
	faces := filepath.Join(*shared, "faces")
	celebIDs, err := folderIdentities(filepath.Join(ea, "nz0001na_Asian_faces"))
	if err != nil {
		return exitFailure, err
	}
	nuaaIDs, err := folderIdentities(filepath.Join(ea, "imironica_liveness_NUAA_live"))
	if err != nil {
		return exitFailure, err
	}
	deep, err := csvPairs("deepface pairs (Western)", filepath.Join(faces, "deepface-pairs.csv"), filepath.Join(faces, "deepface"), true)
	if err != nil {
		return exitFailure, err
	}
	sets := []pairSet{
		allPairs("East Asian celebrities", celebIDs),
		allPairs("East Asian NUAA live", nuaaIDs),
		deep,
		allPairs("Western per-person folders", perPersonFolders(faces, "face_recognition-knn_train-", "dlib-johns-")),
	}
	imaging.Startup()
	m, err := facematch.NewMatcher(cfg.Faces, runtime.NumCPU(), facematch.EmbedderNames...)
	if err != nil {
		return exitFailure, err
	}
	defer m.Close()
	var paths []string
	for _, s := range sets {
		for _, p := range s.pairs {
			paths = append(paths, p.a, p.b)
		}
	}
	printed, err := filepath.Glob(filepath.Join(ea, "imironica_liveness_NUAA_printed_photo", "*"))
	if err != nil || len(printed) == 0 {
		return exitFailure, fmt.Errorf("no printed-photo shots in %s", ea)
	}
	paths = append(paths, printed...)
	desc := describeAll(ctx, m, cfg.Limits, paths)
	unusable := 0
	for _, d := range desc {
		if d.d == nil {
			unusable++
		}
	}
	dists := make([]map[string]distances, len(sets))
	skipped := make([]int, len(sets))
	for i, s := range sets {
		dists[i], skipped[i] = measure(m, desc, s)
	}

	fitted := map[string]facematch.Calibrated{}
	for _, n := range m.Embedders() {
		var g, im []float64
		for i := 0; i < 2; i++ { // the East Asian sets
			g = append(g, dists[i][n].genuine...)
			im = append(im, dists[i][n].impostor...)
		}
		c := facematch.Fit(g, im, calibrateTargetFAR)
		c.Fitted = fmt.Sprintf("recheck calibrate: %d genuine and %d impostor pairs of the East Asian celebrities and NUAA live sets; 80 at their 0.1 %% impostor quantile", len(g), len(im))
		fitted[n] = c
	}

	fmt.Fprintf(stdout, "%d photos described, %d without a single face (their pairs skipped).\n\n", len(desc), unusable)
	fmt.Fprintln(stdout, "| set | embedder | same / different pairs | false accepts at 80 | false rejects at 80 |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|")
	for i, s := range sets {
		for _, n := range m.Embedders() {
			d := dists[i][n]
			far, frr := fitted[n].Knots.Rates(d.genuine, d.impostor)
			fmt.Fprintf(stdout, "| %s | %s | %d / %d | %s | %s |\n", s.name, n, len(d.genuine), len(d.impostor),
				rate(far, len(d.impostor)), rate(frr, len(d.genuine)))
		}
	}
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "Cross-check, each East Asian set scored with a line fitted on the other alone:")
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout, "| fitted on | scored on | embedder | false accepts at 80 | false rejects at 80 |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|")
	for _, pair := range [][2]int{{0, 1}, {1, 0}} {
		for _, n := range m.Embedders() {
			fit := facematch.Fit(dists[pair[0]][n].genuine, dists[pair[0]][n].impostor, calibrateTargetFAR)
			d := dists[pair[1]][n]
			far, frr := fit.Knots.Rates(d.genuine, d.impostor)
			fmt.Fprintf(stdout, "| %s | %s | %s | %s | %s |\n", sets[pair[0]].name, sets[pair[1]].name, n, rate(far, len(d.impostor)), rate(frr, len(d.genuine)))
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
		return exitFailure, err
	}
	if *write != "" {
		raw, err := json.MarshalIndent(fitted, "", "  ")
		if err != nil {
			return exitFailure, err
		}
		if err := os.WriteFile(*write, append(raw, '\n'), 0o644); err != nil {
			return exitFailure, err
		}
		fmt.Fprintf(stdout, "\nwrote %s\n", *write)
	}
	return exitOK, nil
}

// rate prints a rate as count and percentage.
func rate(r float64, n int) string {
	return fmt.Sprintf("%d (%.2f %%)", int(r*float64(n)+0.5), 100*r)
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
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
