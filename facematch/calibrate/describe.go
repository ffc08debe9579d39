package calibrate

import (
	"context"
	"os"
	"runtime"
	"sync"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
)

// described is a photo's description, or why it has none.
type described struct {
	d   *facematch.Description
	err error
}

// describeAll describes every path once, in parallel, with the matcher's
// loaded embedders.
func describeAll(ctx context.Context, m *facematch.Matcher, lim imaging.Limits, paths []string) map[string]described {
	return describeEach(ctx, m, lim, paths, os.ReadFile)
}

// describeEach describes the photo load returns for every key once, in
// parallel.
func describeEach(ctx context.Context, m *facematch.Matcher, lim imaging.Limits, paths []string, load func(string) ([]byte, error)) map[string]described {
	out := make(map[string]described, len(paths))
	var mu sync.Mutex
	var wg sync.WaitGroup
	next := make(chan string)
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				var r described
				data, err := load(p)
				if err == nil {
					r.d, r.err = m.Describe(ctx, data, lim)
				} else {
					r.err = err
				}
				mu.Lock()
				out[p] = r
				mu.Unlock()
			}
		}()
	}
	seen := map[string]bool{}
	for _, p := range paths {
		if !seen[p] {
			seen[p] = true
			next <- p
		}
	}
	close(next)
	wg.Wait()
	return out
}

// Described is a photo's description (nil when none could be made) and
// why it has none.
type Described struct {
	Description *facematch.Description
	Err         error
}

// DescribeAll describes every path once, in parallel, with the matcher's
// loaded embedders (recheck match --pairs).
func DescribeAll(ctx context.Context, m *facematch.Matcher, lim imaging.Limits, paths []string) map[string]Described {
	out := map[string]Described{}
	for k, v := range describeAll(ctx, m, lim, paths) {
		out[k] = Described{v.d, v.err}
	}
	return out
}
