package imaging

import (
	"errors"
	"fmt"
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

var errorMessagesZH = map[string]string{
	CodeEmpty:       "照片文件为空，请重新拍摄上传",
	CodeTooLarge:    "照片文件过大，请重新拍摄上传",
	CodeUnsupported: "照片格式不支持，请上传 JPEG、PNG、WebP 或 HEIC 格式的照片",
	CodeTooManyPix:  "照片像素过多，请降低分辨率后重新上传",
	CodeUnreadable:  "照片文件已损坏或无法读取，请重新拍摄上传",
}

// Error is an input that cannot be processed: a stable Code, an English
// Message and a Chinese MessageZH for the student.
type Error struct {
	Code      string
	Message   string
	MessageZH string
}

func inputError(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), MessageZH: errorMessagesZH[code]}
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
