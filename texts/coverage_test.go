package texts_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/ctid"
	"github.com/recheck/recheck/identity"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/texts"
)

// parse reads the non-test Go files of the package in dir, or the one file
// dir names (relative to the repository's root).
func parse(t *testing.T, dir string) []*ast.File {
	t.Helper()
	pattern := filepath.Join("..", dir, "*.go")
	if strings.HasSuffix(dir, ".go") {
		pattern = filepath.Join("..", dir)
	}
	paths, err := filepath.Glob(pattern)
	require.NoError(t, err)
	var files []*ast.File
	fset := token.NewFileSet()
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, 0)
		require.NoError(t, err)
		files = append(files, f)
	}
	require.NotEmpty(t, files, dir)
	return files
}

// constants returns the values of the package's string constants whose
// names start with one of prefixes.
func constants(t *testing.T, dir string, prefixes ...string) []string {
	t.Helper()
	var out []string
	for _, f := range parse(t, dir) {
		ast.Inspect(f, func(n ast.Node) bool {
			vs, ok := n.(*ast.ValueSpec)
			if !ok {
				return true
			}
			for i, name := range vs.Names {
				if i >= len(vs.Values) || !slices.ContainsFunc(prefixes, func(p string) bool { return strings.HasPrefix(name.Name, p) }) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					s, _ := strconv.Unquote(lit.Value)
					out = append(out, s)
				}
			}
			return true
		})
	}
	require.NotEmpty(t, out, "%s: no constants named %v", dir, prefixes)
	return out
}

// calledWith returns the string literals the package passes as argument
// arg of calls to fn.
func calledWith(t *testing.T, dir, fn string, arg int) []string {
	t.Helper()
	var out []string
	for _, f := range parse(t, dir) {
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok || len(call.Args) <= arg {
				return true
			}
			if id, ok := call.Fun.(*ast.Ident); !ok || id.Name != fn {
				return true
			}
			if lit, ok := call.Args[arg].(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				out = append(out, s)
			}
			return true
		})
	}
	return out
}

func sorted(codes []string) []string {
	return slices.Compact(slices.Sorted(slices.Values(codes)))
}

// TestEveryCodeHasItsText: each catalogue has a text for every code its
// package can produce, and no text for a code nothing produces.
func TestEveryCodeHasItsText(t *testing.T) {
	t.Parallel()
	var docTypes, outcomes []string
	for _, dt := range identity.DocumentTypes {
		docTypes = append(docTypes, string(dt))
	}
	for _, o := range []ctid.Outcome{ctid.Pass, ctid.Suspected, ctid.NotSamePerson, ctid.IdentityInvalid, ctid.Unavailable, ""} {
		outcomes = append(outcomes, string(o))
	}
	tests := []struct {
		name  string
		codes []string
		texts []string
	}{
		{"findings", constants(t, "imaging", "Finding", "Flag"), texts.Findings.Codes()},
		{"photo errors", constants(t, "imaging", "Code"), texts.PhotoErrors.Codes()},
		{"measures", slices.Collect(maps.Keys(imaging.Measures{}.Map())), texts.Measures.Codes()},
		{"document errors", constants(t, "identity", "Code"), texts.DocumentErrors.Codes()},
		{"document types", docTypes, texts.DocumentTypes.Codes()},
		{"refusals", constants(t, "capture", "Refused"), texts.Refusals.Codes()},
		{"conflicts", calledWith(t, "capture", "conflict", 0), texts.Conflicts.Codes()},
		{"cases", constants(t, "capture", "Case"), texts.Cases.Codes()},
		{"stages", constants(t, "capture/summary.go", "Stage"), texts.Stages.Codes()},
		{"review flags", constants(t, "capture", "ReviewFlag", "Flag"), texts.ReviewFlags.Codes()},
		{"roles", constants(t, "intake", "Role"), texts.Roles.Codes()},
		{"ctid outcomes", outcomes, texts.CTIDResults.Codes()},
	}
	for _, tc := range tests {
		require.Equal(t, sorted(tc.codes), sorted(tc.texts), tc.name)
	}
}

// TestEveryAPIErrorHasItsText: every error code the API builds has a text,
// and every text of the API's catalogue is used.
func TestEveryAPIErrorHasItsText(t *testing.T) {
	t.Parallel()
	var codes []string
	for fn, arg := range map[string]int{"newError": 1, "authError": 1, "fieldError": 0, "admissionFaceError": 0} {
		codes = append(codes, calledWith(t, "intake", fn, arg)...)
	}
	for _, f := range parse(t, "intake") {
		ast.Inspect(f, func(n ast.Node) bool {
			kv, ok := n.(*ast.KeyValueExpr)
			if !ok {
				return true
			}
			if id, ok := kv.Key.(*ast.Ident); !ok || id.Name != "Code" {
				return true
			}
			if lit, ok := kv.Value.(*ast.BasicLit); ok && lit.Kind == token.STRING {
				s, _ := strconv.Unquote(lit.Value)
				codes = append(codes, s)
			}
			return true
		})
	}
	elsewhere := func(c string) bool {
		for _, cat := range []texts.Catalogue[string]{texts.PhotoErrors, texts.DocumentErrors, texts.Refusals, texts.Conflicts} {
			if _, ok := cat.Lookup(c); ok {
				return true
			}
		}
		return false
	}
	for _, c := range sorted(codes) {
		if _, ok := texts.APIErrors.Lookup(c); !ok && !elsewhere(c) {
			t.Errorf("intake builds error %q without a Chinese text", c)
		}
	}
	for _, c := range texts.APIErrors.Codes() {
		if !slices.Contains(codes, c) {
			t.Errorf("text for API error %q, which intake never builds", c)
		}
	}
}

// TestEscalationAdviceIsForReasons: the advice is keyed by the reasons a
// capture can be blocked for.
func TestEscalationAdviceIsForReasons(t *testing.T) {
	t.Parallel()
	for _, c := range texts.EscalationAdvice.Codes() {
		require.Contains(t, []string{capture.ReasonCTIDIdentityInvalid, capture.ReasonCTIDSuspected, capture.ReasonCTIDNotSamePerson}, c)
	}
}
