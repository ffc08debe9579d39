// Package doclinks holds the check that the project's Markdown documents
// (README.md, BENCHMARKS.md, docs/*.md) link only to files and headings
// that exist. It has no code of its own: see its test.
package doclinks
