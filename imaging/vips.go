// Package imaging turns a phone photo into a school's ID photo with libvips:
// safe loading (allowed formats, byte and pixel limits, EXIF orientation),
// quality findings, and the standardization pipeline (detect, crop, resize,
// encode). It knows nothing about queues or Redis; face detection comes in
// through the FaceDetector interface.
package imaging

// #cgo pkg-config: vips
// #include <vips/vips.h>
//
// static void recheck_block_loaders(void) {
//     vips_block_untrusted_set(TRUE);
//     vips_operation_block_set("VipsForeignLoad", TRUE);
//     vips_operation_block_set("VipsForeignLoadJpeg", FALSE);
//     vips_operation_block_set("VipsForeignLoadPng", FALSE);
//     vips_operation_block_set("VipsForeignLoadWebp", FALSE);
//     vips_operation_block_set("VipsForeignLoadHeif", FALSE);
// }
import "C"

import (
	"sync"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/rs/zerolog/log"
)

var startOnce sync.Once

// Startup initialises libvips once per process: libvips' own thread pool is
// kept at one thread (recheck runs jobs in parallel instead), its operation
// cache is off (no two jobs share an operation), and every loader except
// JPEG, PNG, WebP and HEIF is blocked so that no input can reach
// ImageMagick, PDF, SVG or other untrusted loaders. libvips messages go to
// the global zerolog logger at debug level. Later calls do nothing.
func Startup() {
	startOnce.Do(func() {
		vips.LoggingSettings(func(domain string, level vips.LogLevel, msg string) {
			log.Debug().Str("component", "libvips").Str("domain", domain).Msg(msg)
		}, vips.LogLevelWarning)
		vips.Startup(&vips.Config{ConcurrencyLevel: 1, MaxCacheFiles: 0, MaxCacheMem: 0, MaxCacheSize: 0})
		C.recheck_block_loaders()
	})
}
