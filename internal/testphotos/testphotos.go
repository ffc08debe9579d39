// Package testphotos finds the shared labelled photos (../shared/testdata)
// for tests. The photos are never copied into the repository: tests read
// them in place and skip with a clear message when the folder is absent,
// except when Required says the photos must be there.
package testphotos

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
)

var (
	rootOnce sync.Once
	root     string
)

// Root returns the shared testdata directory: $RECHECK_SHARED_TESTDATA, or
// ../shared/testdata beside the repository. It returns "" when neither exists.
func Root() string {
	rootOnce.Do(func() {
		if d := os.Getenv("RECHECK_SHARED_TESTDATA"); d != "" {
			root = d
			return
		}
		dir, err := os.Getwd()
		if err != nil {
			return
		}
		for {
			if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				cand := filepath.Join(dir, "..", "shared", "testdata")
				if st, err := os.Stat(cand); err == nil && st.IsDir() {
					root = filepath.Clean(cand)
				}
				return
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				return
			}
			dir = parent
		}
	})
	return root
}

// Path returns the absolute path of rel inside the shared testdata, skipping
// the test (or failing it in CI) when the file is not there.
func Path(t testing.TB, rel string) string {
	t.Helper()
	r := Root()
	if r == "" {
		missing(t, "the shared testdata folder (../shared/testdata) is absent")
	}
	p := filepath.Join(r, rel)
	if _, err := os.Stat(p); err != nil {
		missing(t, "shared test photo "+rel+" is absent: "+err.Error())
	}
	return p
}

// Read returns the bytes of rel inside the shared testdata (see Path).
func Read(t testing.TB, rel string) []byte {
	t.Helper()
	data, err := os.ReadFile(Path(t, rel))
	if err != nil {
		t.Fatalf("read shared test photo %s: %v", rel, err)
	}
	return data
}

// Required reports whether missing test data fails a test instead of
// skipping it: in CI (CI set), and under make test whenever the shared folder
// exists (RECHECK_REQUIRE_TESTDATA set), so that a wrong path cannot pass as
// a skip.
func Required() bool {
	return os.Getenv("CI") != "" || os.Getenv("RECHECK_REQUIRE_TESTDATA") != ""
}

func missing(t testing.TB, why string) {
	t.Helper()
	if Required() {
		t.Fatalf("%s (CI or RECHECK_REQUIRE_TESTDATA is set, so it must be present)", why)
	}
	t.Skip(why)
}
