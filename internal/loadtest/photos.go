package loadtest

import (
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/davidbyttow/govips/v2/vips"
)

// person is one labelled person's two photos: the admission photo on file
// and the photo the student shoots.
type person struct {
	name                string
	admission, captured []byte
}

var photoExt = map[string]bool{".jpg": true, ".jpeg": true, ".png": true, ".webp": true}

// people reads a labelled folder: one subfolder per person, or files named
// "<person>__<anything>" (the shared East Asian layout). People with fewer
// than two photos are left out.
func people(dir string) ([]person, error) {
	byPerson := map[string][]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !photoExt[strings.ToLower(filepath.Ext(p))] {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		who := filepath.Dir(rel)
		if who == "." {
			who, _, _ = strings.Cut(filepath.Base(p), "__")
		}
		byPerson[who] = append(byPerson[who], p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("loadtest: read %s: %w", dir, err)
	}
	var out []person
	for who, files := range byPerson {
		if len(files) < 2 {
			continue
		}
		sort.Strings(files)
		a, err := os.ReadFile(files[0])
		if err != nil {
			return nil, err
		}
		b, err := os.ReadFile(files[len(files)-1])
		if err != nil {
			return nil, err
		}
		out = append(out, person{name: who, admission: a, captured: b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	if len(out) == 0 {
		return nil, fmt.Errorf("loadtest: no person with two photos in %s (one folder per person, or files named <person>__…)", dir)
	}
	return out, nil
}

// The sizes of the captured photos.
const (
	SizeAsIs = "as-is"
	Size1MP  = "1mp"
	Size12MP = "12mp"
)

// PhoneLike makes a phone-sized JPEG of the photo: scaled to cover w × h
// and cut to it, with sensor-like noise (σ ≈ 3 levels of luma, 2 of
// chroma) so that it decodes like a camera's file rather than a smooth
// upscale, encoded at quality 92 (4:2:0).
func PhoneLike(photo []byte, w, h int, seed uint64) ([]byte, error) {
	img, err := vips.NewImageFromBuffer(photo)
	if err != nil {
		return nil, fmt.Errorf("loadtest: decode: %w", err)
	}
	defer img.Close()
	if err := img.AutoRotate(); err != nil {
		return nil, err
	}
	s := max(float64(w)/float64(img.Width()), float64(h)/float64(img.Height()))
	if err := img.Resize(s, vips.KernelLanczos3); err != nil {
		return nil, err
	}
	if err := img.ExtractArea((img.Width()-w)/2, (img.Height()-h)/2, w, h); err != nil {
		return nil, err
	}
	raw, _, err := img.ExportJpeg(&vips.JpegExportParams{Quality: 100})
	if err != nil {
		return nil, err
	}
	dec, err := jpeg.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	ycc, ok := dec.(*image.YCbCr)
	if !ok {
		return nil, fmt.Errorf("loadtest: unexpected decoded image %T", dec)
	}
	r := rand.New(rand.NewPCG(seed, 92))
	noise := func(plane []byte, sigma float64) {
		for i, v := range plane {
			n := (r.Float64() + r.Float64() + r.Float64() - 1.5) * 2 * sigma
			plane[i] = uint8(max(0, min(255, float64(v)+n)))
		}
	}
	noise(ycc.Y, 3)
	noise(ycc.Cb, 2)
	noise(ycc.Cr, 2)
	var out bytes.Buffer
	if err := jpeg.Encode(&out, ycc, &jpeg.Options{Quality: 92}); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// sized returns the captured photo at the asked size.
func sized(photo []byte, size string, seed uint64) ([]byte, error) {
	switch size {
	case SizeAsIs:
		return photo, nil
	case Size1MP:
		return PhoneLike(photo, 864, 1152, seed)
	case Size12MP:
		return PhoneLike(photo, 3000, 4000, seed)
	}
	return nil, fmt.Errorf("loadtest: --size must be as-is, 1mp or 12mp, got %q", size)
}

// unique makes a JPEG's bytes unique to a student without changing its
// pixels (a comment segment after the start marker), so that no cache
// keyed by a photo's SHA-256 serves one student's work to another.
func unique(photo []byte, tag string) []byte {
	if len(photo) < 2 || photo[0] != 0xFF || photo[1] != 0xD8 {
		return photo // not a JPEG: sent as it is
	}
	seg := []byte{0xFF, 0xFE, byte((len(tag) + 2) >> 8), byte(len(tag) + 2)}
	out := make([]byte, 0, len(photo)+len(seg)+len(tag))
	out = append(out, photo[:2]...)
	out = append(out, seg...)
	out = append(out, tag...)
	return append(out, photo[2:]...)
}
