// Package testmodels finds the face models for tests: $RECHECK_MODELS_DIR or
// ~/.cache/recheck/models, where `make test` puts them. Tests skip with a
// clear message when they are absent, except where testphotos.Required says
// test data must be present.
package testmodels

import (
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/internal/testphotos"
)

// Dir returns the models directory, skipping (or, in CI, failing) the test
// when a model file is missing.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("RECHECK_MODELS_DIR")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "recheck", "models")
	}
	for _, name := range facematch.ModelFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			msg := "face model " + name + " is not in " + dir + " (run `make test`, which fetches it)"
			if testphotos.Required() {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	return dir
}

var (
	poolOnce sync.Once
	pool     *facematch.Pool
	poolErr  error

	detOnce sync.Once
	dets    *facematch.Detectors
	detErr  error
)

// Detectors returns a face detector pool shared by the tests of a package.
func Detectors(t testing.TB) *facematch.Detectors {
	t.Helper()
	dir := Dir(t)
	detOnce.Do(func() { dets, detErr = facematch.NewDetectors(dir, 2) })
	if detErr != nil {
		t.Fatalf("load face detector: %v", detErr)
	}
	return dets
}

// Pool returns a recognizer pool shared by the tests of a package (loading
// the models takes about half a second per recognizer).
func Pool(t testing.TB) *facematch.Pool {
	t.Helper()
	dir := Dir(t)
	poolOnce.Do(func() { pool, poolErr = facematch.NewPool(dir, 2) })
	if poolErr != nil {
		t.Fatalf("load face models: %v", poolErr)
	}
	return pool
}

var (
	matcherOnce sync.Once
	matcher     *facematch.Matcher
	matcherErr  error
)

// Matcher returns a matcher with every embedder loaded, shared by the tests
// of a package; the configured default is arcface.
func Matcher(t testing.TB) *facematch.Matcher {
	t.Helper()
	dir := Dir(t)
	for _, name := range facematch.ONNXFiles {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			msg := "ONNX file " + name + " is not in " + dir + " (run `make test`, which fetches it)"
			if testphotos.Required() {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	matcherOnce.Do(func() {
		matcher, matcherErr = facematch.NewMatcher(facematch.Config{ModelsDir: dir, Embedder: facematch.EmbedderArcFace}, 2, facematch.EmbedderNames...)
	})
	if matcherErr != nil {
		t.Fatalf("load matcher: %v", matcherErr)
	}
	return matcher
}
