package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

// TestCalibrateFolders: an embedder brought by a spec file is refused
// until `recheck calibrate --folders` has fitted it on a school's photos,
// works after, and is refused again once a setting changes.
func TestCalibrateFolders(t *testing.T) {
	root := personFolder(t, map[string][]string{
		"biden":     {"faces/face_recognition-knn_train-biden/biden.jpg", "faces/face_recognition-knn_train-biden/biden2.jpg"},
		"obama":     {"faces/face_recognition-knn_train-obama/obama.jpg", "faces/face_recognition-knn_train-obama/obama2.jpg", "faces/face_recognition-tests/obama3.jpg"},
		"harington": {"faces/face_recognition-knn_train-kit_harington/john1.jpeg", "faces/face_recognition-knn_train-kit_harington/john2.jpeg"},
	})
	model := filepath.Join(testmodels.Dir(t), "fr_feature.onnx")
	raw, err := os.ReadFile(model)
	require.NoError(t, err)
	sum := sha256.Sum256(raw)
	dir := t.TempDir()
	spec := map[string]any{
		"name": "school-arcface", "pipeline": "school-arcface-1", "model": model, "sha256": hex.EncodeToString(sum[:]),
		"input_size": 112, "output_size": 512, "mean": []float64{127, 127, 127}, "std": []float64{128, 128, 128},
		"flip_average": true, "calibration": "school-arcface.calibration.json",
	}
	specPath := filepath.Join(dir, "embedder.json")
	writeSpec := func() {
		b, err := json.Marshal(spec)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(specPath, b, 0o644))
	}
	writeSpec()
	env := map[string]string{"RECHECK_EMBEDDER": "school-arcface", "RECHECK_EMBEDDER_SPEC": specPath}
	a, b := testphotos.Path(t, "faces/face_recognition-tests/obama.jpg"), testphotos.Path(t, "faces/face_recognition-tests/obama2.jpg")

	code, _, stderr := cliEnv(t, env, "match", a, b)
	require.NotEqual(t, exitOK, code)
	require.Contains(t, stderr, "has no calibration")
	require.Contains(t, stderr, "recheck calibrate --folders")

	code, stdout, stderr := cliEnv(t, env, "calibrate", "--folders", root)
	require.Equal(t, exitOK, code, stderr)
	calPath := filepath.Join(dir, "school-arcface.calibration.json")
	require.Contains(t, stdout, "wrote "+calPath+" (pipeline school-arcface-1@")
	require.Contains(t, stdout, "21 pairs")
	require.Contains(t, stdout, "only 16 different-person pairs", "too few pairs for 0.01 % is said")
	var c facematch.Calibrated
	raw, err = os.ReadFile(calPath)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(raw, &c))
	require.NoError(t, c.Knots.Validate())
	require.Contains(t, c.Fitted, "16 different-person pairs")
	require.Greater(t, c.PassDistance, 0.0)

	code, stdout, stderr = cliEnv(t, env, "match", "--json", a, b)
	require.Equal(t, exitOK, code, stderr)
	var res struct {
		Score    float64 `json:"score"`
		Embedder string  `json:"embedder"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &res), stdout)
	require.Equal(t, "school-arcface", res.Embedder)
	require.GreaterOrEqual(t, res.Score, 80.0, "the same man scores over the line the school's photos set")

	spec["colour_order"] = "BGR"
	writeSpec()
	code, _, stderr = cliEnv(t, env, "match", a, b)
	require.NotEqual(t, exitOK, code)
	require.Contains(t, stderr, "stale")

	code, _, stderr = cliEnv(t, map[string]string{"RECHECK_EMBEDDER": "arcface"}, "calibrate", "--folders", root)
	require.NotEqual(t, exitOK, code)
	require.Contains(t, stderr, "--write FILE")
}
