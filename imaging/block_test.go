package imaging

import (
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
)

// TestUntrustedLoadersAreBlocked hands libvips, behind the sniffer's back,
// files only its SVG, PDF and GIF loaders would read: all are refused.
func TestUntrustedLoadersAreBlocked(t *testing.T) {
	Startup()
	for name, data := range map[string][]byte{
		"svg": []byte(`<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>`),
		"pdf": []byte("%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj 3 0 obj<</Type/Page/MediaBox[0 0 10 10]/Parent 2 0 R>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF"),
		"gif": []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"),
	} {
		img, err := vips.NewImageFromBuffer(data)
		if err == nil {
			img.Close()
			t.Errorf("%s: libvips loaded it; its loader must be blocked", name)
		}
	}
}
