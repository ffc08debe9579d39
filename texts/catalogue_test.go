package texts_test

import (
	"go/token"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/gosource"
)

// TestNoChineseOutsideTheCatalogue fails on a Chinese string literal in
// a non-test Go file outside this package: every text a student or a
// staff member reads is kept here, where one reviewer can read them all.
func TestNoChineseOutsideTheCatalogue(t *testing.T) {
	t.Parallel()
	var found []string
	err := gosource.StringLiterals("..", []string{"texts"}, func(pos token.Position, v string) {
		for _, r := range v {
			if unicode.Is(unicode.Han, r) {
				found = append(found, pos.String()+" "+v)
				return
			}
		}
	})
	require.NoError(t, err)
	require.Empty(t, found, "Chinese text outside the catalogue (package texts)")
}
