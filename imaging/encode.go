package imaging

// #cgo pkg-config: vips
// #include <vips/vips.h>
//
// static int recheck_jpeg_encode(void *px, int w, int h, int q, int subsample420,
//                                void **buf, size_t *len) {
//     VipsImage *im = vips_image_new_from_memory(px, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
//     if (im == NULL) return -1;
//     int r = vips_jpegsave_buffer(im, buf, len,
//         "Q", q,
//         "strip", TRUE,
//         "optimize_coding", TRUE,
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

// encodeJPEG encodes img as a baseline JPEG at quality q with no metadata.
func encodeJPEG(img RGB, q int, subsample420 bool) ([]byte, error) {
	if err := img.valid(); err != nil {
		return nil, err
	}
	var buf unsafe.Pointer
	var n C.size_t
	s := C.int(0)
	if subsample420 {
		s = 1
	}
	// libvips reads the pixels only during the call and keeps no reference.
	if C.recheck_jpeg_encode(unsafe.Pointer(&img.Pix[0]), C.int(img.W), C.int(img.H), C.int(q), s, &buf, &n) != 0 {
		msg := C.GoString(C.vips_error_buffer())
		C.vips_error_clear()
		return nil, fmt.Errorf("imaging: jpegsave: %s", msg)
	}
	defer C.g_free(C.gpointer(buf))
	return C.GoBytes(buf, C.int(n)), nil
}

// encodeToRange searches the JPEG quality for the best one whose file fits
// in [minKB, maxKB]: the highest quality not above maxKB. It starts at 90,
// where most photos land, and bisects the half that holds the answer (4 or
// 5 encodes instead of 7). When even the highest quality stays below minKB
// (a very plain photo), that highest one is returned; the caller reports the
// size.
func encodeToRange(img RGB, p Profile) ([]byte, int, error) {
	const qMin, qStart, qMax = 30, 90, 98
	maxBytes := p.MaxKB * 1024
	b, err := encodeJPEG(img, qStart, p.Subsample420)
	if err != nil {
		return nil, 0, err
	}
	best, bestQ := []byte(nil), 0
	lo, hi := qMin, qStart-1
	if len(b) <= maxBytes {
		best, bestQ = b, qStart
		lo, hi = qStart+1, qMax
	}
	for lo <= hi {
		q := (lo + hi) / 2
		b, err := encodeJPEG(img, q, p.Subsample420)
		if err != nil {
			return nil, 0, err
		}
		if len(b) <= maxBytes {
			best, bestQ = b, q
			lo = q + 1
		} else {
			hi = q - 1
		}
	}
	if best == nil { // even the lowest quality is too big: take it anyway
		b, err := encodeJPEG(img, qMin, p.Subsample420)
		return b, qMin, err
	}
	return best, bestQ, nil
}
