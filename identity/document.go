// Package identity validates identity-document numbers for every document
// type a student can register with (resident ID with its check digit,
// Hong Kong, Macau and Taiwan identity cards and permits, passports), with
// each type's Chinese label and the text a student is shown about it;
// package ctid talks to the national identity gateway.
//
// Document numbers are personal information: nothing in this package logs
// them, and Mask gives the form that may be shown back to a caller.
package identity

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// DocumentType names the kind of identity document a student registered with.
type DocumentType string

// The document types a capture may carry.
const (
	// ResidentID is the mainland resident identity card (居民身份证), the only
	// document that is sent to CTID.
	ResidentID DocumentType = "resident_id"
	// HMTResidencePermit is the residence permit for Hong Kong, Macau and
	// Taiwan residents (港澳台居民居住证): resident-ID format, regions 81/82/83.
	HMTResidencePermit DocumentType = "hmt_residence_permit"
	// HongKongID is the Hong Kong identity card (香港身份证), e.g. A123456(3).
	HongKongID DocumentType = "hk_id"
	// MacauID is the Macau identity card (澳门身份证), e.g. 1234567(8).
	MacauID DocumentType = "mo_id"
	// TaiwanID is the Taiwan identity number (台湾身份证), e.g. A123456789.
	TaiwanID DocumentType = "tw_id"
	// ForeignPermanentResidentID is the 2023 foreign permanent resident ID
	// card (外国人永久居留身份证): 18 characters starting with 9.
	ForeignPermanentResidentID DocumentType = "foreign_permanent_resident_id"
	// Passport is any passport: 5-20 letters and digits.
	Passport DocumentType = "passport"
)

// DocumentTypes lists every accepted document type, in a stable order.
var DocumentTypes = []DocumentType{
	ResidentID, HMTResidencePermit, HongKongID, MacauID, TaiwanID, ForeignPermanentResidentID, Passport,
}

// UsesCTID reports whether documents of this type are checked against the
// national identity database; all others get the portrait comparison only.
func (t DocumentType) UsesCTID() bool { return t == ResidentID }

// ParseDocumentType returns the DocumentType named s, or an *Error with code
// CodeTypeUnknown.
func ParseDocumentType(s string) (DocumentType, error) {
	for _, t := range DocumentTypes {
		if string(t) == s {
			return t, nil
		}
	}
	return "", newError(CodeTypeUnknown, fmt.Sprintf("unknown document type %q; use one of %v", truncate(s, 40), DocumentTypes))
}

// Validate checks number as a document of type t and returns it normalized
// (trimmed, upper-case, Hong Kong and Macau check digits in brackets). now
// bounds birth dates. A valid mainland resident ID number entered under any
// other type is refused (CodeMainlandResidentID): mainland students must
// register with the resident ID card, or CTID never sees them. Failures are
// *Error values with a stable code and a Chinese message.
func Validate(t DocumentType, number string, now time.Time) (string, error) {
	n := strings.ToUpper(strings.TrimSpace(number))
	if n == "" {
		return "", newError(CodeMissing, "document number is empty")
	}
	if len(n) > 32 || !utf8.ValidString(n) {
		return "", newError(CodeFormat, "document number is longer than 32 bytes or not valid UTF-8")
	}
	if t != ResidentID && validateResidentID(n, now, mainlandRegion) == nil {
		if _, err := ParseDocumentType(string(t)); err != nil {
			return "", err
		}
		return "", newError(CodeMainlandResidentID, fmt.Sprintf("the number is a mainland resident ID number; register it as %s, not %s", ResidentID, t))
	}
	switch t {
	case ResidentID:
		return n, validateResidentID(n, now, mainlandRegion)
	case HMTResidencePermit:
		return n, validateResidentID(n, now, hmtRegion)
	case HongKongID:
		return validateHongKongID(n)
	case MacauID:
		return validateMacauID(n)
	case TaiwanID:
		return n, validateTaiwanID(n)
	case ForeignPermanentResidentID:
		return n, validateForeignPermanentResidentID(n, now)
	case Passport:
		return n, validatePassport(n)
	default:
		_, err := ParseDocumentType(string(t))
		return "", err
	}
}

// Mask hides all but the first and last few characters of a document number,
// for showing a record back to a caller: "11010519491231002X" becomes
// "110***********002X".
func Mask(number string) string {
	r := []rune(number)
	keepHead, keepTail := 3, 4
	if len(r) <= keepHead+keepTail {
		keepHead, keepTail = 1, 1
	}
	if len(r) <= 2 {
		return strings.Repeat("*", len(r))
	}
	return string(r[:keepHead]) + strings.Repeat("*", len(r)-keepHead-keepTail) + string(r[len(r)-keepTail:])
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
