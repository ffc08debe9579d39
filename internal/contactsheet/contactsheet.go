// Package contactsheet draws the picture a school's admin or a developer
// looks at to judge the standardization: each input beside its standardized
// output and background matte, or beside its failed checks in red with
// their values. It writes a self-contained HTML page or a PNG.
package contactsheet

import (
	"github.com/recheck/recheck/imaging"
)

// Row is one photo on the sheet.
type Row struct {
	// Name labels the row (a file name).
	Name string
	// Input is a preview of the input; empty when it could not be read.
	Input imaging.RGB
	// Result is the standardization's outcome, with diagnostics; nil when
	// the input could not be read.
	Result *imaging.Result
	// Err says why the input could not be read.
	Err error
}

// Summary counts the rows by outcome.
type Summary struct {
	Accepted, Rejected, Unreadable int
}

// Summarize counts rows by outcome.
func Summarize(rows []Row) Summary {
	var s Summary
	for _, r := range rows {
		switch {
		case r.Result == nil:
			s.Unreadable++
		case r.Result.OK:
			s.Accepted++
		default:
			s.Rejected++
		}
	}
	return s
}
