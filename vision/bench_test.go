package vision_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/Kagami/go-face"

	"github.com/recheck/recheck/internal/loadtest"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
	"github.com/recheck/recheck/worker"
)

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkCapture is one capture's image and face work against the
// baseline a design card gives by default, in the same run, on the load
// harness's phone-like photos of one person (deepface G04):
//
//   - recheck: Standardize (one shrink-on-load decode, HOG on 480 px,
//     render, matte, 68 points, liveness, JPEG into the KB range), then
//     Score (the face read where standardization put it, ArcFace, the
//     admission embedding cached as in the service);
//   - baseline: go-face's Recognize on the photo as it came (dlib decodes
//     it at full size, HOG on every pixel, 128-D descriptor), compared
//     with the admission photo's descriptor.
//
// cpu-ms/op is the process's CPU time per capture.
func BenchmarkCapture(b *testing.B) {
	ctx := context.Background()
	st := standardizer(b)
	sc, _ := scorer(b)
	portrait := testphotos.Read(b, "faces/deepface/img14.jpg")
	admission := testphotos.Read(b, "faces/deepface/img13.jpg")
	ref := reference(admission)
	rec, err := face.NewRecognizer(testmodels.Dir(b))
	if err != nil {
		b.Fatal(err)
	}
	defer rec.Close()
	refFace, err := rec.RecognizeSingle(admission)
	if err != nil || refFace == nil {
		b.Fatalf("admission photo: %v", err)
	}
	for _, size := range []struct {
		name string
		w, h int
	}{{"12MP", 3000, 4000}, {"1MP", 864, 1152}} {
		photo, err := loadtest.PhoneLike(portrait, size.w, size.h, 1)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(size.name+"/recheck", func(b *testing.B) {
			capture := func() {
				out, err := st.Standardize(ctx, "cjlu", photo)
				if err != nil || out.Photo == nil {
					b.Fatalf("standardize: %v %+v", err, out.Findings)
				}
				if _, err := sc.Score(ctx, worker.Probe{Photo: out.Photo, Face: out.PhotoFace}, ref); err != nil {
					b.Fatal(err)
				}
			}
			capture() // warm: models loaded, admission embedding cached
			b.ResetTimer()
			start := cpuTime()
			for range b.N {
				capture()
			}
			b.ReportMetric(float64((cpuTime()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
		b.Run(size.name+"/baseline", func(b *testing.B) {
			start := cpuTime()
			for range b.N {
				f, err := rec.RecognizeSingle(photo)
				if err != nil || f == nil {
					b.Fatalf("go-face: %v", err)
				}
				_ = face.SquaredEuclideanDistance(f.Descriptor, refFace.Descriptor)
			}
			b.ReportMetric(float64((cpuTime()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}

// BenchmarkCheckQuality is a precheck's image and face work alone on the
// 12 MP phone-like photo of BenchmarkCapture: the standardization's checks
// and liveness, without the JPEG quality search (VerdictOnly), beside the
// capture's whole standardization in the same run.
func BenchmarkCheckQuality(b *testing.B) {
	ctx := context.Background()
	st := standardizer(b)
	photo, err := loadtest.PhoneLike(testphotos.Read(b, "faces/deepface/img14.jpg"), 3000, 4000, 1)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		run  func() error
	}{
		{"precheck", func() error { _, err := st.CheckQuality(ctx, "cjlu", photo); return err }},
		{"standardize", func() error { _, err := st.Standardize(ctx, "cjlu", photo); return err }},
	} {
		b.Run(c.name, func(b *testing.B) {
			if err := c.run(); err != nil {
				b.Fatal(err)
			}
			start := cpuTime()
			b.ResetTimer()
			for range b.N {
				if err := c.run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-start).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
