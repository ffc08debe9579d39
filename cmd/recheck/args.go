package main

import (
	"flag"
	"io"
)

// parseArgs parses flags that may come before, between or after positional
// arguments (recheck standardize IN OUT.jpg --json), which the flag package
// alone does not allow, and returns the positional arguments.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usageError{err.Error()}
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
