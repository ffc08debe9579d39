package wechat

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/recheck/recheck/texts"
)

// The value types of subscribe-message keys, named by the key's prefix
// ("thing1", "phrase2", …), and their limits as WeChat documents them.
const (
	TypeThing           = "thing"
	TypePhrase          = "phrase"
	TypeName            = "name"
	TypeCharacterString = "character_string"
	TypeNumber          = "number"
	TypeTime            = "time"
	TypeDate            = "date"
)

// TimeLayout is the "time" value's format: 2025年10月1日 15:01.
const TimeLayout = texts.TimeLayout

// DateLayout is the "date" value's format: 2025年10月1日.
const DateLayout = texts.DateLayout

// exampleTime shows the time and date layouts in error messages.
var exampleTime = time.Date(2025, 10, 1, 15, 1, 0, 0, time.UTC)

// KeyType returns the value type of a template key ("thing12" → "thing"),
// or an error naming the key when the type is not one recheck sends.
func KeyType(key string) (string, error) {
	t := strings.TrimRightFunc(key, unicode.IsDigit)
	if t == key || t == "" {
		return "", fmt.Errorf("wechat: template key %q must be a type and a number, like thing1 or phrase2", key)
	}
	switch t {
	case TypeThing, TypePhrase, TypeName, TypeCharacterString, TypeNumber, TypeTime, TypeDate:
		return t, nil
	}
	return "", fmt.Errorf("wechat: template key %q has type %q, which recheck does not send (thing, phrase, name, character_string, number, time, date)", key, t)
}

// CheckValue reports why v breaks the limit of a key of type typ (WeChat
// would refuse it with 47003), or nil.
func CheckValue(typ, v string) error {
	n := utf8.RuneCountInString(v)
	switch {
	case v == "":
		return fmt.Errorf("empty %s value", typ)
	case typ == TypeThing && n > 20:
		return fmt.Errorf("thing value of %d characters: at most 20", n)
	case typ == TypePhrase && (n > 5 || !allHan(v)):
		return fmt.Errorf("phrase value %q: at most 5 Chinese characters, nothing else", v)
	case typ == TypeName && n > 10:
		return fmt.Errorf("name value of %d characters: at most 10", n)
	case typ == TypeCharacterString && (n > 32 || !allASCIIPrintable(v)):
		return fmt.Errorf("character_string value %q: at most 32 letters, digits or symbols", v)
	case typ == TypeNumber && (n > 32 || !allDigits(v)):
		return fmt.Errorf("number value %q: at most 32 digits", v)
	case typ == TypeTime:
		if _, err := time.Parse(TimeLayout, v); err != nil {
			return fmt.Errorf("time value %q: must read like %s", v, exampleTime.Format(TimeLayout))
		}
	case typ == TypeDate:
		if _, err := time.Parse(DateLayout, v); err != nil {
			return fmt.Errorf("date value %q: must read like %s", v, exampleTime.Format(DateLayout))
		}
	}
	return nil
}

// Fit makes v fit a key of type typ, so that WeChat never refuses a message
// for its length: a thing is cut to 20 characters ending in "…", a phrase
// keeps its Chinese characters (at most 5), a name is cut to 10, a
// character_string keeps its printable ASCII (at most 32).
func Fit(typ, v string) string {
	switch typ {
	case TypeThing:
		return cut(v, 20)
	case TypePhrase:
		var b strings.Builder
		n := 0
		for _, r := range v {
			if unicode.Is(unicode.Han, r) && n < 5 {
				b.WriteRune(r)
				n++
			}
		}
		return b.String()
	case TypeName:
		return cut(v, 10)
	case TypeCharacterString:
		var b strings.Builder
		for _, r := range v {
			if r > ' ' && r < 0x7f && b.Len() < 32 {
				b.WriteRune(r)
			}
		}
		return b.String()
	}
	return v
}

func cut(v string, n int) string {
	if utf8.RuneCountInString(v) <= n {
		return v
	}
	r := []rune(v)
	return string(r[:n-1]) + "…"
}

func allHan(v string) bool {
	for _, r := range v {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

func allASCIIPrintable(v string) bool {
	for _, r := range v {
		if r <= ' ' || r >= 0x7f {
			return false
		}
	}
	return true
}

func allDigits(v string) bool {
	for _, r := range v {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
