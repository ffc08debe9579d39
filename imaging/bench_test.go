package imaging_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/loadtest"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

// benchPhoto makes a phone-like JPEG of w × h pixels from a shared
// portrait, as the load harness does: scaled up (the shared set has no
// 12-megapixel photo), given sensor-like noise so that it decodes like a
// camera's file rather than a smooth upscale, encoded at quality 92.
func benchPhoto(b testing.TB, w, h int) []byte {
	b.Helper()
	out, err := loadtest.PhoneLike(testphotos.Read(b, "faces/deepface/img15.jpg"), w, h, 1)
	if err != nil {
		b.Fatal(err)
	}
	return out
}

// cpu returns the process's user and system CPU time so far.
func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS is the process's peak resident set, in MB.
func peakRSS() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return float64(ru.Maxrss) / 1024
}

var benchSizes = []struct {
	name string
	w, h int
}{{"12MP", 3000, 4000}, {"1MP", 864, 1152}}

// BenchmarkStandardize runs the whole standardize step (probe, detect,
// place, render, measure, matte, encode to the KB range) on one photo at a
// time, reporting CPU time per photo and the process's peak RSS. The
// "+parts" runs add, as the worker runs it, the head-pose model and the face's 68 points (fr_landmark.onnx) and the checks
// and review flags that read them; the bench photo smiles with its teeth,
// so their mouth line is lifted to let it pass and be encoded.
func BenchmarkStandardize(b *testing.B) {
	det := testmodels.Detectors(b)
	smiling := imaging.CHSI
	smiling.Checks.MaxMouthOpen = 1
	for _, sz := range benchSizes {
		data := benchPhoto(b, sz.w, sz.h)
		// make bench measures one CLI process on the same photo.
		if dir := os.Getenv("RECHECK_BENCH_DIR"); dir != "" {
			if err := os.WriteFile(filepath.Join(dir, sz.name+".jpg"), data, 0o644); err != nil {
				b.Fatal(err)
			}
		}
		for _, parts := range []bool{false, true} {
			name, opt := sz.name, imaging.Options{Detector: det}
			if parts {
				name += "+parts"
				opt.FaceReader, opt.PoseReader, opt.Profile = testmodels.Matcher(b).FaceReader(), testmodels.Matcher(b).PoseReader(), smiling
			}
			b.Run(name, func(b *testing.B) {
				res, err := imaging.Standardize(context.Background(), data, opt)
				if err != nil || !res.OK {
					b.Fatalf("warm-up: %v %+v", err, res)
				}
				b.ReportAllocs()
				b.ResetTimer()
				start := cpu()
				for range b.N {
					if _, err := imaging.Standardize(context.Background(), data, opt); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64((cpu()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
				b.ReportMetric(peakRSS(), "peak-rss-MB")
			})
		}
	}
}

// BenchmarkImageMagick does only the crop, resize and flatten to white on
// the same photos with ImageMagick (/usr/bin/convert, from the imagemagick
// package; this machine puts a stand-in convert earlier on the PATH),
// naively and with its JPEG shrink-on-load (-define jpeg:size=), reporting
// the child's CPU time.
func BenchmarkImageMagick(b *testing.B) {
	const convert = "/usr/bin/convert"
	if _, err := os.Stat(convert); err != nil {
		b.Skip("ImageMagick is not installed (make bench installs it)")
	}
	dir := b.TempDir()
	for _, sz := range benchSizes {
		in := filepath.Join(dir, sz.name+".jpg")
		if err := os.WriteFile(in, benchPhoto(b, sz.w, sz.h), 0o644); err != nil {
			b.Fatal(err)
		}
		// The frame our pipeline cuts from this photo: the head is centred,
		// so a centred 3:4 frame of the same size does the same work: scale
		// the photo so that the frame becomes 480 × 640, then cut it.
		cw := sz.w * 7 / 10
		rw, rh := sz.w*480/cw, sz.h*480/cw
		ops := []string{in, "-resize", fmt.Sprintf("%dx%d!", rw, rh), "-crop", fmt.Sprintf("480x640+%d+%d", (rw-480)/2, (rh-640)/4),
			"+repage", "-background", "white", "-flatten", "-strip", "-quality", "90"}
		for _, v := range []struct {
			name string
			args []string
		}{
			{"naive", ops},
			{"tuned", append([]string{"-define", fmt.Sprintf("jpeg:size=%dx%d", rw, rh)}, ops...)},
		} {
			b.Run(v.name+"-"+sz.name, func(b *testing.B) {
				out := filepath.Join(dir, "out.jpg")
				var total time.Duration
				for range b.N {
					cmd := exec.Command(convert, append(v.args, out)...)
					if msg, err := cmd.CombinedOutput(); err != nil {
						b.Fatalf("%v: %s", err, msg)
					}
					ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
					total += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
				}
				b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "cpu-ms/op")
			})
		}
	}
}
