package intake

import "github.com/google/uuid"

// newID returns a new time-ordered identifier (UUIDv7): capture IDs sort by
// creation time and reveal nothing about the student.
func newID() string { return uuid.Must(uuid.NewV7()).String() }
