package imaging_test

import (
	"strings"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"
	"github.com/stretchr/testify/require"
)

// requireNoMetadata checks that a JPEG carries no EXIF, XMP, IPTC or ICC
// data: no GPS, no device, nothing but pixels.
func requireNoMetadata(t *testing.T, jpeg []byte) {
	t.Helper()
	img, err := vips.NewImageFromBuffer(jpeg)
	require.NoError(t, err)
	defer img.Close()
	require.False(t, img.HasExif(), "EXIF stripped")
	require.False(t, img.HasICCProfile(), "ICC profile stripped")
	require.False(t, img.HasIPTC(), "IPTC stripped")
	for _, f := range img.ImageFields() {
		require.False(t, strings.HasPrefix(f, "exif-") || strings.HasPrefix(f, "xmp") || f == "icc-profile-data", "metadata field %s", f)
	}
}
