package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/facematch/calibrate"
	"github.com/recheck/recheck/imaging"
)

// evalPoseCmd: recheck eval-pose [--shared DIR] [--limit N]. Reads the head
// pose of every shared photo with one face with the pose model and with
// the landmarks standardization judges, and prints how each separates
// frontal from turned heads and follows a mirrored or turned photo
// (calibrate.PoseReport).
func evalPoseCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	cfg, photos, _, code, err := startEval("eval-pose", args, getenv)
	if err != nil {
		return code, err
	}
	hog, err := facematch.NewDetectors(cfg.Faces.ModelsDir, runtime.NumCPU())
	if err != nil {
		return exitFailure, err
	}
	defer hog.Close()
	poses, err := facematch.NewPoses(cfg.Faces.ModelsDir, cfg.Faces.ONNXRuntime, runtime.NumCPU())
	if err != nil {
		return exitFailure, err
	}
	defer poses.Close()
	start := time.Now()
	samples := calibrate.EvalPose(ctx, hog, poses, photos, cfg.Limits)
	fmt.Fprintf(stdout, "From `recheck eval-pose` (%d of %d photos with one face, %s):\n\n", len(samples), len(photos), time.Since(start).Round(time.Second))
	calibrate.PoseReport(stdout, samples, imaging.DefaultChecks().MaxYaw, 20)
	return exitOK, nil
}
