package identity

import "unicode"

// Hidden reports whether r has no business in a name or a note shown to
// people: control characters, format characters (bidirectional overrides
// and isolates such as U+202E, zero-width spaces and joiners such as
// U+200B and U+200D, the byte-order mark), line and paragraph separators,
// private-use characters and noncharacters. Such characters make a stored
// name look like another one, or reorder what a reviewer reads.
func Hidden(r rune) bool {
	switch {
	case unicode.IsControl(r), unicode.Is(unicode.Cf, r), unicode.Is(unicode.Zl, r), unicode.Is(unicode.Zp, r),
		unicode.Is(unicode.Co, r):
		return true
	case r >= 0xFDD0 && r <= 0xFDEF, r&0xFFFE == 0xFFFE: // noncharacters
		return true
	}
	return false
}
