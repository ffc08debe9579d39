package identity

import "strings"

// validateHongKongID checks a Hong Kong identity card number: one or two
// letters, six digits and a check character (0-9 or A), with or without
// brackets. It returns the number in its usual form, e.g. "A123456(3)".
func validateHongKongID(n string) (string, error) {
	s := strings.NewReplacer("(", "", ")", "", " ", "").Replace(n)
	if len(s) != 8 && len(s) != 9 {
		return "", newError(CodeFormat, "must be 1-2 letters, 6 digits and a check character")
	}
	letters := len(s) - 7
	for i := 0; i < letters; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return "", newError(CodeFormat, "must start with 1-2 letters")
		}
	}
	for i := letters; i < letters+6; i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", newError(CodeFormat, "letters must be followed by 6 digits")
		}
	}
	check := s[len(s)-1]
	if !(check >= '0' && check <= '9') && check != 'A' {
		return "", newError(CodeFormat, "check character must be a digit or A")
	}
	// Weights 9..2 over a 2-letter prefix (a single letter is padded with a
	// space worth 36), then the six digits.
	sum := 0
	w := 9
	if letters == 1 {
		sum += 36 * w
		w--
	}
	for i := 0; i < letters; i++ {
		sum += int(s[i]-'A'+10) * w
		w--
	}
	for i := letters; i < letters+6; i++ {
		sum += int(s[i]-'0') * w
		w--
	}
	want := byte('0')
	switch r := sum % 11; r {
	case 0:
	case 1:
		want = 'A'
	default:
		want = byte('0' + 11 - r)
	}
	if check != want {
		return "", newError(CodeChecksum, "check character does not match")
	}
	return s[:len(s)-1] + "(" + string(check) + ")", nil
}

// validateMacauID checks a Macau identity card number: 1, 5 or 7 (the era
// of issue), six digits and a check digit, with or without brackets or the
// older slashes (1/234567/8). It returns the number in the form the smart
// card prints, e.g. "1234567(8)". The check digit's algorithm is not
// published, so only its shape is checked.
func validateMacauID(n string) (string, error) {
	s := strings.NewReplacer("(", "", ")", "", "/", "", " ", "").Replace(n)
	if len(s) != 8 {
		return "", newError(CodeFormat, "must be 8 digits: 1, 5 or 7, six digits and a check digit")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return "", newError(CodeFormat, "must be 8 digits: 1, 5 or 7, six digits and a check digit")
		}
	}
	if s[0] != '1' && s[0] != '5' && s[0] != '7' {
		return "", newError(CodeFormat, "must start with 1, 5 or 7")
	}
	return s[:7] + "(" + s[7:] + ")", nil
}

// taiwanLetters maps the first letter of a Taiwan identity number to its
// two-digit code.
var taiwanLetters = map[byte]int{
	'A': 10, 'B': 11, 'C': 12, 'D': 13, 'E': 14, 'F': 15, 'G': 16, 'H': 17,
	'I': 34, 'J': 18, 'K': 19, 'L': 20, 'M': 21, 'N': 22, 'O': 35, 'P': 23,
	'Q': 24, 'R': 25, 'S': 26, 'T': 27, 'U': 28, 'V': 29, 'W': 32, 'X': 30,
	'Y': 31, 'Z': 33,
}

// validateTaiwanID checks a Taiwan identity number: a letter, 1 or 2, then 8
// digits, the last being the check digit.
func validateTaiwanID(n string) error {
	if len(n) != 10 {
		return newError(CodeFormat, "must be a letter and 9 digits")
	}
	code, ok := taiwanLetters[n[0]]
	if !ok {
		return newError(CodeFormat, "must start with a letter")
	}
	for i := 1; i < 10; i++ {
		if n[i] < '0' || n[i] > '9' {
			return newError(CodeFormat, "the letter must be followed by 9 digits")
		}
	}
	if n[1] != '1' && n[1] != '2' {
		return newError(CodeFormat, "the second character must be 1 or 2")
	}
	sum := code/10 + (code%10)*9
	for i := 1; i < 9; i++ {
		sum += int(n[i]-'0') * (9 - i)
	}
	sum += int(n[9] - '0')
	if sum%10 != 0 {
		return newError(CodeChecksum, "check digit does not match")
	}
	return nil
}

// validatePassport accepts 5-20 ASCII letters and digits: passport numbers
// have no common check character.
func validatePassport(n string) error {
	if len(n) < 5 || len(n) > 20 {
		return newError(CodeFormat, "must be 5-20 letters and digits")
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		if !(c >= '0' && c <= '9') && !(c >= 'A' && c <= 'Z') {
			return newError(CodeFormat, "must be 5-20 letters and digits")
		}
	}
	return nil
}
