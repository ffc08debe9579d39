package capture

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	_ "time/tzdata" // the quota's day is Asia/Shanghai even where no zoneinfo is installed
	"unicode/utf8"

	"github.com/recheck/recheck/texts"
)

// Rules are the numbers of the capture instructions that a school may set
// for itself. DefaultRules gives the instructions' own.
type Rules struct {
	// AutoConfirm skips the confirmation call: for an upstream that lets
	// the student confirm the photos in its own interface, the comparison
	// follows standardization at once.
	AutoConfirm bool `json:"auto_confirm"`
	// DailyStandardizations is how many standardizations a student may use
	// per day (step 11: 3). Photos refused by the quality checks are free.
	DailyStandardizations int `json:"daily_standardizations"`
	// CoolOff is how long a student waits after the day's last allowed
	// standardization, counted from it (step 11: 24 hours).
	CoolOff Duration `json:"cool_off"`
	// FailedAttempts is how many qualifying photos the comparison may block
	// before the records office takes the case (step 14: 3).
	FailedAttempts int `json:"failed_attempts"`
	// FreeResubmissions is how many times a student may resubmit after a
	// review rejection without charging the day's quota; the rejection
	// after the last of them escalates (step 14: 2).
	FreeResubmissions int `json:"free_resubmissions"`
	// PassScore is the portrait score below which a capture is blocked
	// (step 14: 80, on the calibrated 0-100 scale).
	PassScore float64 `json:"pass_score"`
	// TimeZone is where the quota's days begin and end.
	TimeZone string `json:"time_zone"`
	// Help is who the texts send a student to, and how to reach them.
	Help Help `json:"help"`
	// DuplicateDocument says what happens when a student's first capture
	// carries a document number another student of the school registered:
	// "refuse" the capture (the default), or accept it and open a
	// records-office "case" that holds its comparison until the office
	// settles who the number belongs to.
	DuplicateDocument string `json:"duplicate_document"`

	loc *time.Location
}

// The choices of Rules.DuplicateDocument.
const (
	DuplicateRefuse = "refuse"
	DuplicateCase   = "case"
)

// Help is how a student reaches the people the texts send them to. Every
// text that says "请联系学籍部门" adds the records office's contact, the
// advice to open the CTID online ID adds its hotline, and a processing
// failure adds customer service, each when set.
type Help struct {
	// RecordsOffice is how to reach the school's records office (学籍部门),
	// e.g. "学籍科 027-69111000".
	RecordsOffice string `json:"records_office,omitempty"`
	// ServicePhone and ServiceHours are the capture service's customer
	// service (客服), e.g. "027-87885551" and "周一至周五 8:30-12:00 14:00-17:30".
	ServicePhone string `json:"service_phone,omitempty"`
	ServiceHours string `json:"service_hours,omitempty"`
	// CTIDHotline and CTIDHours are the CTID online ID's hotline (网证客服):
	// 400-117-1166, 工作日 8:30-20:30 (the capture instructions') unless a
	// school sets others.
	CTIDHotline string `json:"ctid_hotline,omitempty"`
	CTIDHours   string `json:"ctid_hours,omitempty"`
}

// validate reports a contact too long or with hidden characters to be shown
// to students.
func (h Help) validate() error {
	var errs []error
	for name, v := range map[string]string{
		"help.records_office": h.RecordsOffice, "help.service_phone": h.ServicePhone, "help.service_hours": h.ServiceHours,
		"help.ctid_hotline": h.CTIDHotline, "help.ctid_hours": h.CTIDHours,
	} {
		if _, err := checkNote(name, v, false); err != nil || utf8.RuneCountInString(v) > 64 || strings.ContainsRune(v, '\n') {
			errs = append(errs, fmt.Errorf("%s must be one line of at most 64 visible characters", name))
		}
	}
	return errors.Join(errs...)
}

// DefaultRules are the numbers of the capture instructions.
func DefaultRules() Rules {
	r := Rules{
		DailyStandardizations: 3, CoolOff: Duration(24 * time.Hour), FailedAttempts: 3,
		FreeResubmissions: 2, PassScore: 80, TimeZone: "Asia/Shanghai",
		Help:              Help{CTIDHotline: "400-117-1166", CTIDHours: texts.DefaultCTIDHours},
		DuplicateDocument: DuplicateRefuse,
	}
	r.loc, _ = time.LoadLocation(r.TimeZone)
	return r
}

// Validate reports rules that cannot work, naming the field, and resolves
// the time zone.
func (r *Rules) Validate() error {
	var errs []error
	if r.DailyStandardizations < 1 || r.DailyStandardizations > 100 {
		errs = append(errs, fmt.Errorf("daily_standardizations must be 1-100, got %d", r.DailyStandardizations))
	}
	if r.CoolOff < 0 || time.Duration(r.CoolOff) > 30*24*time.Hour {
		errs = append(errs, fmt.Errorf("cool_off must be 0-720h, got %s", time.Duration(r.CoolOff)))
	}
	if r.FailedAttempts < 1 || r.FailedAttempts > 100 {
		errs = append(errs, fmt.Errorf("failed_attempts must be 1-100, got %d", r.FailedAttempts))
	}
	if r.FreeResubmissions < 0 || r.FreeResubmissions > 100 {
		errs = append(errs, fmt.Errorf("free_resubmissions must be 0-100, got %d", r.FreeResubmissions))
	}
	if r.PassScore <= 0 || r.PassScore > 100 {
		errs = append(errs, fmt.Errorf("pass_score must be above 0 and at most 100, got %g", r.PassScore))
	}
	loc, err := time.LoadLocation(r.TimeZone)
	if err != nil || r.TimeZone == "" {
		errs = append(errs, fmt.Errorf("time_zone %q is not a known zone (like Asia/Shanghai)", r.TimeZone))
	}
	if err := r.Help.validate(); err != nil {
		errs = append(errs, err)
	}
	if r.DuplicateDocument != DuplicateRefuse && r.DuplicateDocument != DuplicateCase {
		errs = append(errs, fmt.Errorf("duplicate_document must be %q or %q, got %q", DuplicateRefuse, DuplicateCase, r.DuplicateDocument))
	}
	r.loc = loc
	return errors.Join(errs...)
}

// Location is the rules' time zone.
func (r Rules) Location() *time.Location {
	if r.loc == nil {
		if loc, err := time.LoadLocation(r.TimeZone); err == nil {
			return loc
		}
		return time.UTC
	}
	return r.loc
}

// Duration is a time.Duration written in JSON as a string like "24h".
type Duration time.Duration

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads a string like "24h" or "90m".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("a duration is a string like \"24h\": %w", err)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("not a duration (like \"24h\"): %q", s)
	}
	*d = Duration(v)
	return nil
}

// RuleSet gives each school its rules: the deployment's defaults, with the
// fields a school sets for itself.
type RuleSet struct {
	Default Rules
	Schools map[string]Rules
}

// For returns the rules of a school.
func (s RuleSet) For(school string) Rules {
	if r, ok := s.Schools[school]; ok {
		return r
	}
	if s.Default.PassScore == 0 {
		return DefaultRules()
	}
	return s.Default
}

// RulesConfig configures the rules.
type RulesConfig struct {
	// File is a JSON object: "*" holds the deployment's defaults, and each
	// school code the fields that school sets; every field left out keeps
	// the default (see Rules).
	File string `env:"RECHECK_SCHOOL_RULES" help:"deprecated (the rules section of RECHECK_SCHOOLS): JSON file of journey rules, \"*\" for every school or a school code each"`
}

// Validate reports a configuration that cannot work (it loads the rules).
func (c RulesConfig) Validate() error {
	_, err := LoadRuleSet(c)
	return err
}

// LoadRuleSet reads the rules file; without one every school gets
// DefaultRules.
func LoadRuleSet(c RulesConfig) (RuleSet, error) {
	set := RuleSet{Default: DefaultRules(), Schools: map[string]Rules{}}
	if c.File == "" {
		return set, nil
	}
	raw, err := os.ReadFile(c.File)
	if err != nil {
		return RuleSet{}, fmt.Errorf("RECHECK_SCHOOL_RULES: %w", err)
	}
	return ParseRuleSet(raw)
}

// ParseRuleSet reads a rules document (see RulesConfig).
func ParseRuleSet(raw []byte) (RuleSet, error) {
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return RuleSet{}, fmt.Errorf("RECHECK_SCHOOL_RULES: not a JSON object of school codes: %w", err)
	}
	return RuleSetFrom(entries, "RECHECK_SCHOOL_RULES")
}

// RuleSetFrom reads rules entries by school code ("*": the defaults every
// school's entry starts from): the rules section of the schools document,
// or the older rules file. Errors start with where, then the school.
func RuleSetFrom(entries map[string]json.RawMessage, where string) (RuleSet, error) {
	set := RuleSet{Default: DefaultRules(), Schools: map[string]Rules{}}
	overlay := func(base Rules, name string, e json.RawMessage) (Rules, error) {
		dec := json.NewDecoder(bytes.NewReader(e))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&base); err != nil {
			return Rules{}, fmt.Errorf("%s: %s: %w", where, name, err)
		}
		if err := base.Validate(); err != nil {
			return Rules{}, fmt.Errorf("%s: %s: %w", where, name, err)
		}
		return base, nil
	}
	if e, ok := entries["*"]; ok {
		def, err := overlay(set.Default, `"*"`, e)
		if err != nil {
			return RuleSet{}, err
		}
		set.Default = def
	}
	for school, e := range entries {
		if school == "*" {
			continue
		}
		if !ValidID(school) {
			return RuleSet{}, fmt.Errorf("%s: %q is not a school code", where, school)
		}
		r, err := overlay(set.Default, "school "+school, e)
		if err != nil {
			return RuleSet{}, err
		}
		set.Schools[school] = r
	}
	return set, nil
}
