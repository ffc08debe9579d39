package redisstore

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/recheck/recheck/capture"
)

// Sealer encrypts personal data at rest (*seal.Keyring is one): the
// repository keeps names, document numbers and openids sealed in Redis and
// in storage, and clear only in memory.
type Sealer interface {
	// Seal encrypts plain, authenticating the field's name.
	Seal(field, plain string) (string, error)
	// Open decrypts what Seal made for field; a value that is not sealed is
	// returned as it is.
	Open(field, sealed string) (string, error)
	// Hash is a keyed hash of plain, for lookups that must not see it.
	Hash(plain string) string
	// Current reports whether a stored value is sealed with the primary
	// key (Reseal rewrites those that are not).
	Current(stored string) bool
}

// The sealed fields, by name (the name is authenticated with the value).
// Free text that people write about a student (a reviewer's reason, an
// office's note, the reason of a replaced admission photo or a corrected
// identity) is sealed as "note": it may name the student or their document.
const (
	fieldName   = "document.name"
	fieldNumber = "document.number"
	fieldOpenID = "openid"
	fieldNote   = "note"
)

// clearText is the Sealer of a repository given none: values stay clear.
// Only tests use it; the service refuses to start without keys.
type clearText struct{}

func (clearText) Seal(_, plain string) (string, error)  { return plain, nil }
func (clearText) Open(_, sealed string) (string, error) { return sealed, nil }
func (clearText) Current(string) bool                   { return true }

func (clearText) Hash(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// encodeRecord is a record as Redis and storage keep it: personal fields
// sealed, indented for storage.
func (r *Repository) encodeRecord(rec *capture.Record, indent bool) ([]byte, error) {
	c := *rec
	var err error
	if c.Document.Name, err = r.sealer.Seal(fieldName, rec.Document.Name); err != nil {
		return nil, err
	}
	if c.Document.Number, err = r.sealer.Seal(fieldNumber, rec.Document.Number); err != nil {
		return nil, err
	}
	if c.OpenID, err = r.sealer.Seal(fieldOpenID, rec.OpenID); err != nil {
		return nil, err
	}
	if err := r.notes(&c, r.sealer.Seal); err != nil {
		return nil, err
	}
	if indent {
		return json.MarshalIndent(&c, "", "  ")
	}
	return json.Marshal(&c)
}

// notes applies f (Seal or Open) to a record's free text: the reviewer's
// reason and the note of every event. The record must be a copy whose
// Decision and History may be replaced.
func (r *Repository) notes(c *capture.Record, f func(field, v string) (string, error)) error {
	var err error
	if c.Decision != nil {
		d := *c.Decision
		if d.Reason, err = f(fieldNote, d.Reason); err != nil {
			return err
		}
		c.Decision = &d
	}
	if c.History != nil {
		h := make([]capture.Event, len(c.History))
		copy(h, c.History)
		for i := range h {
			if h[i].Note, err = f(fieldNote, h[i].Note); err != nil {
				return err
			}
		}
		c.History = h
	}
	return nil
}

// journeyNotes applies f (Seal or Open) to a journey's free text: the
// cases' notes, the reasons of admission photo replacements and identity
// corrections. The journey must be a copy whose lists may be replaced.
func (r *Repository) journeyNotes(c *capture.Journey, f func(field, v string) (string, error)) error {
	var err error
	if c.Case != nil {
		cs := *c.Case
		if cs.Note, err = f(fieldNote, cs.Note); err != nil {
			return err
		}
		c.Case = &cs
	}
	if c.Closed != nil {
		closed := make([]capture.Case, len(c.Closed))
		copy(closed, c.Closed)
		for i := range closed {
			if closed[i].Note, err = f(fieldNote, closed[i].Note); err != nil {
				return err
			}
		}
		c.Closed = closed
	}
	if c.AdmissionPhotos != nil {
		a := make([]capture.AdmissionChange, len(c.AdmissionPhotos))
		copy(a, c.AdmissionPhotos)
		for i := range a {
			if a[i].Reason, err = f(fieldNote, a[i].Reason); err != nil {
				return err
			}
		}
		c.AdmissionPhotos = a
	}
	if c.IdentityChanges != nil {
		ic := make([]capture.IdentityChange, len(c.IdentityChanges))
		copy(ic, c.IdentityChanges)
		for i := range ic {
			if ic[i].Reason, err = f(fieldNote, ic[i].Reason); err != nil {
				return err
			}
		}
		c.IdentityChanges = ic
	}
	return nil
}

// decodeRecord reads a record as Redis and storage keep it, opening its
// personal fields.
func (r *Repository) decodeRecord(data []byte) (*capture.Record, error) {
	var rec capture.Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, err
	}
	var err error
	if rec.Document.Name, err = r.sealer.Open(fieldName, rec.Document.Name); err != nil {
		return nil, fmt.Errorf("capture %s: %w", rec.ID, err)
	}
	if rec.Document.Number, err = r.sealer.Open(fieldNumber, rec.Document.Number); err != nil {
		return nil, fmt.Errorf("capture %s: %w", rec.ID, err)
	}
	if rec.OpenID, err = r.sealer.Open(fieldOpenID, rec.OpenID); err != nil {
		return nil, fmt.Errorf("capture %s: %w", rec.ID, err)
	}
	if err := r.notes(&rec, r.sealer.Open); err != nil {
		return nil, fmt.Errorf("capture %s: %w", rec.ID, err)
	}
	rec.Normalize()
	return &rec, nil
}

// encodeJourney is a journey as Redis and storage keep it.
func (r *Repository) encodeJourney(j *capture.Journey, indent bool) ([]byte, error) {
	c := *j
	var err error
	if c.OpenID, err = r.sealer.Seal(fieldOpenID, j.OpenID); err != nil {
		return nil, err
	}
	if err := r.journeyNotes(&c, r.sealer.Seal); err != nil {
		return nil, err
	}
	if indent {
		return json.MarshalIndent(&c, "", "  ")
	}
	return json.Marshal(&c)
}

// decodeJourney reads a journey as Redis and storage keep it into j.
func (r *Repository) decodeJourney(data []byte, j *capture.Journey) error {
	if err := json.Unmarshal(data, j); err != nil {
		return err
	}
	var err error
	if j.OpenID, err = r.sealer.Open(fieldOpenID, j.OpenID); err != nil {
		return fmt.Errorf("journey of %s/%s: %w", j.School, j.StudentID, err)
	}
	if err := r.journeyNotes(j, r.sealer.Open); err != nil {
		return fmt.Errorf("journey of %s/%s: %w", j.School, j.StudentID, err)
	}
	j.Normalize()
	return nil
}

// Hash is the keyed hash of a personal value (the document number's index).
func (r *Repository) Hash(plain string) string { return r.sealer.Hash(plain) }
