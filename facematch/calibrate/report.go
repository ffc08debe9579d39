package calibrate

import (
	"context"
	"fmt"
	"io"
	"sort"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
)

// Report scores every pair of set with every embedder of m (calibrated)
// and prints, per embedder, the figures docs/face-comparison.md's calibration table
// gives (false accepts and false rejects at 80, false rejects at
// false-accept rates of 0.1 % and 0.01 % when there are enough
// different-person pairs to show them) and the ROC points. Same-person
// pairs with a photo without a single face count as false rejects, as the
// service would turn the student away. It returns each embedder's DET
// curve, for PlotDET.
func Report(ctx context.Context, m *facematch.Matcher, lim imaging.Limits, set PairSet, stdout io.Writer) []DETCurve {
	r := describeSet(ctx, m, lim, set, stdout)
	return reportRates(stdout, m, set, r, func(n string) facematch.Calibration { return m.Calibration(n).Knots })
}

// describeSet describes every photo of a set's pairs, measures the
// distances of every pair and prints how many were skipped and why.
func describeSet(ctx context.Context, m *facematch.Matcher, lim imaging.Limits, set PairSet, stdout io.Writer) measured {
	var paths []string
	for _, p := range set.Pairs {
		paths = append(paths, p.A, p.B)
	}
	desc := describeAll(ctx, m, lim, paths)
	r := measure(m, desc, set)
	fmt.Fprintf(stdout, "%d pairs, %d skipped (a photo without a single face; %d of them same-person pairs, counted as false rejects)\n",
		len(set.Pairs), r.skipped, r.unusable)
	reportUnusable(stdout, desc)
	return r
}

// reportRates prints the rates of every embedder of m on a measured set
// under the mappings calOf gives, and returns the DET curves.
func reportRates(stdout io.Writer, m *facematch.Matcher, set PairSet, r measured, calOf func(string) facematch.Calibration) []DETCurve {
	fmt.Fprintln(stdout)
	ratesHeader(stdout)
	for _, n := range m.Embedders() {
		ratesRow(stdout, set.Name, n, ratesOf(calOf(n), r.dists[n], r.unusable))
	}
	for _, n := range m.Embedders() {
		d := r.dists[n]
		cal := calOf(n)
		far, frr := cal.Rates(d.genuine, d.impostor)
		fmt.Fprintf(stdout, "\n%s: %d same, %d different; at 80: false accepts %s, false rejects %s\n", n, len(d.genuine), len(d.impostor),
			Rate(far, len(d.impostor)), Rate(frr, len(d.genuine)))
		fmt.Fprintln(stdout, "  ROC: score line, distance, false-accept rate, false-reject rate (scored pairs)")
		for _, line := range []float64{95, 90, 85, 80, 75, 70, 60, 50} {
			dist := distanceAt(cal, line)
			fa, fr := 0, 0
			for _, x := range d.impostor {
				if x <= dist {
					fa++
				}
			}
			for _, x := range d.genuine {
				if x > dist {
					fr++
				}
			}
			fmt.Fprintf(stdout, "  %5.0f  %.4f  %7.3f %%  %7.3f %%\n", line, dist, pct(fa, len(d.impostor)), pct(fr, len(d.genuine)))
		}
	}
	var curves []DETCurve
	for _, n := range m.Embedders() {
		d := r.dists[n]
		curves = append(curves, DETCurve{Name: n, Genuine: d.genuine, Impostor: d.impostor,
			Calibration: calOf(n), UnreadableGenuines: r.unusable})
	}
	return curves
}

// reportUnusable lists the photos without a single face and why, at most
// ten of them, so that the operator can look at them.
func reportUnusable(w io.Writer, desc map[string]described) {
	var bad []string
	for p, d := range desc {
		if d.d == nil {
			bad = append(bad, p)
		}
	}
	sort.Strings(bad)
	for i, p := range bad {
		if i == 10 {
			fmt.Fprintf(w, "  … and %d more\n", len(bad)-10)
			break
		}
		fmt.Fprintf(w, "  %s: %v\n", p, desc[p].err)
	}
}
