package imaging

import (
	"errors"
	"fmt"

	"github.com/recheck/recheck/texts"
)

// The codes an unusable input fails with. Every one of them means "send a
// different file", never "try again".
const (
	CodeEmpty       = "photo_empty"
	CodeTooLarge    = "photo_too_large"
	CodeUnsupported = "unsupported_format"
	CodeTooManyPix  = "too_many_pixels"
	CodeUnreadable  = "photo_unreadable"
)

// Error is an input that cannot be processed: a stable Code, an English
// Message and a Chinese MessageZH for the student.
type Error struct {
	Code      string
	Message   string
	MessageZH string
}

func inputError(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), MessageZH: texts.PhotoErrors.Text(code)}
}

// Error implements error.
func (e *Error) Error() string { return "imaging: " + e.Code + ": " + e.Message }

// IsInputError reports whether err (or an error it wraps) is an *Error, that
// is, a problem with the input rather than with the machine.
func IsInputError(err error) bool {
	var e *Error
	return errors.As(err, &e)
}

// Unreadable returns the *Error for input that a decoder could not read,
// with message saying why.
func Unreadable(message string) *Error { return inputError(CodeUnreadable, "%s", message) }
