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
	"bytes"
	"encoding/binary"
	"errors"
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

// jpegQualityFloor is the lowest JPEG quality the size search goes down to.
// Measured on standardized portraits (ArcFace cosine distance of an encode
// against the same pixels at quality 90): 0.007-0.013 at 20, 0.012-0.018 at
// 15, 0.02-0.05 at 10 and 0.07-0.13 at 5, against a typical genuine pair's
// 0.17-0.19; below 20 the compression itself starts to move the score.
const jpegQualityFloor = 20

// minBytesPerPixel is the smallest file a portrait gives at the quality
// floor, per output pixel, with a margin: the plainest of the shared
// portraits measured 0.027 (CHSI, 480 × 640) and 0.032 (GA461, 358 × 441)
// at quality 20. A profile whose MaxKB is under it cannot be met by any
// photo and is refused when loaded.
const minBytesPerPixel = 0.02

// encoded is the JPEG the size search settled on.
type encoded struct {
	data    []byte
	quality int
	// padding is the number of bytes of comment filler added to reach
	// MinKB (0 when the photo reached it by itself).
	padding int
	// tooLarge is set when even the quality floor is above MaxKB: data is
	// then that encode, and the caller fails the photo.
	tooLarge bool
}

// encodeToRange returns the photo encoded inside the profile's KB range,
// or says it cannot be. The search finds the highest quality in
// [jpegQualityFloor, 100] whose file is at most MaxKB, with standard
// Huffman tables, starting at 90 where most photos land and bisecting the
// half that holds the answer; that quality is encoded once more with
// optimized tables (about 5 % smaller) unless that falls below MinKB. A
// file still below MinKB (a plain photo at quality 100, or a profile whose
// range is narrower than one quality step) is padded with comment segments
// up to just above MinKB: the pixels are as good as the format gives, and
// the file meets the letter of the school's range.
func encodeToRange(img RGB, p Profile) (encoded, error) {
	const qStart, qMax = 90, 100
	minBytes, maxBytes := p.MinKB*1024, p.MaxKB*1024
	size := func(q int, optimize bool) ([]byte, error) {
		return encodeJPEG(img, q, p.Subsample420, optimize)
	}
	b, err := size(qStart, false)
	if err != nil {
		return encoded{}, err
	}
	bestQ := 0
	lo, hi := jpegQualityFloor, qStart-1
	if len(b) <= maxBytes {
		bestQ, lo, hi = qStart, qStart+1, qMax
	}
	for lo <= hi {
		q := (lo + hi) / 2
		b, err := size(q, false)
		if err != nil {
			return encoded{}, err
		}
		if len(b) <= maxBytes {
			bestQ, lo = q, q+1
		} else {
			hi = q - 1
		}
	}
	if bestQ == 0 { // even the floor is too big
		b, err := size(jpegQualityFloor, true)
		if err != nil {
			return encoded{}, err
		}
		if len(b) > maxBytes {
			return encoded{data: b, quality: jpegQualityFloor, tooLarge: true}, nil
		}
		bestQ = jpegQualityFloor
	}
	out, err := size(bestQ, true)
	if err != nil {
		return encoded{}, err
	}
	if len(out) < minBytes {
		if plain, err := size(bestQ, false); err == nil && len(plain) <= maxBytes && len(plain) > len(out) {
			out = plain
		} else if err != nil {
			return encoded{}, err
		}
	}
	e := encoded{data: out, quality: bestQ}
	if len(out) < minBytes {
		target := min(minBytes+512, maxBytes)
		if e.data, err = padJPEG(out, target); err != nil {
			return encoded{}, err
		}
		e.padding = len(e.data) - len(out)
	}
	if len(e.data) < minBytes || len(e.data) > maxBytes {
		return encoded{}, fmt.Errorf("imaging: encoded %d bytes outside the profile's %d-%d KB", len(e.data), p.MinKB, p.MaxKB)
	}
	return e, nil
}

// padJPEG returns the JPEG grown to exactly target bytes by comment (COM)
// segments of spaces, placed after the start marker and the APPn segments
// (JFIF) that must come first. A comment segment carries at most 65,533
// bytes and costs 4 more, so a growth of 1-3 bytes is impossible: target
// is then raised by up to 3 bytes.
func padJPEG(data []byte, target int) ([]byte, error) {
	if len(data) < 4 || data[0] != 0xFF || data[1] != 0xD8 {
		return nil, errors.New("imaging: pad: no JPEG start")
	}
	need := target - len(data)
	if need <= 0 {
		return data, nil
	}
	need = max(need, 4)
	at := 2
	for at+4 <= len(data) && data[at] == 0xFF && data[at+1] >= 0xE0 && data[at+1] <= 0xEF {
		at += 2 + int(binary.BigEndian.Uint16(data[at+2:]))
	}
	if at > len(data) {
		return nil, errors.New("imaging: pad: truncated APP segment")
	}
	const maxPayload = 65533
	segments := (need + maxPayload + 3) / (maxPayload + 4)
	payload := need - 4*segments
	out := make([]byte, 0, len(data)+need)
	out = append(out, data[:at]...)
	for k := 0; k < segments; k++ {
		n := min(payload, maxPayload)
		if k == segments-1 {
			n = payload
		}
		payload -= n
		out = append(out, 0xFF, 0xFE, byte((n+2)>>8), byte(n+2))
		out = append(out, bytes.Repeat([]byte{' '}, n)...)
	}
	return append(out, data[at:]...), nil
}

// fitsRange reports whether encodeToRange would find a quality inside the
// profile's size range, with one encode in the common case: the search's
// own first probe, plain quality 90, fitting under MaxKB settles it.
// Otherwise the search itself runs, and its result is returned: tooLarge
// exactly when encodeToRange would say so, with the same bytes.
func fitsRange(img RGB, p Profile) (encoded, error) {
	b, err := encodeJPEG(img, 90, p.Subsample420, false)
	if err != nil {
		return encoded{}, err
	}
	if len(b) <= p.MaxKB*1024 {
		return encoded{data: b, quality: 90}, nil
	}
	return encodeToRange(img, p)
}
