package calibrate

import (
	"fmt"
	"io"
	"sort"

	"github.com/recheck/recheck/facematch"
)

// distances are a set's genuine and impostor distances for one embedder.
type distances struct{ genuine, impostor []float64 }

// measured is a set's distances per embedder, with the pairs that could
// not be scored.
type measured struct {
	dists map[string]distances
	// skipped are the pairs with a photo without a single face; unusable
	// are the genuine ones among them, which count as false rejects (the
	// service would have turned the student away). Impostor pairs without
	// a face are left out: they cannot be falsely accepted.
	skipped, unusable int
}

// measure computes every embedder's distances over a set's pairs.
func measure(m *facematch.Matcher, desc map[string]described, s PairSet) measured {
	out := measured{dists: map[string]distances{}}
	for _, p := range s.Pairs {
		a, b := desc[p.A], desc[p.B]
		if a.d == nil || b.d == nil {
			out.skipped++
			if p.Same {
				out.unusable++
			}
			continue
		}
		for _, n := range m.Embedders() {
			d, _, err := m.Compare(n, a.d.Vectors[n], b.d.Vectors[n])
			if err != nil {
				continue
			}
			x := out.dists[n]
			if p.Same {
				x.genuine = append(x.genuine, d)
			} else {
				x.impostor = append(x.impostor, d)
			}
			out.dists[n] = x
		}
	}
	return out
}

// setRates are a set's figures for one embedder and line.
type setRates struct {
	genuine, impostor      int
	farAt80, frrAt80       float64
	frrAtFAR3, frrAtFAR4   float64 // at false-accept rates 0.1 % and 0.01 %
	reachable3, reachable4 bool    // whether the set has enough impostors to show them
}

// ratesOf computes a set's rates at 80 under cal and at the set's own
// 0.1 % and 0.01 % impostor quantiles; unusable genuine pairs (no single
// face) count as rejects.
func ratesOf(cal facematch.Calibration, d distances, unusable int) setRates {
	r := setRates{genuine: len(d.genuine) + unusable, impostor: len(d.impostor)}
	far, frr := cal.Rates(d.genuine, d.impostor)
	r.farAt80 = far
	r.frrAt80 = (frr*float64(len(d.genuine)) + float64(unusable)) / float64(max(r.genuine, 1))
	im := append([]float64(nil), d.impostor...)
	sort.Float64s(im)
	// at is the false-reject rate with the line just below the impostor
	// that would be one too many: k = target × impostors accepted. A set
	// with fewer than 1 / target impostors cannot show the rate.
	at := func(target float64) (float64, bool) {
		k := int(target * float64(len(im)))
		if k < 1 {
			return 0, false
		}
		line := im[k]
		fr := unusable
		for _, g := range d.genuine {
			if g >= line {
				fr++
			}
		}
		return float64(fr) / float64(max(r.genuine, 1)), true
	}
	r.frrAtFAR3, r.reachable3 = at(0.001)
	r.frrAtFAR4, r.reachable4 = at(0.0001)
	return r
}

// ratesHeader starts a Markdown table of ratesRow rows.
func ratesHeader(w io.Writer) {
	fmt.Fprintln(w, "| set | embedder | same / different pairs | false accepts at 80 | false rejects at 80 | false rejects at 0.1 % false accepts | at 0.01 % |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
}

// ratesRow prints one set's rates for one embedder.
func ratesRow(w io.Writer, name, embedder string, r setRates) {
	at := func(v float64, ok bool) string {
		if !ok {
			return "(too few pairs)"
		}
		return fmt.Sprintf("%.2f %%", 100*v)
	}
	fmt.Fprintf(w, "| %s | %s | %d / %d | %s | %s | %s | %s |\n", name, embedder, r.genuine, r.impostor,
		Rate(r.farAt80, r.impostor), Rate(r.frrAt80, r.genuine), at(r.frrAtFAR3, r.reachable3), at(r.frrAtFAR4, r.reachable4))
}

// Rate prints a rate as count and percentage.
func Rate(r float64, n int) string {
	return fmt.Sprintf("%d (%.2f %%)", int(r*float64(n)+0.5), 100*r)
}

// distanceAt inverts a calibration: the largest distance scoring at least s.
func distanceAt(c facematch.Calibration, s float64) float64 {
	i := sort.Search(len(c), func(i int) bool { return c[i].Score < s })
	if i == 0 {
		return 0
	}
	if i == len(c) {
		return c[len(c)-1].Distance
	}
	a, b := c[i-1], c[i]
	return a.Distance + (a.Score-s)/(a.Score-b.Score)*(b.Distance-a.Distance)
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return 100 * float64(n) / float64(of)
}
