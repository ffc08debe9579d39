package imaging_test

import (
	"bytes"
	"context"
	"image/jpeg"
	"math"
	"math/rand"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/testmodels"
	"github.com/recheck/recheck/internal/testphotos"
)

// partsBase are shared photos that pass every check with the 68 landmarks
// (closed mouth, plain background, shoulders in view), the bases of the
// altered copies in TestSyntheticPartDefects.
var partsBase = []string{
	"faces/deepface/img13.jpg",
	"faces/deepface/img14.jpg",
	"faces/deepface/img18.jpg",
	"faces/deepface/img2.jpg",
	"faces/deepface/img3.jpg",
	"faces/deepface/img33.jpg",
	"faces/deepface/img35.jpg",
	"faces/deepface/img36.jpg",
	"faces/deepface/img7.jpg",
	"faces/face_recognition-knn_train-kit_harington/john1.jpeg",
	"faces/hivision-demo/test0.jpg",
	"faces/hivision-demo/test3.jpg",
	"faces-east-asian/nz0001na_Asian_faces/caolei__116_6.jpg",
	"faces-east-asian/nz0001na_Asian_faces/chenjianzhou__102_9.jpg",
	"faces-east-asian/nz0001na_Asian_faces/chenweiting__101_20.jpg",
	"faces-east-asian/nz0001na_Asian_faces/chenweiting__101_23.jpg",
	"faces-east-asian/nz0001na_Asian_faces/chenweiting__101_24.jpg",
	"faces-east-asian/nz0001na_Asian_faces/chenxiao__113_5.jpg",
	"faces-east-asian/nz0001na_Asian_faces/chenzhanpeng__115_13.jpg",
}

// framed is a standardized photo's frame (before the background) with its
// 68 points, the base of an altered copy.
type framed struct {
	img imaging.RGB
	lm  imaging.Landmarks68
}

func (f framed) pt(k int) (float64, float64) { return f.lm[k][0], f.lm[k][1] }

// eye returns an eye's centre and width (k: 36 or 42).
func (f framed) eye(k int) (cx, cy, w float64) {
	ax, ay := f.pt(k)
	bx, by := f.pt(k + 3)
	return (ax + bx) / 2, (ay + by) / 2, math.Hypot(bx-ax, by-ay)
}

// head returns the eyes' midpoint and the head's height (twice eyes to chin).
func (f framed) head() (ex, ey, chinY, h float64) {
	lx, ly, _ := f.eye(36)
	rx, ry, _ := f.eye(42)
	_, chinY = f.pt(8)
	ex, ey = (lx+rx)/2, (ly+ry)/2
	return ex, ey, chinY, 2 * (chinY - ey)
}

func (f framed) set(x, y int, c [3]float64) {
	if x < 0 || y < 0 || x >= f.img.W || y >= f.img.H {
		return
	}
	i := 3 * (y*f.img.W + x)
	for k := 0; k < 3; k++ {
		f.img.Pix[i+k] = uint8(math.Max(0, math.Min(255, c[k])))
	}
}

func (f framed) get(x, y int) [3]float64 {
	x, y = max(0, min(x, f.img.W-1)), max(0, min(y, f.img.H-1))
	i := 3 * (y*f.img.W + x)
	return [3]float64{float64(f.img.Pix[i]), float64(f.img.Pix[i+1]), float64(f.img.Pix[i+2])}
}

// ellipse calls fn for the pixels inside the ellipse at (cx, cy).
func ellipse(cx, cy, rx, ry float64, fn func(x, y int)) {
	for y := int(cy - ry); y <= int(cy+ry); y++ {
		for x := int(cx - rx); x <= int(cx+rx); x++ {
			dx, dy := (float64(x)-cx)/rx, (float64(y)-cy)/ry
			if dx*dx+dy*dy <= 1 {
				fn(x, y)
			}
		}
	}
}

// The alterations: each changes a frame the way the defect would.
var partDefects = []struct {
	name string
	want string // the finding or flag it must raise
	flag bool
	f    func(framed)
}{
	{"an open mouth", imaging.FindingMouthOpen, false, func(f framed) {
		// The jaw dropped: below the lips' line, the face is pulled down by
		// up to 0.15 of the eyes-to-chin distance (most at the mouth's
		// centre, fading out across the mouth's width and towards the
		// neck), and the opening is dark behind a row of upper teeth.
		_, ey, chinY, _ := f.head()
		drop := 0.15 * (chinY - ey)
		lx, _ := f.pt(48)
		rx, _ := f.pt(54)
		_, ty := f.pt(62)
		cx, half := (lx+rx)/2, (rx-lx)*0.75
		src := imaging.NewRGB(f.img.W, f.img.H)
		copy(src.Pix, f.img.Pix)
		orig := framed{img: src}
		bottom := chinY + 2*drop
		for y := int(ty); y <= int(bottom); y++ {
			for x := int(cx - half); x <= int(cx+half); x++ {
				wx := 0.5 + 0.5*math.Cos(math.Pi*(float64(x)-cx)/half)
				wy := 1.0
				if float64(y) > chinY {
					wy = (bottom - float64(y)) / (bottom - chinY)
				}
				d := drop * wx * wy
				gapX := math.Abs(float64(x)-cx) < (rx-lx)*0.4
				switch {
				case gapX && float64(y) < ty+d*0.3:
					f.set(x, y, [3]float64{225, 220, 205})
				case gapX && float64(y) < ty+d:
					f.set(x, y, [3]float64{60, 25, 30})
				default:
					f.set(x, y, orig.get(x, int(float64(y)-d)))
				}
			}
		}
	}},
	{"tinted glasses", imaging.FlagGlassesTinted, true, func(f framed) {
		for _, k := range []int{36, 42} {
			cx, cy, w := f.eye(k)
			ellipse(cx, cy, 0.9*w, 0.6*w, func(x, y int) {
				c := f.get(x, y)
				f.set(x, y, [3]float64{c[0]*0.3 + 20, c[1]*0.3 + 12, c[2]*0.3 + 5})
			})
		}
	}},
	{"a reflection on the glasses", imaging.FlagGlassesReflective, true, func(f framed) {
		for _, k := range []int{36, 42} {
			cx, cy, w := f.eye(k)
			ellipse(cx+0.25*w, cy-0.3*w, 0.45*w, 0.22*w, func(x, y int) { f.set(x, y, [3]float64{255, 255, 255}) })
		}
	}},
	{"a fringe over the brows", imaging.FlagHairOverBrows, true, func(f framed) {
		r := rand.New(rand.NewSource(1))
		_, _, _, h := f.head()
		x0, _ := f.pt(17)
		x1, _ := f.pt(26)
		_, by := f.pt(19)
		// Forehead and brows, under a hairline left where it was.
		for y := int(by - 0.18*h); y <= int(by+0.03*h); y++ {
			for x := int(x0 - 0.02*h); x <= int(x1+0.02*h); x++ {
				v := 28 + r.Float64()*18
				f.set(x, y, [3]float64{v, v * 0.85, v * 0.8})
			}
		}
	}},
	{"a white top", imaging.FindingClothesMatchBackground, false, func(f framed) {
		ex, _, chinY, h := f.head()
		for y := int(chinY + 0.2*h); y < f.img.H; y++ {
			for x := int(ex - 0.5*h); x <= int(ex+0.5*h); x++ {
				c := f.get(x, y)
				l := (c[0] + c[1] + c[2]) / 3
				v := 238 + 14*l/255
				f.set(x, y, [3]float64{v, v, v})
			}
		}
	}},
}

// TestSyntheticPartDefects alters photos that pass (an open mouth, tinted
// glasses, a reflection, a fringe, a white top), standardizes the altered
// copies with the face reader, and checks that each raises its finding or review flag on enough of
// them, while the unaltered frames raise none; the rates are in docs/standardization.md.
func TestSyntheticPartDefects(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: this test standardizes a hundred altered portraits (a minute); make test runs it")
	}
	m := testmodels.Matcher(t)
	opt := imaging.Options{Detector: m.Detectors(), FaceReader: m.FaceReader()}
	run := func(data []byte) *imaging.Result {
		res, err := imaging.Standardize(context.Background(), data, opt)
		require.NoError(t, err)
		return res
	}
	raised := func(res *imaging.Result, code string) bool {
		for _, f := range append(slices.Clone(res.Findings), res.Review...) {
			if f.Code == code {
				return true
			}
		}
		return false
	}
	hits := make([]int, len(partDefects))
	clean := 0
	for _, rel := range partsBase {
		// The photo decoded (at most 1600 px), its face and 68 points: the
		// alterations paint on this copy, which is standardized again.
		img, err := imaging.Preview(testphotos.Read(t, rel), imaging.DefaultLimits(), 1600)
		require.NoError(t, err)
		faces, err := m.Detectors().DetectFaces(context.Background(), img)
		require.NoError(t, err)
		require.Len(t, faces, 1, rel)
		lm, err := m.Landmarks68(context.Background(), img, faces[0].Box)
		require.NoError(t, err)
		base := framed{img: img, lm: lm}
		res := run(encode(t, base.img))
		require.True(t, res.OK, "%s: %+v", rel, res.Findings)
		if len(res.Review) == 0 {
			clean++
		} else {
			t.Logf("%s: %+v", rel, res.Review)
		}
		for i, d := range partDefects {
			img := imaging.NewRGB(base.img.W, base.img.H)
			copy(img.Pix, base.img.Pix)
			d.f(framed{img: img, lm: base.lm})
			r := run(encode(t, img))
			if raised(r, d.want) {
				hits[i]++
			} else {
				t.Logf("%s: %s not raised: %+v %+v", rel, d.name, r.Findings, r.Measures)
			}
		}
	}
	n := len(partsBase)
	t.Logf("unaltered frames: %d of %d pass without a flag", clean, n)
	require.Equal(t, n, clean, "the unaltered photos raise nothing")
	for i, d := range partDefects {
		t.Logf("%s: %s on %d of %d", d.name, d.want, hits[i], n)
		least := 0.8
		if d.want == imaging.FindingMouthOpen {
			// The landmark model follows a painted jaw drop only partly,
			// as it follows real open mouths (≈ 80 %, docs/standardization.md): 15 of 19.
			least = 0.7
		}
		require.GreaterOrEqual(t, float64(hits[i])/float64(n), least, "%s raises %s", d.name, d.want)
	}
}

func encode(t *testing.T, img imaging.RGB) []byte {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, jpeg.Encode(&b, img.ToImage(), &jpeg.Options{Quality: 92}))
	return b.Bytes()
}

// TestMouthOpenOnRealPhotos: the same person smiling with bared teeth
// (deepface img15) fails mouth_open, with the mouth closed (img14) passes;
// without a face reader the check does not run.
func TestMouthOpenOnRealPhotos(t *testing.T) {
	m := testmodels.Matcher(t)
	for _, tc := range []struct {
		photo  string
		reader imaging.FaceReader
		open   bool
	}{
		{"faces/deepface/img15.jpg", m.FaceReader(), true},
		{"faces/deepface/img14.jpg", m.FaceReader(), false},
		{"faces/deepface/img15.jpg", nil, false},
	} {
		res, err := imaging.Standardize(context.Background(), testphotos.Read(t, tc.photo),
			imaging.Options{Detector: m.Detectors(), FaceReader: tc.reader})
		require.NoError(t, err)
		var codes []string
		for _, f := range res.Findings {
			codes = append(codes, f.Code)
		}
		if tc.open {
			require.Equal(t, []string{imaging.FindingMouthOpen}, codes, tc.photo)
			require.Greater(t, res.Measures.MouthOpen, 0.06)
			require.Nil(t, res.Output, "a rejected photo is not encoded")
		} else {
			require.Empty(t, codes, "%s with reader %v", tc.photo, tc.reader != nil)
			require.True(t, res.OK)
		}
	}
}
