package identity_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/identity"
)

func TestHidden(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		r      rune
		hidden bool
	}{
		{"NUL", 0, true},
		{"tab", '\t', true},
		{"DEL", 0x7F, true},
		{"C1 control", 0x85, true},
		{"right-to-left override", 0x202E, true},
		{"left-to-right isolate", 0x2066, true},
		{"zero-width space", 0x200B, true},
		{"zero-width joiner", 0x200D, true},
		{"byte-order mark", 0xFEFF, true},
		{"soft hyphen", 0xAD, true},
		{"line separator", 0x2028, true},
		{"paragraph separator", 0x2029, true},
		{"private use", 0xE000, true},
		{"noncharacter", 0xFFFF, true},
		{"noncharacter block", 0xFDD0, true},
		{"Han", '张', false},
		{"rare Han (extension B)", 0x20BB7, false},
		{"middle dot of minority names", '·', false},
		{"Latin", 'A', false},
		{"space", ' ', false},
		{"Uyghur letter", 'ئ', false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.hidden, identity.Hidden(tc.r), "%U", tc.r)
		})
	}
}
