// Package storage keeps photos and capture results in object storage: a
// filesystem directory by default, or an S3-compatible bucket.
//
// Keys are slash-separated relative paths such as
// "schools/cjlu/captures/0193.../original". Both implementations accept the
// same keys, fail in the same ways and pass the same conformance suite
// (package storagetest), so the rest of recheck never knows which one it
// talks to.
package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// ErrNotFound is returned by Get when no object is stored under the key.
var ErrNotFound = errors.New("storage: object not found")

// ErrInvalidKey is returned for keys that are empty, absolute, contain empty,
// "." or ".." segments, backslashes or control characters.
var ErrInvalidKey = errors.New("storage: invalid key")

// Store is an object store for the bytes recheck keeps: original uploads,
// standardized photos, admission photos and result documents. Objects are
// small (bounded by the upload limit), so they move as byte slices.
//
// Implementations are safe for concurrent use. Put replaces an existing
// object atomically: a reader sees the old bytes or the new ones, never a
// mix. Delete of a missing key is not an error.
type Store interface {
	// Put stores data under key, replacing any object already there.
	Put(ctx context.Context, key string, data []byte) error
	// Get returns the object stored under key, or an error wrapping
	// ErrNotFound.
	Get(ctx context.Context, key string) ([]byte, error)
	// Delete removes the object under key; a missing object is not an error.
	Delete(ctx context.Context, key string) error
	// List returns the keys that start with prefix, in lexical order.
	List(ctx context.Context, prefix string) ([]string, error)
}

// ValidateKey reports whether key is a clean relative object key, returning
// an error wrapping ErrInvalidKey when it is not.
func ValidateKey(key string) error {
	if key == "" || len(key) > 1024 {
		return fmt.Errorf("%w: %q: empty or longer than 1024 bytes", ErrInvalidKey, key)
	}
	if strings.HasPrefix(key, "/") || strings.HasSuffix(key, "/") {
		return fmt.Errorf("%w: %q: leading or trailing slash", ErrInvalidKey, key)
	}
	for _, r := range key {
		if r < 0x20 || r == 0x7f || r == '\\' {
			return fmt.Errorf("%w: %q: control character or backslash", ErrInvalidKey, key)
		}
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return fmt.Errorf("%w: %q: empty, \".\" or \"..\" segment", ErrInvalidKey, key)
		}
	}
	return nil
}

// contentType guesses the MIME type recorded with an object from its key's
// extension; stores that keep a type (S3) use it for browsers and tools.
func contentType(key string) string {
	switch {
	case strings.HasSuffix(key, ".json"):
		return "application/json"
	case strings.HasSuffix(key, ".jpg"), strings.HasSuffix(key, ".jpeg"):
		return "image/jpeg"
	default:
		return "application/octet-stream"
	}
}
