package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/facematch/calibrate"
)

// evalDetectorsCmd: recheck eval-detectors [--shared DIR] [--limit N].
// Runs dlib's HOG detector and UltraFace (fr_detect.onnx) the way the
// comparison does on every shared labelled photo with one face (HOG's box
// as the reference) and on synthetic copies of each — ID-style, cut by
// the frame's edge, turned, dimmed — and on the photos without a human
// face, and prints docs/face-comparison.md's detector table.
func evalDetectorsCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	cfg, photos, nonFaces, code, err := startEval("eval-detectors", args, getenv)
	if err != nil {
		return code, err
	}
	hog, err := facematch.NewDetectors(cfg.Faces.ModelsDir, 1)
	if err != nil {
		return exitFailure, err
	}
	defer hog.Close()
	ultra, err := facematch.NewUltraFaces(cfg.Faces.ModelsDir, cfg.Faces.ONNXRuntime, 1, facematch.DefaultUltraFaceThreshold)
	if err != nil {
		return exitFailure, err
	}
	defer ultra.Close()
	arc, err := facematch.NewArcFace(cfg.Faces.ModelsDir, cfg.Faces.ONNXRuntime, 1)
	if err != nil {
		return exitFailure, err
	}
	defer arc.Close()
	first := facematch.NewFirstLook(ultra, arc, hog)
	t, err := calibrate.EvalDetectors(ctx, hog, []calibrate.Detector{{Name: "HOG", Det: hog}, {Name: "UltraFace", Det: ultra}, {Name: "first look", Det: first}},
		calibrate.DetectionVariants(), photos, nonFaces, cfg.Limits)
	if err != nil {
		return exitFailure, err
	}
	t.Write(stdout)
	return exitOK, nil
}

// startEval is the start the eval commands over the shared photos share:
// the configuration, --shared and --limit, the photos with one face and
// those without, and the offline logs.
func startEval(name string, args []string, getenv func(string) string) (cfg *Config, photos, nonFaces []string, code int, err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	if cfg, err = loadConfig(fs, getenv); err != nil {
		return nil, nil, nil, exitFailure, err
	}
	shared := fs.String("shared", "../shared/testdata", "the shared testdata folder (never its holdout)")
	limit := fs.Int("limit", 0, "use at most this many photos (0: all)")
	if _, err := parseArgs(fs, args); err != nil {
		return nil, nil, nil, exitFailure, err
	}
	if photos, nonFaces, err = detectionPhotos(*shared); err != nil {
		return nil, nil, nil, exitBadInput, err
	}
	if *limit > 0 && len(photos) > *limit {
		photos = photos[:*limit]
	}
	if err := startOfflineLogs(); err != nil {
		return nil, nil, nil, exitFailure, err
	}
	return cfg, photos, nonFaces, exitOK, nil
}

// detectionPhotos lists the shared photos (JPEG and PNG under faces and
// faces-east-asian, never the holdout) and, apart, those without a human
// face (dlib-nonface, mtcnn's no-faces.jpg, face-alignment's grass.jpg,
// dlib's dogs.jpg).
func detectionPhotos(shared string) (photos, nonFaces []string, err error) {
	for _, set := range []string{"faces", "faces-east-asian"} {
		root := filepath.Join(shared, set)
		if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
			continue
		}
		err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			ext := strings.ToLower(filepath.Ext(p))
			if d.IsDir() || (ext != ".jpg" && ext != ".jpeg" && ext != ".png") {
				return nil
			}
			switch {
			case strings.Contains(p, "dlib-nonface"), strings.HasSuffix(p, "no-faces.jpg"), strings.HasSuffix(p, "grass.jpg"), strings.HasSuffix(p, "dogs.jpg"):
				nonFaces = append(nonFaces, p)
			default:
				photos = append(photos, p)
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	if len(photos) == 0 {
		return nil, nil, usageError{"no photos under " + shared + "/faces or faces-east-asian (--shared)"}
	}
	return photos, nonFaces, nil
}
