package doclinks_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/stretchr/testify/require"
)

// root is the repository, from this package's directory.
const root = "../.."

var (
	linkRE    = regexp.MustCompile(`!?\[[^\]]*\]\(([^)\s]+)\)`)
	headingRE = regexp.MustCompile(`(?m)^#{1,6} (.+)$`)
	fenceRE   = regexp.MustCompile("(?s)```.*?```")
)

// slug is a heading's anchor as GitHub makes it: lower case, punctuation
// dropped (letters of every script, digits, spaces, '-' and '_' kept),
// spaces turned into '-'.
func slug(heading string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(heading)) {
		switch {
		case r == ' ':
			b.WriteRune('-')
		case unicode.IsLetter(r), unicode.IsDigit(r), r == '-', r == '_':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// anchors lists the headings' anchors of a Markdown text.
func anchors(text string) map[string]bool {
	out := map[string]bool{}
	for _, m := range headingRE.FindAllStringSubmatch(fenceRE.ReplaceAllString(text, ""), -1) {
		out[slug(strings.ReplaceAll(m[1], "`", ""))] = true
	}
	return out
}

// TestDocsLinkOnlyToWhatExists: every relative link of the Markdown
// documents names a file of the repository and, with #, a heading of it.
func TestDocsLinkOnlyToWhatExists(t *testing.T) {
	files := []string{filepath.Join(root, "README.md"), filepath.Join(root, "BENCHMARKS.md")}
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	require.NoError(t, err)
	require.NotEmpty(t, docs)
	files = append(files, docs...)
	checked := 0
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		text := fenceRE.ReplaceAllString(string(raw), "")
		for _, m := range linkRE.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			path, anchor, _ := strings.Cut(target, "#")
			dest := f
			if path != "" {
				dest = filepath.Join(filepath.Dir(f), path)
				_, err := os.Stat(dest)
				require.NoError(t, err, "%s links to %s, which does not exist", f, target)
			}
			if anchor != "" {
				body, err := os.ReadFile(dest)
				require.NoError(t, err)
				require.True(t, anchors(string(body))[anchor], "%s links to %s: %s has no heading #%s", f, target, dest, anchor)
			}
			checked++
		}
	}
	require.Greater(t, checked, 10, "the documents link to each other")
}

func TestSlug(t *testing.T) {
	for heading, want := range map[string]string{
		"The identity check (CTID) and the decision table": "the-identity-check-ctid-and-the-decision-table",
		"Export to CHSI (学信网)":                             "export-to-chsi-学信网",
		"Re-photographed prints and screens (严禁翻拍)":        "re-photographed-prints-and-screens-严禁翻拍",
	} {
		require.Equal(t, want, slug(heading), heading)
	}
}
