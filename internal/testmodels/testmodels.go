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
// when a dlib model file is missing.
func Dir(t testing.TB) string {
	t.Helper()
	dir := os.Getenv("RECHECK_MODELS_DIR")
	if dir == "" {
		home, _ := os.UserHomeDir()
		dir = filepath.Join(home, ".cache", "recheck", "models")
	}
	requireFiles(t, dir, "face model", facematch.ModelFiles)
	return dir
}

// requireFiles skips (or, where test data is required, fails) the test when
// one of the files is not in dir.
func requireFiles(t testing.TB, dir, what string, names []string) {
	t.Helper()
	for _, name := range names {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			msg := what + " " + name + " is not in " + dir + " (run `make test`, which fetches it)"
			if testphotos.Required() {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
}

// shared is a value loaded once and shared by the tests of a package.
type shared[T any] struct {
	once sync.Once
	v    T
	err  error
}

// get loads the value on first use and fails the test when loading failed.
func (s *shared[T]) get(t testing.TB, what string, load func() (T, error)) T {
	t.Helper()
	s.once.Do(func() { s.v, s.err = load() })
	if s.err != nil {
		t.Fatalf("load %s: %v", what, s.err)
	}
	return s.v
}

var (
	ultra     shared[*facematch.UltraFaces]
	detectors shared[*facematch.Detectors]
	pool      shared[*facematch.Pool]
	matcher   shared[*facematch.Matcher]
)

// Detectors returns a face detector pool shared by the tests of a package.
func Detectors(t testing.TB) *facematch.Detectors {
	t.Helper()
	dir := Dir(t)
	return detectors.get(t, "face detector", func() (*facematch.Detectors, error) {
		return facematch.NewDetectors(dir, 2)
	})
}

// UltraFaces returns an UltraFace detector pool shared by the tests of a
// package.
func UltraFaces(t testing.TB) *facematch.UltraFaces {
	t.Helper()
	dir := Dir(t)
	requireFiles(t, dir, "face model", []string{facematch.UltraFaceModel})
	return ultra.get(t, "UltraFace detector", func() (*facematch.UltraFaces, error) {
		return facematch.NewUltraFaces(dir, "", 2, facematch.DefaultUltraFaceThreshold)
	})
}

// Pool returns a recognizer pool shared by the tests of a package (loading
// the models takes about half a second per recognizer).
func Pool(t testing.TB) *facematch.Pool {
	t.Helper()
	dir := Dir(t)
	return pool.get(t, "face models", func() (*facematch.Pool, error) {
		return facematch.NewPool(dir, 2)
	})
}

// Matcher returns a matcher with every embedder loaded, shared by the tests
// of a package; the configured default is arcface.
func Matcher(t testing.TB) *facematch.Matcher {
	t.Helper()
	dir := Dir(t)
	requireFiles(t, dir, "ONNX file", facematch.ONNXFiles)
	return matcher.get(t, "matcher", func() (*facematch.Matcher, error) {
		return facematch.NewMatcher(facematch.Config{ModelsDir: dir, Embedder: facematch.EmbedderArcFace}, 2, facematch.EmbedderNames...)
	})
}
