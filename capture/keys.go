package capture

import (
	"fmt"
	"regexp"
)

// idPattern is what school codes, student IDs and capture IDs look like:
// they appear in storage keys, Redis keys and URLs, so they are kept to
// safe characters.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ValidID reports whether s may serve as a school code, student ID or
// capture ID: 1-64 letters, digits, '_', '.' or '-', starting with a letter
// or digit.
func ValidID(s string) bool { return idPattern.MatchString(s) }

// Storage keys. Every capture keeps its files under one prefix per school
// and capture; admission photos are content-addressed per student.
func capturePrefix(school, id string) string {
	return fmt.Sprintf("schools/%s/captures/%s/", school, id)
}

// OriginalKey is where the uploaded photo of a capture is stored.
func OriginalKey(school, id string) string { return capturePrefix(school, id) + "original" }

// StandardizedKey is where the standardized photo of a capture is stored.
func StandardizedKey(school, id string) string {
	return capturePrefix(school, id) + "standardized.jpg"
}

// ResultKey is where the durable copy of a capture's record is stored.
func ResultKey(school, id string) string { return capturePrefix(school, id) + "result.json" }

// AdmissionKey is where a version of a student's admission photo is stored.
func AdmissionKey(school, student, sha256 string) string {
	return fmt.Sprintf("schools/%s/students/%s/admission/%s", school, student, sha256)
}

// JourneyKey is where the durable copy of a student's journey is stored.
func JourneyKey(school, student string) string {
	return fmt.Sprintf("schools/%s/students/%s/journey.json", school, student)
}

// AdmissionRefKey is where the durable copy of a student's admission photo
// reference (which version is on file) is stored.
func AdmissionRefKey(school, student string) string {
	return fmt.Sprintf("schools/%s/students/%s/admission.json", school, student)
}
