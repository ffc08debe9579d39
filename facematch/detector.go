package facematch

// #cgo CXXFLAGS: -std=c++14 -O3 -DNDEBUG
// #cgo LDFLAGS: -ldlib -lpthread
// #include <stdlib.h>
// #include "detector.h"
import "C"

import (
	"errors"
	"fmt"
	"image"
	"path/filepath"
	"unsafe"
)

// maxDetections bounds the faces reported from one image.
const maxDetections = 64

// Detection is a face found by dlib's HOG detector, with its 5 landmarks.
type Detection struct {
	// Box is the detector's face rectangle.
	Box image.Rectangle
	// Landmarks are the 5-point shape: outer and inner corner of the eye on
	// the image's right, outer and inner corner of the eye on its left, base
	// of the nose.
	Landmarks []image.Point
	// Confidence is the detector's score (0 at its threshold; higher is surer).
	Confidence float64
	// Filter is the HOG filter that fired: 0 frontal, 1 and 2 turned to a
	// side, 3 and 4 rotated in the image plane.
	Filter int
}

// detector is one dlib HOG detector with its shape predictor; it runs one
// image at a time.
type detector struct{ ptr *C.rc_detector }

func newDetector(modelsDir string) (*detector, error) {
	path := C.CString(filepath.Join(modelsDir, "shape_predictor_5_face_landmarks.dat"))
	defer C.free(unsafe.Pointer(path))
	var cerr *C.char
	ptr := C.rc_detector_new(path, &cerr)
	if ptr == nil {
		defer C.free(unsafe.Pointer(cerr))
		return nil, fmt.Errorf("facematch: load shape predictor: %s", C.GoString(cerr))
	}
	return &detector{ptr: ptr}, nil
}

func (d *detector) close() { C.rc_detector_free(d.ptr) }

// detect runs the detector on packed 8-bit RGB pixels.
func (d *detector) detect(rgb []byte, w, h int) ([]Detection, error) {
	if w <= 0 || h <= 0 || len(rgb) != w*h*3 {
		return nil, fmt.Errorf("facematch: detect: %d bytes for %d × %d RGB", len(rgb), w, h)
	}
	var (
		rects   [maxDetections * 4]C.long
		points  [maxDetections * 10]C.long
		scores  [maxDetections]C.double
		filters [maxDetections]C.int
		cerr    *C.char
	)
	n := int(C.rc_detect(d.ptr, (*C.uint8_t)(unsafe.Pointer(&rgb[0])), C.int(w), C.int(h), maxDetections,
		&rects[0], &points[0], &scores[0], &filters[0], &cerr))
	if n < 0 {
		defer C.free(unsafe.Pointer(cerr))
		return nil, errors.New("facematch: detect: " + C.GoString(cerr))
	}
	n = min(n, maxDetections)
	out := make([]Detection, n)
	for i := range n {
		r := rects[4*i : 4*i+4]
		det := Detection{
			Box:        image.Rect(int(r[0]), int(r[1]), int(r[2])+1, int(r[3])+1),
			Confidence: float64(scores[i]),
			Filter:     int(filters[i]),
		}
		for k := range 5 {
			det.Landmarks = append(det.Landmarks, image.Pt(int(points[10*i+2*k]), int(points[10*i+2*k+1])))
		}
		out[i] = det
	}
	return out, nil
}
