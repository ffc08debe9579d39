package facematch

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"sort"
)

// AnchorScore is the point of the 0-100 scale that the calibration puts at
// the target false-accept rate: a property of the scale, not a policy. The
// policy line that blocks captures is capture's (Rules.PassScore, 80 by
// default, set at this anchor; a test keeps the two equal).
const AnchorScore = 80

// Knot is one point of a score mapping: a distance and the score it gets.
type Knot struct {
	Distance float64
	Score    float64
}

// MarshalJSON writes a knot as [distance, score].
func (k Knot) MarshalJSON() ([]byte, error) { return json.Marshal([2]float64{k.Distance, k.Score}) }

// UnmarshalJSON reads a knot written as [distance, score].
func (k *Knot) UnmarshalJSON(b []byte) error {
	var v [2]float64
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	k.Distance, k.Score = v[0], v[1]
	return nil
}

// Calibration maps an embedder's distance to the 0-100 score, piecewise
// linearly between knots sorted by distance, with falling scores: monotone
// by construction. Distances beyond the last knot get its score.
type Calibration []Knot

// Score returns the score for distance d, rounded to one decimal.
func (c Calibration) Score(d float64) float64 {
	if len(c) == 0 {
		return 0
	}
	i := sort.Search(len(c), func(i int) bool { return c[i].Distance >= d })
	var s float64
	switch {
	case i == 0:
		s = c[0].Score
	case i == len(c):
		s = c[len(c)-1].Score
	default:
		a, b := c[i-1], c[i]
		s = a.Score + (d-a.Distance)/(b.Distance-a.Distance)*(b.Score-a.Score)
	}
	return float64(int(s*10+0.5)) / 10
}

// Validate reports a mapping that is not monotone or does not span 0-100.
func (c Calibration) Validate() error {
	if len(c) < 2 {
		return fmt.Errorf("facematch: calibration needs at least two knots")
	}
	for i := 1; i < len(c); i++ {
		if c[i].Distance <= c[i-1].Distance || c[i].Score > c[i-1].Score {
			return fmt.Errorf("facematch: calibration not monotone at knot %d", i)
		}
	}
	if c[0].Score != 100 || c[len(c)-1].Score != 0 {
		return fmt.Errorf("facematch: calibration must run from 100 to 0")
	}
	return nil
}

// Calibrated is an embedder's fitted mapping, with how it was fitted.
type Calibrated struct {
	Knots Calibration `json:"knots"`
	// PassDistance is the distance that scores AnchorScore.
	PassDistance float64 `json:"pass_distance"`
	// Fitted says on what and how the knots were fitted.
	Fitted string `json:"fitted"`
	// Pipeline is the embedder's pipeline (Pipelines) the knots were
	// fitted on.
	Pipeline string `json:"pipeline"`
}

// Check reports a mapping fitted on another pipeline than the named
// embedder's current one: its distances would be scored on the wrong
// scale.
func (c Calibrated) Check(name string) error {
	if want := Pipelines[name]; c.Pipeline != want {
		return fmt.Errorf("facematch: the %s calibration was fitted on pipeline %q, the embedder is %q now; run make calibrate", name, c.Pipeline, want)
	}
	return nil
}

//go:embed calibration.json
var calibrationJSON []byte

// Calibrations are the fitted mappings of every embedder, produced by
// `recheck calibrate` (make calibrate) from the shared labelled pairs.
var Calibrations = mustCalibrations(calibrationJSON)

func mustCalibrations(raw []byte) map[string]Calibrated {
	var m map[string]Calibrated
	if err := json.Unmarshal(raw, &m); err != nil {
		panic("facematch: calibration.json: " + err.Error())
	}
	for name, c := range m {
		if err := c.Knots.Validate(); err != nil {
			panic("facematch: calibration.json: " + name + ": " + err.Error())
		}
	}
	return m
}

// Fit builds a calibration from the distances of genuine (same person) and
// impostor (different people) pairs: 80 sits where a fraction far of the
// impostors (rounded down) score at or above it (the false-accept rate at
// the policy line); 90 at the genuine pairs' median, 60 at the impostors' 1st
// percentile, 30 at their median and 0 at their largest distance (or just
// past the line, whichever is further). Knots that would not be strictly
// increasing in distance are dropped.
func Fit(genuine, impostor []float64, far float64) Calibrated {
	g := append([]float64(nil), genuine...)
	im := append([]float64(nil), impostor...)
	sort.Float64s(g)
	sort.Float64s(im)
	q := func(v []float64, f float64) float64 {
		i := int(f * float64(len(v)))
		return v[min(max(i, 0), len(v)-1)]
	}
	// 80 halfway between the k-th and (k+1)-th closest impostor, k the
	// impostors far allows: exactly k score 80 or more.
	k := int(far * float64(len(im)))
	pass := im[0] * 0.999
	if k >= len(im) {
		pass = im[len(im)-1]
	} else if k > 0 {
		pass = (im[k-1] + im[k]) / 2
	}
	end := im[len(im)-1]
	cands := []Knot{
		{0, 100},
		{q(g, 0.5), 90},
		{pass, AnchorScore},
		{q(im, 0.01), 60},
		{q(im, 0.5), 30},
		{max(end, pass*1.5), 0},
	}
	knots := Calibration{cands[0]}
	for _, k := range cands[1:] {
		last := knots[len(knots)-1]
		if k.Distance > last.Distance && k.Score < last.Score {
			knots = append(knots, k)
		}
	}
	if knots[len(knots)-1].Score != 0 {
		knots = append(knots, Knot{knots[len(knots)-1].Distance * 1.5, 0})
	}
	return Calibrated{Knots: knots, PassDistance: pass}
}

// Rates returns the false-accept rate (impostor pairs scoring at least 80)
// and false-reject rate (genuine pairs below 80) of a calibration.
func (c Calibration) Rates(genuine, impostor []float64) (far, frr float64) {
	fa, fr := 0, 0
	for _, d := range impostor {
		if c.Score(d) >= AnchorScore {
			fa++
		}
	}
	for _, d := range genuine {
		if c.Score(d) < AnchorScore {
			fr++
		}
	}
	if len(impostor) > 0 {
		far = float64(fa) / float64(len(impostor))
	}
	if len(genuine) > 0 {
		frr = float64(fr) / float64(len(genuine))
	}
	return far, frr
}
