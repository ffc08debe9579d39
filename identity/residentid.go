package identity

import (
	"fmt"
	"time"
)

// weights and check characters of the GB 11643-1999 "mod 11-2" check, shared
// by the resident ID, the HMT residence permit and the 2023 foreign
// permanent resident ID.
var (
	mod112Weights = [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	mod112Check   = "10X98765432"
)

// ResidentIDCheck returns the check character (0-9 or X) of the first 17
// digits of a mainland resident ID number, or 0 when one is not a digit.
func ResidentIDCheck(first17 string) byte {
	if len(first17) < 17 {
		return 0
	}
	return mod112(first17)
}

// mod112 returns the check character for the first 17 digits of n, or 0 when
// one of them is not a digit.
func mod112(n string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		c := n[i]
		if c < '0' || c > '9' {
			return 0
		}
		sum += int(c-'0') * mod112Weights[i]
	}
	return mod112Check[sum%11]
}

// mainland province codes (the first two digits of a region code).
var mainlandProvinces = map[string]bool{
	"11": true, "12": true, "13": true, "14": true, "15": true,
	"21": true, "22": true, "23": true,
	"31": true, "32": true, "33": true, "34": true, "35": true, "36": true, "37": true,
	"41": true, "42": true, "43": true, "44": true, "45": true, "46": true,
	"50": true, "51": true, "52": true, "53": true, "54": true,
	"61": true, "62": true, "63": true, "64": true, "65": true,
}

func mainlandRegion(code string) bool { return mainlandProvinces[code[:2]] }

func hmtRegion(code string) bool {
	return code == "810000" || code == "820000" || code == "830000"
}

// validateResidentID checks an 18-character GB 11643-1999 number: digits,
// region code shape, birth date and check character.
func validateResidentID(n string, now time.Time, region func(string) bool) error {
	if len(n) != 18 {
		return newError(CodeFormat, fmt.Sprintf("must be 18 characters, got %d", len(n)))
	}
	for i := 0; i < 17; i++ {
		if n[i] < '0' || n[i] > '9' {
			return newError(CodeFormat, "the first 17 characters must be digits")
		}
	}
	if c := n[17]; !(c >= '0' && c <= '9') && c != 'X' {
		return newError(CodeFormat, "the last character must be a digit or X")
	}
	if !region(n[:6]) {
		return newError(CodeRegion, "region code does not fit the document type")
	}
	if err := checkBirthDate(n[6:14], now); err != nil {
		return err
	}
	if mod112(n) != n[17] {
		return newError(CodeChecksum, "check character does not match")
	}
	return nil
}

// checkBirthDate accepts a real YYYYMMDD date between 1900 and now.
func checkBirthDate(s string, now time.Time) error {
	d, err := time.Parse("20060102", s)
	if err != nil || d.Format("20060102") != s {
		return newError(CodeBirthDate, "birth date is not a calendar date")
	}
	if d.Year() < 1900 || d.After(now) {
		return newError(CodeBirthDate, "birth date is before 1900 or in the future")
	}
	return nil
}

// validateForeignPermanentResidentID checks the 2023 format: 18 characters,
// "9", a province code, a 3-digit nationality code, the birth date, a
// sequence number and the mod 11-2 check character.
func validateForeignPermanentResidentID(n string, now time.Time) error {
	if len(n) != 18 {
		return newError(CodeFormat, fmt.Sprintf("must be 18 characters, got %d", len(n)))
	}
	if n[0] != '9' {
		return newError(CodeFormat, "must start with 9")
	}
	for i := 0; i < 17; i++ {
		if n[i] < '0' || n[i] > '9' {
			return newError(CodeFormat, "the first 17 characters must be digits")
		}
	}
	if c := n[17]; !(c >= '0' && c <= '9') && c != 'X' {
		return newError(CodeFormat, "the last character must be a digit or X")
	}
	if !mainlandProvinces[n[1:3]] {
		return newError(CodeRegion, "issuing province code is not a mainland province")
	}
	if err := checkBirthDate(n[6:14], now); err != nil {
		return err
	}
	if mod112(n) != n[17] {
		return newError(CodeChecksum, "check character does not match")
	}
	return nil
}
