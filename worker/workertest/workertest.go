// Package workertest holds fakes of the worker's engines, for tests about
// the journey's rules rather than image or face work: they run in
// microseconds and need no models.
//
// The fakes read what to do from the photos themselves: Photo makes a small
// real PNG (intake's sniffing and header checks accept it) carrying a tag
// such as "person=alice" or "person=bob;quality=too_dark". The Standardizer
// rejects a photo whose tag has quality=<finding code>; the Scorer scores
// 95 when the probe and the admission photo show the same person and 20
// otherwise (score=<n> on the probe's tag overrides it), and reports an
// admission photo tagged unusable=1 as unusable. The FaceCounter finds the
// number of faces a tag's faces=<n> gives, one otherwise. A photo tagged
// error=1 makes the Standardizer fail as a broken machine would.
package workertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strconv"
	"strings"
	"sync"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/ctid"
	"github.com/recheck/recheck/notify"
	"github.com/recheck/recheck/texts"
	"github.com/recheck/recheck/worker"
)

// Photo returns a PNG carrying tag: "key=value" pairs joined by ';'.
func Photo(tag string) []byte {
	w := max(64, len(tag)+1)
	img := image.NewGray(image.Rect(0, 0, w, 8))
	for x := range w {
		for y := 1; y < 8; y++ {
			img.SetGray(x, y, color.Gray{Y: 200})
		}
	}
	for i := 0; i < len(tag); i++ {
		img.SetGray(i, 0, color.Gray{Y: tag[i]})
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img) // cannot fail on an in-memory image
	return b.Bytes()
}

// Tag reads the tag of a photo made by Photo.
func Tag(photo []byte) (map[string]string, error) {
	img, err := png.Decode(bytes.NewReader(photo))
	if err != nil {
		return nil, fmt.Errorf("workertest: not a tagged photo: %w", err)
	}
	g, ok := img.(*image.Gray)
	if !ok {
		return nil, errors.New("workertest: not a tagged photo")
	}
	var raw []byte
	for x := 0; x < g.Rect.Dx(); x++ {
		v := g.GrayAt(x, 0).Y
		if v == 0 {
			break
		}
		raw = append(raw, v)
	}
	tag := map[string]string{}
	for _, kv := range strings.Split(string(raw), ";") {
		if k, v, ok := strings.Cut(kv, "="); ok {
			tag[k] = v
		}
	}
	return tag, nil
}

// Standardizer is a fake worker.Standardizer and intake.QualityChecker.
type Standardizer struct {
	mu        sync.Mutex
	calls     int
	prechecks int
}

// ErrMachine is the failure of a Standardizer given a photo tagged
// error=1: the machine failed, not the photo.
var ErrMachine = errors.New("workertest: the standardizer failed")

// Standardize implements worker.Standardizer.
func (s *Standardizer) Standardize(_ context.Context, _ string, original []byte) (capture.StandardizeResult, error) {
	s.mu.Lock()
	s.calls++
	s.mu.Unlock()
	if tag, err := Tag(original); err == nil && tag["error"] == "1" {
		return capture.StandardizeResult{}, ErrMachine
	}
	return standardize(original), nil
}

// standardize is the fake standardization of a tagged photo.
func standardize(original []byte) capture.StandardizeResult {
	tag, err := Tag(original)
	if err != nil {
		return capture.StandardizeResult{Findings: []capture.Finding{{Code: "photo_unreadable", MessageZH: texts.PhotoErrors.Text("photo_unreadable")}}}
	}
	out := capture.StandardizeResult{
		Input:    &capture.PhotoInfo{Format: "png", Width: 64, Height: 8, Bytes: len(original)},
		Face:     &capture.FaceBox{Box: [4]int{10, 1, 20, 6}, Landmarks: [][2]int{}},
		Measures: map[string]float64{"sharpness": 100, "face_luma": 150},
		Findings: []capture.Finding{},
	}
	if q := tag["quality"]; q != "" {
		out.Findings = []capture.Finding{{Code: q, MessageZH: texts.Findings.Text(q), Value: 1, Limit: 0}}
		return out
	}
	if tag["print"] == "1" {
		out.Review = []capture.Finding{{Code: capture.ReviewFlagRephotographed, MessageZH: capture.ReviewFlagText(capture.ReviewFlagRephotographed), Value: 0.01, Limit: 0.2}}
	}
	out.OK, out.Photo = true, Photo("person="+tag["person"]+";score="+tag["score"]+";standardized=1")
	return out
}

// CheckQuality implements intake.QualityChecker the way package vision does:
// the fake standardization's verdict, the photo dropped. It counts in
// Prechecks, not in Calls.
func (s *Standardizer) CheckQuality(_ context.Context, _ string, photo []byte) (capture.QualityVerdict, error) {
	s.mu.Lock()
	s.prechecks++
	s.mu.Unlock()
	out := standardize(photo)
	return capture.QualityVerdict{Passed: out.OK, Findings: out.Findings, Review: out.Review, Measures: out.Measures, Input: out.Input}, nil
}

// Prechecks counts the quality checks run for prechecks.
func (s *Standardizer) Prechecks() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.prechecks
}

// Calls counts the standardizations run.
func (s *Standardizer) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Scorer is a fake worker.Scorer.
type Scorer struct {
	mu    sync.Mutex
	calls int
	shift float64
}

// Shift adds d to every later score, as a new calibration would.
func (s *Scorer) Shift(d float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.shift += d
}

// Score implements worker.Scorer.
func (s *Scorer) Score(ctx context.Context, probe worker.Probe, ref worker.Reference) (worker.Score, error) {
	s.mu.Lock()
	s.calls++
	shift := s.shift
	s.mu.Unlock()
	p, err := Tag(probe.Photo)
	if err != nil {
		return worker.Score{}, &worker.UnusablePhotoError{Which: "probe", Err: err}
	}
	raw, err := ref.Load(ctx)
	if err != nil {
		return worker.Score{}, err
	}
	r, err := Tag(raw)
	if err != nil || r["unusable"] == "1" {
		return worker.Score{}, &worker.UnusablePhotoError{Which: "reference", Err: errors.New("no single face")}
	}
	score := 20.0
	if p["person"] != "" && p["person"] == r["person"] {
		score = 95
	}
	if v, err := strconv.ParseFloat(p["score"], 64); err == nil {
		score = v
	}
	score = max(0, min(100, score+shift))
	return worker.Score{Score: score, Distance: (100 - score) / 100, Embedder: "fake"}, nil
}

// Calls counts the comparisons run.
func (s *Scorer) Calls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// Identity is a fake CTID: it answers every check with Outcome (pass when
// empty) and counts the checks.
type Identity struct {
	mu      sync.Mutex
	outcome ctid.Outcome
	calls   int
}

// SetOutcome sets the answer to every later check.
func (f *Identity) SetOutcome(o ctid.Outcome) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.outcome = o
}

// Verify implements worker.Verifier.
func (f *Identity) Verify(context.Context, string, string, []byte) ctid.Verdict {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls++
	o := f.outcome
	if o == "" {
		o = ctid.Pass
	}
	return ctid.Verdict{Outcome: o, Serial: fmt.Sprintf("FAKE%d", f.calls), Similarity: 90}
}

// Calls counts the checks asked.
func (f *Identity) Calls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// Notifier is a fake notify.Notifier that records every message, and fails
// with Err when it is set.
type Notifier struct {
	mu   sync.Mutex
	sent []notify.Message
	err  error
}

// Notify implements notify.Notifier.
func (n *Notifier) Notify(_ context.Context, m notify.Message) (notify.Receipt, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.err != nil {
		return notify.Receipt{}, n.err
	}
	n.sent = append(n.sent, m)
	return notify.Receipt{MsgID: fmt.Sprintf("fake-%d", len(n.sent))}, nil
}

// Fail makes every later delivery fail with err (nil: succeed).
func (n *Notifier) Fail(err error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.err = err
}

// Sent returns the messages delivered so far.
func (n *Notifier) Sent() []notify.Message {
	n.mu.Lock()
	defer n.mu.Unlock()
	return append([]notify.Message(nil), n.sent...)
}

// Keys returns the catalogue keys of the messages delivered about a
// capture ("" for the student's journey notices), in order.
func (n *Notifier) Keys(captureID string) []string {
	var keys []string
	for _, m := range n.Sent() {
		if m.CaptureID == captureID {
			keys = append(keys, m.Key)
		}
	}
	return keys
}

// FaceCounter is a fake intake.FaceCounter: one face, or the number a
// photo's tag gives as faces=<n>.
type FaceCounter struct{}

// CountFaces implements intake.FaceCounter.
func (FaceCounter) CountFaces(_ context.Context, photo []byte) (int, error) {
	tag, err := Tag(photo)
	if err != nil {
		return 1, nil
	}
	if n, err := strconv.Atoi(tag["faces"]); err == nil {
		return n, nil
	}
	return 1, nil
}
