package systemtest

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
)

// TestExportOverHTTP: the records office downloads the approved photos of
// its school, named by document number, with the manifest; reviewers and
// the upstream may not; a school with nothing approved gets 404.
func TestExportOverHTTP(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	w.putAdmission("S1", "person=alice")
	id := w.pass("S1", "person=alice")
	status, body := w.review(id, "approve", "")
	require.Equal(t, http.StatusOK, status, body)
	w.putAdmission("S2", "person=bob")
	w.pass("S2", "person=bob") // pending review: not exported

	resp, data := w.asRaw("wang", http.MethodGet, "/v1/schools/cjlu/export", "", nil)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(data))
	require.Equal(t, "application/zip", resp.Header.Get("Content-Type"))
	require.Contains(t, resp.Header.Get("Content-Disposition"), "cjlu-chsi-photos.zip")
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	require.Len(t, zr.File, 2)
	require.Equal(t, "11010519491231002X.jpg", zr.File[0].Name)
	photo, err := w.store.Get(w.ctx, capture.StandardizedKey("cjlu", id))
	require.NoError(t, err)
	f, err := zr.File[0].Open()
	require.NoError(t, err)
	var got bytes.Buffer
	_, err = got.ReadFrom(f)
	require.NoError(t, err)
	require.Equal(t, photo, got.Bytes(), "the standardized photo as stored")
	mf, err := zr.File[1].Open()
	require.NoError(t, err)
	rows, err := csv.NewReader(mf).ReadAll()
	require.NoError(t, err)
	require.Len(t, rows, 2)
	require.Equal(t, []string{"11010519491231002X.jpg", "S1", id}, rows[1][:3])

	resp, body = w.as("li", http.MethodGet, "/v1/schools/cjlu/export", "", nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "a reviewer may not export")
	resp, _ = w.as("upstream", http.MethodGet, "/v1/schools/cjlu/export", "", nil)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "nor the upstream")
	resp, body = w.as("admin", http.MethodGet, "/v1/schools/cjlu/export?cohort=2025", "", nil)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	require.Equal(t, "nothing_to_export", errCode(t, body))
	require.Contains(t, w.logs.String(), `"message":"export"`)
}
