package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/capture/redisstore"
	"github.com/recheck/recheck/export"
	"github.com/recheck/recheck/internal/redistest"
	"github.com/recheck/recheck/storage"
)

type fixture struct {
	ctx   context.Context
	repo  *redisstore.Repository
	store storage.Store
	ex    *export.Exporter
	rs    *redistest.Server
}

func setup(t *testing.T) *fixture {
	t.Helper()
	rs := redistest.Start(t)
	st, err := storage.NewFS(t.TempDir())
	require.NoError(t, err)
	repo := redisstore.New(redisstore.Params{Redis: rs.Client, Store: st})
	return &fixture{ctx: context.Background(), repo: repo, store: st, rs: rs,
		ex: &export.Exporter{Repo: repo, Store: st, Now: func() time.Time { return time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC) }}}
}

// put saves a capture of student in state with a standardized photo of
// size bytes (none when size is 0), approved at minute min.
func (f *fixture) put(t testing.TB, id, school, cohort, student, number string, state capture.State, min, size int) {
	t.Helper()
	at := time.Date(2026, 9, 1, 8, min, 0, 0, time.UTC)
	rec := &capture.Record{
		ID: id, School: school, Cohort: cohort, StudentID: student, State: state,
		Document: capture.Document{Type: "resident_id", Number: number, Name: "张三"},
		Stages:   map[string]capture.Stage{capture.StageStandardize: {}},
		Match:    &capture.Match{Score: 91.5, PassScore: 80, CTID: &capture.CTIDCheck{Outcome: "pass"}},
		Decision: &capture.ReviewDecision{Decision: capture.Approve, Reviewer: "reviewer:li", At: at},
		History:  []capture.Event{{Seq: 1, At: at, To: state, Cause: capture.CauseSubmitted, Actor: "upstream"}},
	}
	_, err := f.repo.Do(f.ctx, school, student, func(tx capture.Tx) error { return tx.Create(rec) })
	require.NoError(t, err)
	if size > 0 {
		photo := bytes.Repeat([]byte{byte(len(id))}, size)
		copy(photo, id)
		require.NoError(t, f.store.Put(f.ctx, capture.StandardizedKey(school, id), photo))
	}
}

func read(t *testing.T, data []byte) (map[string][]byte, [][]string, []string) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	files := map[string][]byte{}
	var order []string
	for _, f := range zr.File {
		rc, err := f.Open()
		require.NoError(t, err)
		b, err := io.ReadAll(rc)
		require.NoError(t, err)
		files[f.Name] = b
		order = append(order, f.Name)
	}
	rows, err := csv.NewReader(bytes.NewReader(files["manifest.csv"])).ReadAll()
	require.NoError(t, err)
	return files, rows, order
}

func TestExportHoldsExactlyTheSchoolsLatestApprovals(t *testing.T) {
	t.Parallel()
	f := setup(t)
	f.put(t, "c-old", "cjlu", "2026", "S2", "11010519491231002X", capture.Approved, 1, 100)
	f.put(t, "c-new", "cjlu", "2026", "S2", "11010519491231002X", capture.Approved, 9, 120) // the same student, later
	f.put(t, "c-s1", "cjlu", "2026", "S1", "44052419800101001x", capture.Approved, 2, 90)
	f.put(t, "c-pending", "cjlu", "2026", "S3", "110105194912310037", capture.PendingReview, 3, 90)
	f.put(t, "c-other", "zju", "2026", "S9", "110105194912310045", capture.Approved, 4, 90)
	f.put(t, "c-2025", "cjlu", "2025", "S7", "110105194912310053", capture.Approved, 5, 90)
	f.put(t, "c-purged", "cjlu", "2026", "S8", "11010519491231006X", capture.Approved, 6, 0)

	var buf bytes.Buffer
	sum, err := f.ex.Write(f.ctx, export.Options{School: "cjlu", Cohort: "2026", User: "admin"}, &buf)
	require.NoError(t, err)
	require.Equal(t, export.Summary{School: "cjlu", Cohort: "2026", User: "admin", At: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Photos: 2, Skipped: 1, Students: 3}, sum)
	files, rows, order := read(t, buf.Bytes())
	require.Equal(t, []string{"44052419800101001X.jpg", "11010519491231002X.jpg", "manifest.csv"}, order, "student-ID order, CHSI names")
	require.True(t, bytes.HasPrefix(files["11010519491231002X.jpg"], []byte("c-new")), "the latest approval")
	require.Len(t, files["11010519491231002X.jpg"], 120)
	require.Equal(t, [][]string{
		{"file", "student_id", "capture_id", "approved_at", "score", "ctid_outcome", "note"},
		{"44052419800101001X.jpg", "S1", "c-s1", "2026-09-01T08:02:00Z", "91.5", "pass", ""},
		{"11010519491231002X.jpg", "S2", "c-new", "2026-09-01T08:09:00Z", "91.5", "pass", ""},
		{"", "S8", "c-purged", "2026-09-01T08:06:00Z", "91.5", "pass", "standardized photo deleted (retention); not exported"},
	}, rows)

	// The same data gives the same bytes.
	var again bytes.Buffer
	_, err = f.ex.Write(f.ctx, export.Options{School: "cjlu", Cohort: "2026", User: "li"}, &again)
	require.NoError(t, err)
	require.Equal(t, buf.Bytes(), again.Bytes())

	// Every cohort; a school with nothing approved.
	buf.Reset()
	sum, err = f.ex.Write(f.ctx, export.Options{School: "cjlu", User: "admin"}, &buf)
	require.NoError(t, err)
	require.Equal(t, 3, sum.Photos)
	_, err = f.ex.Write(f.ctx, export.Options{School: "nobody", User: "admin"}, io.Discard)
	require.ErrorIs(t, err, export.ErrNothing)
}

// TestExportMemoryIsFlat: 2,000 photos of 60 KB (120 MB in all) go out
// with the heap growing by a small fraction of that
// (RECHECK_EXPORT_PHOTOS=10000 for the BENCHMARKS.md figure).
func TestExportMemoryIsFlat(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("writes 2,000 photos")
	}
	f := setup(t)
	n, size := 2000, 60<<10
	if v, err := strconv.Atoi(os.Getenv("RECHECK_EXPORT_PHOTOS")); err == nil && v > 0 {
		n = v
	}
	for i := range n {
		f.put(t, fmt.Sprintf("c%05d", i), "cjlu", "2026", fmt.Sprintf("S%05d", i), fmt.Sprintf("1101051949123%05d", i), capture.Approved, i%60, size)
	}
	// The live heap (after a collection) every 100 photos.
	live := func() uint64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	base := live()
	peak := base
	start := time.Now()
	sum, err := f.ex.Write(f.ctx, export.Options{School: "cjlu", User: "admin", Progress: func(done, total int) {
		if done%100 == 0 {
			peak = max(peak, live())
		}
	}}, io.Discard)
	require.NoError(t, err)
	require.Equal(t, n, sum.Photos)
	grew := float64(peak-base) / (1 << 20)
	t.Logf("live heap: %.1f MB before, peak %.1f MB (+%.2f MB) for %d photos, %d MB, in %s (with a collection every 100 photos)",
		float64(base)/(1<<20), float64(peak)/(1<<20), grew, n, n*size>>20, time.Since(start).Round(time.Millisecond))
	require.Less(t, grew, 8.0, "memory does not grow with the photos")
}
