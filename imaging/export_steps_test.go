package imaging

import (
	"context"
	"testing"
	"time"
)

// StepTimes runs the pipeline n times and returns the mean wall time of
// each step, for profiling.
func StepTimes(tb testing.TB, data []byte, det FaceDetector, n int) map[string]time.Duration {
	out := map[string]time.Duration{}
	for i := 0; i < n; i++ {
		j := &job{ctx: context.Background(), opt: Options{Profile: CHSI, Limits: DefaultLimits(), Detector: det, DetectSize: 480}, data: data, res: &Result{}}
		for _, s := range pipeline {
			t := time.Now()
			if err := s.run(j); err != nil {
				tb.Fatal(err)
			}
			out[s.name] += time.Since(t) / time.Duration(n)
			if j.done {
				break
			}
		}
	}
	return out
}
