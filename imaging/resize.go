package imaging

// #cgo pkg-config: vips
// #include <stdlib.h>
// #include <vips/vips.h>
//
// // recheck_resize resizes a packed 8-bit RGB image held in the caller's
// // memory with vips_resize and the given kernel; the result is written to
// // a new buffer the caller frees with g_free.
// static int recheck_resize(const void *in, int w, int h, double scale, int kernel,
//                           void **out, size_t *len, int *ow, int *oh) {
//     VipsImage *img = vips_image_new_from_memory_copy(in, (size_t)w * h * 3, w, h, 3, VIPS_FORMAT_UCHAR);
//     if (img == NULL) return -1;
//     img->Type = VIPS_INTERPRETATION_sRGB;
//     VipsImage *res = NULL;
//     int err = vips_resize(img, &res, scale, "kernel", kernel, NULL);
//     g_object_unref(img);
//     if (err) return -1;
//     *out = vips_image_write_to_memory(res, len);
//     *ow = res->Xsize;
//     *oh = res->Ysize;
//     g_object_unref(res);
//     return *out == NULL ? -1 : 0;
// }
import "C"

import (
	"fmt"
	"unsafe"

	"github.com/davidbyttow/govips/v2/vips"
)

// resized returns m scaled by scale with libvips' vips_resize and the
// kernel, the same operation (and so the same pixels) as resizing a
// decoded image in a govips pipeline, without decoding anything again.
func (m RGB) resized(scale float64, kernel vips.Kernel) (RGB, error) {
	if err := m.valid(); err != nil {
		return RGB{}, err
	}
	var (
		out    unsafe.Pointer
		n      C.size_t
		ow, oh C.int
	)
	if C.recheck_resize(unsafe.Pointer(&m.Pix[0]), C.int(m.W), C.int(m.H), C.double(scale), C.int(kernel), &out, &n, &ow, &oh) != 0 {
		msg := C.GoString(C.vips_error_buffer())
		C.vips_error_clear()
		return RGB{}, fmt.Errorf("imaging: resize %d × %d by %.4f: %s", m.W, m.H, scale, msg)
	}
	defer C.g_free(C.gpointer(out))
	r := RGB{W: int(ow), H: int(oh), Pix: C.GoBytes(out, C.int(n))}
	if err := r.valid(); err != nil {
		return RGB{}, err
	}
	return r, nil
}

// within returns m reduced (linear kernel) so that its longest side is at
// most size, or m itself when it already is.
func (m RGB) within(size int) (RGB, error) {
	l := max(m.W, m.H)
	if l <= size {
		return m, nil
	}
	return m.resized(float64(size)/float64(l), vips.KernelLinear)
}
