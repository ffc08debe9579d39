package facematch

import "sort"

// PassScore is the policy line of the capture rules: a portrait score below
// it blocks the capture automatically.
const PassScore = 80

// Knot is one point of a score mapping: a distance and the score it gets.
type Knot struct {
	Distance float64
	Score    float64
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

// DlibCalibration maps dlib's Euclidean descriptor distance to the score.
//
// Provisional: 80 sits at distance 0.5, stricter than dlib's customary 0.6,
// which accepts many pairs of different East Asian people. The calibration
// on the labelled pairs (README, "Face comparison") replaces these knots.
var DlibCalibration = Calibration{
	{Distance: 0, Score: 100},
	{Distance: 0.5, Score: PassScore},
	{Distance: 0.8, Score: 20},
	{Distance: 1.2, Score: 0},
}
