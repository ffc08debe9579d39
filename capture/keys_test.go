package capture_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
)

func TestValidID(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"cjlu": true, "S2026-001": true, "0193a.b_c": true,
		"": false, "-x": false, "a/b": false, "a b": false, "张三": false, "../x": false,
		"a234567890123456789012345678901234567890123456789012345678901234":  true,
		"a2345678901234567890123456789012345678901234567890123456789012345": false,
	} {
		require.Equal(t, want, capture.ValidID(s), s)
	}
}
