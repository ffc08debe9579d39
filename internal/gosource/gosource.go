// Package gosource reads recheck's own Go source for the tests that keep
// a concern in one home: every Redis key in internal/keyspace, every
// Chinese text in texts.
package gosource

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
)

// StringLiterals calls fn with the position and value of every string
// literal in the non-test Go files below root, leaving out hidden folders,
// testdata, node_modules, data and bin, and the folders skip names
// (relative to root).
func StringLiterals(root string, skip []string, fn func(pos token.Position, value string)) error {
	root, err := filepath.Abs(root)
	if err != nil {
		return err
	}
	skipped := map[string]bool{}
	for _, s := range skip {
		skipped[filepath.Join(root, s)] = true
	}
	fset := token.NewFileSet()
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || skipped[path] ||
				name == "testdata" || name == "node_modules" || name == "data" || name == "bin") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				v = lit.Value
			}
			pos := fset.Position(lit.Pos())
			if rel, err := filepath.Rel(root, pos.Filename); err == nil {
				pos.Filename = rel
			}
			fn(pos, v)
			return true
		})
		return nil
	})
}
