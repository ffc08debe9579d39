package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
)

// offline holds what the offline commands share: configuration, output
// format and a lazily loaded recognizer.
type offline struct {
	cfg     *Config
	json    bool
	out     io.Writer
	maxSide int
	profile imaging.Profile
}

// newOffline parses an offline command's arguments, expecting exactly n
// positional ones.
func newOffline(name string, args []string, getenv func(string) string, out io.Writer, n int, extra func(*flag.FlagSet)) (*offline, []string, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return nil, nil, err
	}
	o := &offline{cfg: cfg, out: out}
	fs.BoolVar(&o.json, "json", false, "print JSON")
	fs.IntVar(&o.maxSide, "max-side", 1600, "longest side, in pixels, photos are decoded at for face detection")
	if extra != nil {
		extra(fs)
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, nil, err
	}
	if len(pos) != n {
		return nil, nil, usageError{fmt.Sprintf("want %d arguments, got %d", n, len(pos))}
	}
	// The output profile: -profile (RECHECK_PROFILE), a name or a .json file.
	if o.profile, err = imaging.LookupProfile(cfg.Profiles.Default); err != nil {
		return nil, nil, usageError{err.Error()}
	}
	if err := startOfflineLogs(); err != nil {
		return nil, nil, err
	}
	return o, pos, nil
}

// startOfflineLogs is the start every offline command shares: console logs
// at warn on stderr, libvips started.
func startOfflineLogs() error {
	if _, err := newLogger(LogConfig{Format: "console", Level: "warn"}, os.Stderr); err != nil {
		return err
	}
	imaging.Startup()
	return nil
}

// startOffline starts an offline command that compares faces: the shared
// start, and a matcher with slots and the given embedders (uncalibrated
// for recheck calibrate, which fits the calibration).
func startOffline(cfg *Config, slots int, uncalibrated bool, embedders ...string) (*facematch.Matcher, error) {
	if err := startOfflineLogs(); err != nil {
		return nil, err
	}
	if uncalibrated {
		return facematch.NewUncalibratedMatcher(cfg.Faces, slots, embedders...)
	}
	return facematch.NewMatcher(cfg.Faces, slots, embedders...)
}

func (o *offline) pool() (*facematch.Pool, error) {
	return facematch.NewPool(o.cfg.Faces.ModelsDir, 1)
}

// emit prints v as JSON, or text with the given formatter.
func (o *offline) emit(v any, text func(io.Writer)) error {
	if o.json {
		enc := json.NewEncoder(o.out)
		enc.SetEscapeHTML(false)
		return enc.Encode(v)
	}
	text(o.out)
	return nil
}

// inputFailure is the JSON answer for input that cannot be used.
type inputFailure struct {
	OK    bool         `json:"ok"`
	Error failureError `json:"error"`
}

type failureError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageZH string `json:"message_zh,omitempty"`
	// Image names the argument at fault (probe, reference).
	Image string `json:"image,omitempty"`
}

// fail turns an error into the command's result: unusable input (exit 2,
// reported on stdout naming image) or a failure of the machine (exit 1).
func (o *offline) fail(err error, image string) (int, error) {
	if code, e, ok := o.badInput(err, image); ok {
		return code, e
	}
	return exitFailure, err
}

// badInput reports err as unusable input with exit code 2 when it is one,
// and returns handled false for machine failures.
func (o *offline) badInput(err error, image string) (int, error, bool) {
	var ie *imaging.Error
	var fc *facematch.FaceCountError
	var fe failureError
	switch {
	case errors.As(err, &ie):
		fe = failureError{Code: ie.Code, Message: ie.Message, MessageZH: ie.MessageZH, Image: image}
	case errors.As(err, &fc):
		code := "no_face"
		if fc.Count > 1 {
			code = "multiple_faces"
		}
		fe = failureError{Code: code, Message: fc.Error(), Image: image}
	case errors.Is(err, os.ErrNotExist), errors.Is(err, os.ErrPermission):
		fe = failureError{Code: "file_unreadable", Message: err.Error(), Image: image}
	default:
		return 0, nil, false
	}
	e := o.emit(inputFailure{Error: fe}, func(w io.Writer) {
		fmt.Fprintf(w, "%s: %s: %s\n", image, fe.Code, fe.Message)
	})
	return exitBadInput, e, true
}

func readInput(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return data, nil
}
