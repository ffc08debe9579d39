package identity

import (
	"fmt"

	"github.com/recheck/recheck/texts"
)

// The codes a document validation can fail with.
const (
	CodeTypeUnknown = "document_type_unknown"
	CodeMissing     = "document_number_missing"
	CodeFormat      = "document_number_format"
	CodeChecksum    = "document_number_checksum"
	CodeBirthDate   = "document_birth_date_invalid"
	CodeRegion      = "document_region_invalid"
	// CodeMainlandResidentID: a mainland resident ID number entered under
	// another document type.
	CodeMainlandResidentID = "document_type_mainland"
)

// MainlandMustUseResidentID is the capture instructions' own sentence for a
// mainland student who chose another document type.
const MainlandMustUseResidentID = texts.MainlandMustUseResidentID

// Error is a document validation failure: a stable Code for machines, an
// English Message for operators and a Chinese MessageZH for the student. It
// never contains the document number itself.
type Error struct {
	Code      string
	Message   string
	MessageZH string
}

func newError(code, msg string) *Error {
	return &Error{Code: code, Message: msg, MessageZH: texts.DocumentErrors.Text(code)}
}

// Error implements error.
func (e *Error) Error() string { return fmt.Sprintf("identity: %s: %s", e.Code, e.Message) }
