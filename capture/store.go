package capture

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned when a record or reference does not exist.
var ErrNotFound = errors.New("capture: not found")

// ErrExists is returned when a capture ID is taken.
var ErrExists = errors.New("capture: already exists")

// InvalidError is a request the domain cannot act on as given; Field names
// what is wrong.
type InvalidError struct {
	Field   string
	Message string
}

// Error implements error.
func (e *InvalidError) Error() string { return "capture: invalid " + e.Field + ": " + e.Message }

// Changes are what a committed transaction saved.
type Changes struct {
	// School and StudentID name the student the change was about.
	School, StudentID string
	// Records are the saved captures, created or changed, in the order the
	// transaction touched them.
	Records []*Record
	// Journey is the saved journey, or nil when it did not change.
	Journey *Journey
	// Admission is the new admission photo reference, or nil.
	Admission *AdmissionPhoto
}

// Record returns the saved record with the given ID, or nil.
func (c *Changes) Record(id string) *Record {
	for _, r := range c.Records {
		if r.ID == id {
			return r
		}
	}
	return nil
}

// SchoolWork is what waits for staff at one school.
type SchoolWork struct {
	School string `json:"school"`
	// PendingReview counts the captures waiting for a reviewer.
	PendingReview int64 `json:"pending_review"`
	// OpenCases counts the students with an open records-office case.
	OpenCases int64 `json:"open_cases"`
}

// Tx is one atomic change to a student's journey, their captures and their
// admission photo reference, as a Store runs it: everything read through it
// is watched, and when another writer changes any of it before the commit,
// the whole change runs again on fresh data.
type Tx interface {
	// Now is the time of the change: every event it records carries it.
	Now() time.Time
	// Journey returns the student's journey, to read and change.
	Journey() *Journey
	// Load returns a capture of the student, to read and change; it fails
	// with ErrNotFound for an unknown ID or a capture of another student.
	Load(id string) (*Record, error)
	// Create adds a new capture of the student.
	Create(rec *Record) error
	// Current returns the journey's current capture (its latest), nil when
	// the student has none.
	Current() (*Record, error)
	// DocumentOwner returns the student of the school who registered the
	// document with keyed hash hmac ("" when none).
	DocumentOwner(hmac string) (string, error)
	// Own registers the document with keyed hash hmac to the student, and
	// gives up the one with old (when set and not hmac).
	Own(hmac, old string)
	// CaptureIDs returns the IDs of the student's captures, oldest first.
	CaptureIDs() ([]string, error)
	// Admission returns the admission photo reference on file, or an
	// error wrapping ErrNotFound.
	Admission() (*AdmissionPhoto, error)
	// SetAdmission records a new admission photo reference.
	SetAdmission(ref AdmissionPhoto)
}

// Store keeps the captures, journeys and admission photo references, and
// the indexes staff and batches read them by: the persistence a Lifecycle
// changes them through (package capture/redisstore is the one recheck runs
// on: Redis, with durable copies in object storage and an outbox).
type Store interface {
	// Now returns the store's clock reading.
	Now() time.Time
	// Do runs fn as one atomic change of a student's journey, captures
	// and admission photo reference, then writes the durable copies and
	// dispatches the follow-ups. fn may run more than once. The changes
	// are committed when Do returns nil or an error wrapping ErrNotSynced.
	Do(ctx context.Context, school, student string, fn func(Tx) error) (*Changes, error)
	// Sync completes a committed change of a capture whose durable copy
	// or follow-ups were not done (the outbox).
	Sync(ctx context.Context, id string) error
	// SyncPending completes the outbox's changes older than age.
	SyncPending(ctx context.Context, age time.Duration) (int, error)
	// Get returns the record with the given ID.
	Get(ctx context.Context, id string) (*Record, error)
	// Journey returns a student's journey (a new one when none is stored).
	Journey(ctx context.Context, school, student string) (*Journey, error)
	// AdmissionPhoto returns the admission photo reference on file, or an
	// error wrapping ErrNotFound.
	AdmissionPhoto(ctx context.Context, school, student string) (*AdmissionPhoto, error)
	// Hash is the keyed hash of a document number.
	Hash(plain string) string
	// DocumentSchools returns the schools a document (by keyed hash) was
	// registered at.
	DocumentSchools(ctx context.Context, hmac string) ([]string, error)
	// ListState pages through a school's captures in a state, oldest
	// entry first; OpenCases through its students with an open case.
	ListState(ctx context.Context, school string, s State, cursor string, limit int) ([]string, string, error)
	OpenCases(ctx context.Context, school, cursor string, limit int) ([]string, string, error)
	// Waiting returns the schools with work waiting for staff.
	Waiting(ctx context.Context, schools []string) ([]SchoolWork, error)
	// EnteredBefore calls visit with up to limit IDs of captures that
	// entered one of states before cutoff, each index from where the last
	// call stopped; visit says whether it acted on the capture.
	EnteredBefore(ctx context.Context, states []State, cutoff time.Time, limit int, visit func(id string) (bool, error)) (int, error)
	// EachJourney calls visit with the school and student of stored
	// journeys until it has acted on limit of them.
	EachJourney(ctx context.Context, limit int, visit func(school, student string) (bool, error)) (int, error)
	// DeleteFile deletes a stored file of a capture; a missing one is not
	// an error.
	DeleteFile(ctx context.Context, key string) error
}
