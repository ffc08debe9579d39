// Package texts is the catalogue of every Chinese text recheck shows: the
// student's status lines, notices and refusals, the quality findings, the
// API's error messages, the staff pages' labels. Code refers to a text by
// its code (a state, a finding, an error code); a test fails on a Chinese
// string literal anywhere else, so one reader can review every word a
// student sees in one place, and a test in each package that owns codes
// fails on a code without a text.
//
// The texts follow the capture instructions' own wording
// (../shared/docs/capture-flow-zh.txt). A text with places for numbers
// writes them %[n]…; the package that owns the numbers fills them in.
package texts

import (
	"maps"
	"slices"
)

// Catalogue is a set of texts of one kind, keyed by the code they explain.
// It cannot be changed after the package is loaded.
type Catalogue[T any] struct {
	texts map[string]T
}

func catalogue[T any](m map[string]T) Catalogue[T] { return Catalogue[T]{texts: m} }

// Text returns the text of code, or the zero value when the catalogue has
// none.
func (c Catalogue[T]) Text(code string) T { return c.texts[code] }

// Lookup returns the text of code and whether the catalogue has one.
func (c Catalogue[T]) Lookup(code string) (T, bool) {
	t, ok := c.texts[code]
	return t, ok
}

// Codes returns every code the catalogue has a text for, sorted.
func (c Catalogue[T]) Codes() []string { return slices.Sorted(maps.Keys(c.texts)) }
