package imaging

// #cgo pkg-config: vips
// #include <vips/vips.h>
//
// static int recheck_jpeg_encode(void *px, int w, int h, int q, int subsample420,
//                                int optimize, void **buf, size_t *len) {
//     VipsImage *im = vips_image_new_from_memory(px, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
//     if (im == NULL) return -1;
//     int r = vips_jpegsave_buffer(im, buf, len,
//         "Q", q,
//         "strip", TRUE,
//         "optimize_coding", optimize,
//         "subsample_mode", subsample420 ? VIPS_FOREIGN_SUBSAMPLE_ON : VIPS_FOREIGN_SUBSAMPLE_OFF,
//         NULL);
//     g_object_unref(im);
//     return r;
// }
import "C"

import (
	"fmt"
	"unsafe"
)

// encodeJPEG encodes img as a baseline JPEG at quality q with no metadata;
// optimize computes Huffman tables for this image (a second pass, files
// about 5 % smaller).
func encodeJPEG(img RGB, q int, subsample420, optimize bool) ([]byte, error) {
	if err := img.valid(); err != nil {
		return nil, err
	}
	var buf unsafe.Pointer
	var n C.size_t
	s, o := C.int(0), C.int(0)
	if subsample420 {
		s = 1
	}
	if optimize {
		o = 1
	}
	// libvips reads the pixels only during the call and keeps no reference.
	if C.recheck_jpeg_encode(unsafe.Pointer(&img.Pix[0]), C.int(img.W), C.int(img.H), C.int(q), s, o, &buf, &n) != 0 {
		msg := C.GoString(C.vips_error_buffer())
		C.vips_error_clear()
		return nil, fmt.Errorf("imaging: jpegsave: %s", msg)
	}
	defer C.g_free(C.gpointer(buf))
	return C.GoBytes(buf, C.int(n)), nil
}

// encodeToRange searches the JPEG quality for the best one whose file fits
// in [minKB, maxKB]: the highest quality not above maxKB. The search encodes
// with standard Huffman tables, starting at 90 where most photos land and
// bisecting the half that holds the answer; the chosen quality is encoded
// once more with optimized tables, which only makes the file smaller. When
// even the highest quality stays below minKB (a very plain photo), that
// highest one is returned; the caller reports the size.
func encodeToRange(img RGB, p Profile) ([]byte, int, error) {
	const qMin, qStart, qMax = 30, 90, 98
	maxBytes := p.MaxKB * 1024
	fits := func(q int) (bool, error) {
		b, err := encodeJPEG(img, q, p.Subsample420, false)
		return len(b) <= maxBytes, err
	}
	ok, err := fits(qStart)
	if err != nil {
		return nil, 0, err
	}
	bestQ := 0
	lo, hi := qMin, qStart-1
	if ok {
		bestQ, lo, hi = qStart, qStart+1, qMax
	}
	for lo <= hi {
		q := (lo + hi) / 2
		ok, err := fits(q)
		if err != nil {
			return nil, 0, err
		}
		if ok {
			bestQ, lo = q, q+1
		} else {
			hi = q - 1
		}
	}
	if bestQ == 0 { // even the lowest quality is too big: take it anyway
		bestQ = qMin
	}
	b, err := encodeJPEG(img, bestQ, p.Subsample420, true)
	return b, bestQ, err
}
