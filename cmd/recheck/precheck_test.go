package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/loadtest"
	"github.com/recheck/recheck/internal/testphotos"
)

// TestPrecheckAgreesWithTheCapture: on the shared photos, with the real
// engines, the free quality check gives every photo the verdict its
// capture gets: would it be standardized, the failed checks with their
// values, and the review flags (none of these photos passes with one; the
// fake engines' test in package worker compares flags).
func TestPrecheckAgreesWithTheCapture(t *testing.T) {
	photos := []string{
		"faces/deepface/img14.jpg",                  // a phone portrait on a plain wall
		"faces/deepface/img18.jpg",                  // another
		"faces/hivision-demo/test1.jpg",             // an ID-style photo
		"faces/face_recognition-tests/obama2.jpg",   // a busy background
		"faces/face_recognition-examples/biden.jpg", // a press photo
		"faces/face_recognition-tests/obama_partial_face.jpg",
		"faces/dlib-nonface/dog.jpg", // no face
		"faces/face_recognition-knn_test/alex_lacamoire1.jpg",
		"faces-east-asian/imironica_liveness_NUAA_printed_photo/nuaa0001__0001_00_00_01_125.jpg", // a printed photo, shot again
		"faces-east-asian/imironica_liveness_NUAA_live/nuaa0001__0001_00_00_01_185.jpg",
		"faces/deepface/img2.jpg",
		"faces/deepface/img33.jpg",
		"faces/hivision-demo/test0.jpg",
		"faces/hivision-demo/test3.jpg",
	}
	s := startService(t)
	ctx := context.Background()
	passed, refused := 0, 0
	for i, rel := range photos {
		photo := testphotos.Read(t, rel)
		resp, err := s.up.Precheck(ctx, "cjlu", fmt.Sprintf("P%02d", i), photo)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.Status, "%s: %s", rel, resp.Body)
		var pre map[string]any
		require.NoError(t, resp.Decode(&pre))
		require.Equal(t, false, pre["counted"])

		status, body := s.postCapture(t, fmt.Sprintf("C%02d", i), photo)
		require.Equal(t, http.StatusAccepted, status, "%s: %v", rel, body)
		c := s.waitSettled(t, body["id"].(string))
		require.Equal(t, c["state"] == "awaiting_confirmation", pre["would_standardize"], "%s: precheck %v, capture %v (%v)", rel, pre["would_standardize"], c["state"], c["findings"])
		require.Equal(t, c["findings"], pre["findings"], rel)
		require.Equal(t, c["review"], pre["review_flags"], rel)
		t.Logf("%s: would_standardize=%v findings=%d review_flags=%d", rel, pre["would_standardize"], len(pre["findings"].([]any)), len(pre["review_flags"].([]any)))
		if pre["would_standardize"] == true {
			passed++
		} else {
			refused++
		}
	}
	require.Positive(t, passed, "some photos pass")
	require.Positive(t, refused, "some photos are refused")
	keys := countStored(t, s)
	require.Equal(t, len(photos), keys, "the prechecks stored nothing: one directory per capture")
}

// countStored counts the capture directories in the service's storage.
func countStored(t *testing.T, s *service) int {
	t.Helper()
	dirs, err := filepath.Glob(filepath.Join(s.store, "schools", "cjlu", "captures", "*"))
	require.NoError(t, err)
	return len(dirs)
}

// BenchmarkPrecheck is the free quality check of a 12 MP phone-like photo
// (deepface img14 as the load harness makes it: 3000 × 4000, sensor-like
// noise, quality 92) through the whole service (signed HTTP request,
// upload gate, metadata strip, the standardization's checks), with four
// callers at once, as students reshooting in a burst do. It reports the
// latency percentiles of one precheck as p50-ms and p95-ms, and the
// process's CPU per precheck.
func BenchmarkPrecheck(b *testing.B) {
	const callers = 4
	s := startService(b) // the default slots: two per CPU, four here
	photo, err := loadtest.PhoneLike(testphotos.Read(b, "faces/deepface/img14.jpg"), 3000, 4000, 1)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	once := func(i int) time.Duration {
		start := time.Now()
		resp, err := s.up.Precheck(ctx, "cjlu", fmt.Sprintf("B%d", i), photo)
		if err != nil {
			b.Errorf("precheck: %v", err)
		} else if resp.Status != http.StatusOK {
			b.Errorf("precheck: %d %s", resp.Status, resp.Body)
		}
		return time.Since(start)
	}
	run := func(n int) []time.Duration {
		lat := make([]time.Duration, n)
		var next atomic.Int64
		var wg sync.WaitGroup
		for range callers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
					lat[i] = once(i)
				}
			}()
		}
		wg.Wait()
		return lat
	}
	run(8 * callers) // every slot's models made (they are made on first need)
	cpu0 := cpuTime()
	b.ResetTimer()
	lat := run(b.N)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(lat[b.N/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(lat[min(b.N-1, b.N*95/100)].Microseconds())/1000, "p95-ms")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
