package facematch_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

// builtinSpec is the spec that describes fr_feature.onnx as the built-in
// ArcFace embedder uses it, with the calibration file in dir.
func builtinSpec(t *testing.T, dir string) map[string]any {
	t.Helper()
	model := filepath.Join(testmodels.Dir(t), "fr_feature.onnx")
	raw, err := os.ReadFile(model)
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	return map[string]any{
		"name":         "school-arcface",
		"pipeline":     "school-arcface-1",
		"model":        model,
		"sha256":       hex.EncodeToString(sum[:]),
		"input_size":   112,
		"output_size":  512,
		"colour_order": "RGB",
		"layout":       "NCHW",
		"mean":         []float64{127, 127, 127},
		"std":          []float64{128, 128, 128},
		"flip_average": true,
		"calibration":  "calibration.json",
	}
}

func writeSpec(t *testing.T, dir string, spec map[string]any) string {
	t.Helper()
	raw, err := json.Marshal(spec)
	require.NoError(t, err)
	path := filepath.Join(dir, "embedder.json")
	require.NoError(t, os.WriteFile(path, raw, 0o644))
	return path
}

// writeCalibration gives the spec's embedder the built-in ArcFace mapping,
// marked as fitted on its pipeline.
func writeCalibration(t *testing.T, specPath string) {
	t.Helper()
	spec, err := facematch.LoadEmbedderSpec(specPath)
	require.NoError(t, err)
	c := facematch.Calibrations[facematch.EmbedderArcFace]
	c.Pipeline = spec.EffectivePipeline()
	raw, err := json.Marshal(c)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(spec.CalibrationPath(), raw, 0o644))
}

// TestSpecEmbedderMatchesBuiltIn: fr_feature.onnx configured through a
// spec file gives the built-in ArcFace's embeddings within 1e-6, and the
// same scores; the spec's embedder keeps its own pipeline.
func TestSpecEmbedderMatchesBuiltIn(t *testing.T) {
	dir := t.TempDir()
	path := writeSpec(t, dir, builtinSpec(t, dir))
	writeCalibration(t, path)
	cfg := facematch.Config{ModelsDir: testmodels.Dir(t), Embedder: "school-arcface", EmbedderSpec: path}
	require.NoError(t, cfg.Validate())
	m, err := facematch.NewMatcher(cfg, 1, facematch.EmbedderArcFace, "school-arcface")
	require.NoError(t, err)
	defer m.Close()
	require.Equal(t, []string{facematch.EmbedderArcFace, "school-arcface"}, m.Embedders())
	require.Equal(t, "school-arcface", m.Default())
	require.NotEqual(t, m.Pipeline(facematch.EmbedderArcFace), m.Pipeline("school-arcface"))
	require.Contains(t, m.Pipeline("school-arcface"), "school-arcface-1@")

	var descs []*facematch.Description
	for _, rel := range []string{"faces/face_recognition-tests/obama.jpg", "faces/face_recognition-tests/obama2.jpg", "faces/face_recognition-tests/biden.jpg"} {
		d, err := m.Describe(context.Background(), testphotos.Read(t, rel), imaging.DefaultLimits())
		require.NoError(t, err, rel)
		a, b := d.Vectors[facematch.EmbedderArcFace], d.Vectors["school-arcface"]
		require.Len(t, b, len(a))
		for i := range a {
			require.InDelta(t, a[i], b[i], 1e-6, "%s: value %d", rel, i)
		}
		descs = append(descs, d)
	}
	for _, pair := range [][2]int{{0, 1}, {0, 2}} {
		x, y := descs[pair[0]], descs[pair[1]]
		_, want, err := m.Compare(facematch.EmbedderArcFace, x.Vectors[facematch.EmbedderArcFace], y.Vectors[facematch.EmbedderArcFace])
		require.NoError(t, err)
		_, got, err := m.Compare("school-arcface", x.Vectors["school-arcface"], y.Vectors["school-arcface"])
		require.NoError(t, err)
		require.Equal(t, want, got)
	}
}

// TestSpecSettingsAreApplied: colour order and layout reach the model —
// BGR or channels-last input of a model trained on RGB planes gives
// other embeddings (and another pipeline).
func TestSpecSettingsAreApplied(t *testing.T) {
	photo := testphotos.Read(t, "faces/face_recognition-tests/obama.jpg")
	embed := func(change map[string]any) ([]float32, string) {
		dir := t.TempDir()
		spec := builtinSpec(t, dir)
		for k, v := range change {
			spec[k] = v
		}
		path := writeSpec(t, dir, spec)
		cfg := facematch.Config{ModelsDir: testmodels.Dir(t), Embedder: "school-arcface", EmbedderSpec: path}
		m, err := facematch.NewUncalibratedMatcher(cfg, 1)
		require.NoError(t, err)
		defer m.Close()
		d, err := m.Describe(context.Background(), photo, imaging.DefaultLimits())
		require.NoError(t, err)
		return d.Vectors["school-arcface"], m.Pipeline("school-arcface")
	}
	base, basePipe := embed(nil)
	for _, change := range []map[string]any{
		{"colour_order": "BGR"},
		{"flip_average": false},
		{"mean": []float64{0, 0, 0}, "std": []float64{255, 255, 255}},
	} {
		v, pipe := embed(change)
		require.NotEqual(t, basePipe, pipe, "%v", change)
		var dot float64
		for i := range v {
			dot += float64(v[i]) * float64(base[i])
		}
		require.Less(t, dot, 1-1e-4, "%v changes the embedding", change)
		require.False(t, math.IsNaN(dot))
	}
}

// TestSpecCalibrationIsRequired: the service refuses an embedder of a spec
// whose calibration is missing, or was fitted before its model or a
// setting changed, naming the fix; a model that is not the one the spec
// pins is refused even uncalibrated.
func TestSpecCalibrationIsRequired(t *testing.T) {
	dir := t.TempDir()
	spec := builtinSpec(t, dir)
	path := writeSpec(t, dir, spec)
	cfg := facematch.Config{ModelsDir: testmodels.Dir(t), Embedder: "school-arcface", EmbedderSpec: path}

	_, err := facematch.NewMatcher(cfg, 1)
	require.ErrorIs(t, err, facematch.ErrNotCalibrated)
	require.ErrorContains(t, err, "has no calibration")
	require.ErrorContains(t, err, "recheck calibrate --folders")

	writeCalibration(t, path)
	m, err := facematch.NewMatcher(cfg, 1)
	require.NoError(t, err)
	m.Close()

	spec["flip_average"] = false
	writeSpec(t, dir, spec)
	_, err = facematch.NewMatcher(cfg, 1)
	require.ErrorIs(t, err, facematch.ErrNotCalibrated)
	require.ErrorContains(t, err, "stale")

	spec["flip_average"] = true
	spec["sha256"] = "00" + spec["sha256"].(string)[2:]
	writeSpec(t, dir, spec)
	_, err = facematch.NewUncalibratedMatcher(cfg, 1)
	require.ErrorContains(t, err, "the spec says")
}

// TestBadSpecsAreNamed: every fault of a spec file is reported with its
// field, at once.
func TestBadSpecsAreNamed(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		change map[string]any
		want   []string
	}{
		{map[string]any{"name": "arcface"}, []string{"built-in"}},
		{map[string]any{"name": "School Model"}, []string{"name"}},
		{map[string]any{"pipeline": facematch.Pipelines[facematch.EmbedderArcFace]}, []string{"pipeline", "built-in"}},
		{map[string]any{"sha256": "abc"}, []string{"sha256", "64 hex"}},
		{map[string]any{"input_size": 0, "output_size": 0}, []string{"input_size", "output_size"}},
		{map[string]any{"layout": "CHW", "colour_order": "GBR"}, []string{"layout", "colour_order"}},
		{map[string]any{"std": []float64{128, 0, 128}}, []string{"std[1] is 0"}},
		{map[string]any{"template": [][]float64{{1, 2}}}, []string{"5"}},
		{map[string]any{"template": [][]float64{{1, 2}, {3, 4}, {5, 6}, {7, 8}, {200, 9}}}, []string{"outside"}},
		{map[string]any{"calibration": ""}, []string{"calibration"}},
		{map[string]any{"normalisation": "x"}, []string{"unknown field"}},
	}
	for _, c := range cases {
		spec := builtinSpec(t, dir)
		for k, v := range c.change {
			spec[k] = v
		}
		_, err := facematch.LoadEmbedderSpec(writeSpec(t, dir, spec))
		require.Error(t, err, "%v", c.change)
		for _, w := range c.want {
			require.ErrorContains(t, err, w, "%v", c.change)
		}
	}
	cfg := facematch.Config{ModelsDir: dir, Embedder: "other", EmbedderSpec: writeSpec(t, dir, builtinSpec(t, dir))}
	require.ErrorContains(t, cfg.Validate(), "school-arcface")
}
