package calibrate

import (
	"context"
	"fmt"
	"io"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
)

// FolderTargetFAR is the false-accept rate FitFolders puts 80 at, as the
// built-in calibration does.
const FolderTargetFAR = calibrateTargetFAR

// FitFolders fits the named embedder's 0-100 mapping on a school's own
// labelled photos (set: every pair of PersonFolders): 80 where
// FolderTargetFAR of the different-person pairs score at or above it, 90
// at the median of the same-person pairs. It prints the rates under the
// new mapping and, when there are too few different-person pairs for that
// rate, says where the line sits instead. It fails when a side has no
// pairs with a face on both photos.
func FitFolders(ctx context.Context, m *facematch.Matcher, lim imaging.Limits, name string, set PairSet, stdout io.Writer) (facematch.Calibrated, []DETCurve, error) {
	r := describeSet(ctx, m, lim, set, stdout)
	d := r.dists[name]
	if len(d.genuine) == 0 || len(d.impostor) == 0 {
		return facematch.Calibrated{}, nil, fmt.Errorf("calibrate: %d same-person and %d different-person pairs with a face on both photos; a fit needs both", len(d.genuine), len(d.impostor))
	}
	c := facematch.Fit(d.genuine, d.impostor, FolderTargetFAR)
	c.Pipeline = m.Pipeline(name)
	k := int(FolderTargetFAR * float64(len(d.impostor)))
	c.Fitted = fmt.Sprintf("recheck calibrate --folders %s: 80 where %d of %d different-person pairs score 80 or more; 90 at the median of %d same-person pairs",
		set.Name, k, len(d.impostor), len(d.genuine))
	if k == 0 {
		fmt.Fprintf(stdout, "\nonly %d different-person pairs: a false-accept rate of %.2g %% needs %d or more; 80 sits just under the closest pair's distance (no pair of these accepted), which may be a looser line than the rate\n",
			len(d.impostor), 100*FolderTargetFAR, int(1/FolderTargetFAR))
	}
	curves := reportRates(stdout, m, set, r, func(n string) facematch.Calibration {
		if n == name {
			return c.Knots
		}
		return m.Calibration(n).Knots
	})
	return c, curves, nil
}
