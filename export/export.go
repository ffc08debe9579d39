// Package export writes a school's approved, standardized photos as the
// zip CHSI's batch upload takes (学信网照片批量上传): each photo named
// "<document number>.jpg", and manifest.csv beside them. Only the latest
// approved capture of each student is exported; photos are read from
// storage and written one at a time, so memory does not grow with the
// number of photos; entries are in student-ID order with fixed times, so
// the same data gives the same bytes. The caller logs each export with its
// user (the audit line).
package export

import (
	"archive/zip"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/storage"
)

// Options choose what is exported and by whom.
type Options struct {
	School string
	// Cohort, when set, keeps only captures of that cohort.
	Cohort string
	// User is who asked (in the Summary, which the caller logs).
	User string
	// Progress, when set, is called after each photo with the count done
	// and the total.
	Progress func(done, total int)
}

// Summary is what an export wrote.
type Summary struct {
	School   string    `json:"school"`
	Cohort   string    `json:"cohort,omitempty"`
	User     string    `json:"user"`
	At       time.Time `json:"at"`
	Photos   int       `json:"photos"`
	Skipped  int       `json:"skipped"`
	Students int       `json:"students"`
}

// Exporter reads approved captures and their photos.
type Exporter struct {
	Repo  capture.Store
	Store storage.Store
	Now   func() time.Time
}

// ErrNothing is returned when a school (or cohort) has no approved
// capture.
var ErrNothing = errors.New("export: no approved capture to export")

// entry is one student's latest approved capture.
type entry struct {
	id, student, number string
	approved            time.Time
	score               float64
	ctid                string
}

// pageSize is how many capture IDs are read from the index at once.
const pageSize = 500

// select lists the latest approved capture of each student, in student-ID
// order.
func (e *Exporter) entries(ctx context.Context, opt Options) ([]entry, error) {
	latest := map[string]entry{}
	cursor := ""
	for {
		ids, next, err := e.Repo.ListState(ctx, opt.School, capture.Approved, cursor, pageSize)
		if err != nil {
			return nil, fmt.Errorf("export: list approved captures: %w", err)
		}
		for _, id := range ids {
			rec, err := e.Repo.Get(ctx, id)
			if errors.Is(err, capture.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("export: read capture %s: %w", id, err)
			}
			if rec.State != capture.Approved || (opt.Cohort != "" && rec.Cohort != opt.Cohort) {
				continue
			}
			en := entry{id: rec.ID, student: rec.StudentID, number: rec.Document.Number, approved: rec.UpdatedAt}
			if rec.Decision != nil {
				en.approved = rec.Decision.At
			}
			if rec.Match != nil {
				en.score = rec.Match.Score
				if rec.Match.CTID != nil {
					en.ctid = rec.Match.CTID.Outcome
				}
			}
			if old, ok := latest[en.student]; !ok || en.approved.After(old.approved) {
				latest[en.student] = en
			}
		}
		if next == "" {
			break
		}
		cursor = next
	}
	out := make([]entry, 0, len(latest))
	for _, en := range latest {
		out = append(out, en)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].student < out[j].student })
	return out, nil
}

// fileName is the CHSI name of a photo: the document number, letters and
// digits only (a resident ID's X upper-case).
func fileName(number string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(strings.TrimSpace(number)) {
		if (r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z') {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Write writes the zip of opt's school to w and records the export.
func (e *Exporter) Write(ctx context.Context, opt Options, w io.Writer) (Summary, error) {
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	sum := Summary{School: opt.School, Cohort: opt.Cohort, User: opt.User, At: now().UTC()}
	entries, err := e.entries(ctx, opt)
	if err != nil {
		return sum, err
	}
	if len(entries) == 0 {
		return sum, ErrNothing
	}
	sum.Students = len(entries)
	zw := zip.NewWriter(w)
	var manifest strings.Builder
	mw := csv.NewWriter(&manifest)
	_ = mw.Write([]string{"file", "student_id", "capture_id", "approved_at", "score", "ctid_outcome", "note"})
	used := map[string]int{}
	for i, en := range entries {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		row := []string{"", en.student, en.id, en.approved.UTC().Format(time.RFC3339), strconv.FormatFloat(en.score, 'f', 1, 64), en.ctid, ""}
		photo, err := e.Store.Get(ctx, capture.StandardizedKey(opt.School, en.id))
		name := fileName(en.number)
		switch {
		case errors.Is(err, storage.ErrNotFound):
			row[6] = "standardized photo deleted (retention); not exported"
			sum.Skipped++
		case err != nil:
			return sum, fmt.Errorf("export: read the photo of %s: %w", en.id, err)
		case name == "":
			row[6] = "no document number; not exported"
			sum.Skipped++
		default:
			used[name]++
			if used[name] > 1 {
				name += "_" + strconv.Itoa(used[name])
				row[6] = "document number shared with another student"
			}
			name += ".jpg"
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store, Modified: en.approved.UTC()})
			if err != nil {
				return sum, fmt.Errorf("export: %w", err)
			}
			if _, err := fw.Write(photo); err != nil {
				return sum, fmt.Errorf("export: write %s: %w", name, err)
			}
			row[0] = name
			sum.Photos++
		}
		_ = mw.Write(row)
		if opt.Progress != nil {
			opt.Progress(i+1, len(entries))
		}
	}
	mw.Flush()
	fw, err := zw.CreateHeader(&zip.FileHeader{Name: "manifest.csv", Method: zip.Deflate, Modified: entries[len(entries)-1].approved.UTC()})
	if err != nil {
		return sum, fmt.Errorf("export: %w", err)
	}
	if _, err := io.WriteString(fw, manifest.String()); err != nil {
		return sum, fmt.Errorf("export: write manifest: %w", err)
	}
	if err := zw.Close(); err != nil {
		return sum, fmt.Errorf("export: %w", err)
	}
	return sum, nil
}
