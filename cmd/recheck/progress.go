package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"
)

// progress shows a long command's progress: a bar on a terminal, a plain
// line every 5 seconds (and at the end) otherwise.
type progress struct {
	w     io.Writer
	label string
	bar   *progressbar.ProgressBar
	last  time.Time
	done  int
	total int
	note  string
	start time.Time
}

func newProgress(w io.Writer, label string) *progress {
	p := &progress{w: w, label: label, start: time.Now(), last: time.Now()}
	if f, ok := w.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
		p.bar = progressbar.NewOptions(-1, progressbar.OptionSetWriter(w), progressbar.OptionSetDescription(label),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("captures"),
			progressbar.OptionSetPredictTime(true), progressbar.OptionClearOnFinish())
	}
	return p
}

// update records done of total and a short note (e.g. the outcomes).
func (p *progress) update(done, total int, note string) {
	p.done, p.total, p.note = done, total, note
	if p.bar != nil {
		if p.bar.GetMax() != total {
			p.bar.ChangeMax(total)
		}
		_ = p.bar.Set(done)
		if note != "" {
			p.bar.Describe(p.label + " " + note)
		}
		return
	}
	if time.Since(p.last) >= 5*time.Second {
		p.last = time.Now()
		p.line()
	}
}

func (p *progress) line() {
	rate := float64(p.done) / max(time.Since(p.start).Seconds(), 0.001)
	fmt.Fprintf(p.w, "%s: %d/%d (%.1f/s) %s\n", p.label, p.done, p.total, rate, p.note)
}

// finish ends the bar, or prints the last line.
func (p *progress) finish() {
	if p.bar != nil {
		_ = p.bar.Finish()
		return
	}
	if p.total > 0 {
		p.line()
	}
}
