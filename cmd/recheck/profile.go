package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
)

// profiler writes a CPU profile of a process's run and a heap profile at
// its end (RECHECK_PROFILE_DIR).
type profiler struct {
	dir string
	cpu *os.File
}

// startProfile begins the CPU profile in dir; an empty dir profiles
// nothing.
func startProfile(dir string) (*profiler, error) {
	if dir == "" {
		return &profiler{}, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("RECHECK_PROFILE_DIR: %w", err)
	}
	f, err := os.Create(filepath.Join(dir, "cpu.pprof"))
	if err != nil {
		return nil, fmt.Errorf("RECHECK_PROFILE_DIR: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("RECHECK_PROFILE_DIR: start CPU profile: %w", err)
	}
	return &profiler{dir: dir, cpu: f}, nil
}

// stop ends the CPU profile and writes heap.pprof after a collection.
func (p *profiler) stop() error {
	if p.cpu == nil {
		return nil
	}
	pprof.StopCPUProfile()
	if err := p.cpu.Close(); err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	p.cpu = nil
	f, err := os.Create(filepath.Join(p.dir, "heap.pprof"))
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	defer f.Close()
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		return fmt.Errorf("profile: heap: %w", err)
	}
	return nil
}
