package capture

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestCheckNote: reviewers' reasons and office notes keep their lines but
// refuse control and invisible characters that would reorder or hide what
// the next person reads.
func TestCheckNote(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, in, want string
		ok             bool
	}{
		{"plain", " 照片模糊 ", "照片模糊", true},
		{"two lines", "第一行\n第二行", "第一行\n第二行", true},
		{"NUL", "照片\x00模糊", "", false},
		{"right-to-left override", "approve\u202eevorppa", "", false},
		{"zero-width space", "照片\u200b模糊", "", false},
		{"empty but required", "  ", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := checkNote("reason", tc.in, true)
			if !tc.ok {
				var ie *InvalidError
				require.True(t, errors.As(err, &ie), "%v", err)
				require.Equal(t, "reason", ie.Field)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}
