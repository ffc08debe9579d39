package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"

	"github.com/recheck/recheck/facematch"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/internal/contactsheet"
)

// sheetCmd: recheck sheet PATH... --out sheet.html [--png sheet.png]. Every
// file in the given folders (or the given files) is standardized, and the
// results drawn side by side with the inputs.
func sheetCmd(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) (int, error) {
	fs := flag.NewFlagSet("sheet", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return exitFailure, err
	}
	out := fs.String("out", "", "write the HTML sheet here")
	pngOut := fs.String("png", "", "write the sheet as a PNG picture here")
	cols := fs.Int("cols", 2, "photos side by side in the PNG")
	paths, err := parseArgs(fs, args)
	if err != nil {
		return exitFailure, err
	}
	if len(paths) == 0 || (*out == "" && *pngOut == "") {
		return exitFailure, usageError{"give folders or files, and --out FILE.html and/or --png FILE.png"}
	}
	profile, err := imaging.LookupProfile(cfg.Profiles.Default) // -profile, RECHECK_PROFILE
	if err != nil {
		return exitFailure, usageError{err.Error()}
	}
	files, err := collectFiles(paths)
	if err != nil {
		return exitBadInput, err
	}
	slots := runtime.NumCPU()
	m, err := startOffline(cfg, slots, false, facematch.EmbedderArcFace)
	if err != nil {
		return exitFailure, err
	}
	defer m.Close()

	rows := make([]contactsheet.Row, len(files))
	var wg sync.WaitGroup
	next := make(chan int)
	for range slots {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				rows[i] = sheetRow(ctx, files[i], cfg, profile, m)
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()

	if *out != "" {
		if err := writeFile(*out, func(w io.Writer) error { return contactsheet.HTML(w, rows, profile.Name) }); err != nil {
			return exitFailure, err
		}
	}
	if *pngOut != "" {
		if err := writeFile(*pngOut, func(w io.Writer) error { return contactsheet.PNG(w, rows, *cols) }); err != nil {
			return exitFailure, err
		}
	}
	s := contactsheet.Summarize(rows)
	fmt.Fprintf(stdout, "%d photos: %d accepted, %d rejected, %d unreadable\n", len(rows), s.Accepted, s.Rejected, s.Unreadable)
	return exitOK, nil
}

func sheetRow(ctx context.Context, path string, cfg *Config, profile imaging.Profile, m *facematch.Matcher) contactsheet.Row {
	row := contactsheet.Row{Name: filepath.Base(filepath.Dir(path)) + "/" + filepath.Base(path)}
	data, err := os.ReadFile(path)
	if err != nil {
		row.Err = err
		return row
	}
	if row.Input, err = imaging.Preview(data, cfg.Limits, 640); err != nil {
		row.Err = err
		return row
	}
	row.Result, row.Err = imaging.Standardize(ctx, data, imaging.Options{
		Profile: profile, Limits: cfg.Limits, Detector: m.Detectors(), SecondLook: m.SecondLook(), PoseReader: m.PoseReader(), FaceReader: m.FaceReader(), DetectSize: cfg.Vision.DetectSize, Diagnostics: true,
	})
	return row
}

// collectFiles lists the given files and the files directly inside the
// given folders, sorted.
func collectFiles(paths []string) ([]string, error) {
	var files []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			files = append(files, p)
			continue
		}
		entries, err := os.ReadDir(p)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				files = append(files, filepath.Join(p, e.Name()))
			}
		}
	}
	sort.Strings(files)
	return files, nil
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}
