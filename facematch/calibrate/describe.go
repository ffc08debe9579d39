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
	var unique []string
	for _, p := range paths {
		if _, ok := out[p]; !ok {
			out[p] = described{}
			unique = append(unique, p)
		}
	}
	var mu sync.Mutex
	parallel(len(unique), func(i int) {
		var r described
		data, err := load(unique[i])
		if err == nil {
			r.d, r.err = m.Describe(ctx, data, lim)
		} else {
			r.err = err
		}
		mu.Lock()
		out[unique[i]] = r
		mu.Unlock()
	})
	return out
}

// parallel calls fn for every index below n, on as many goroutines as
// there are CPUs, and returns when every call has.
func parallel(n int, fn func(i int)) {
	var wg sync.WaitGroup
	next := make(chan int)
	for range runtime.NumCPU() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
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
