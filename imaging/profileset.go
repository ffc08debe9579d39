package imaging

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// ProfileSet picks each school's profile: the deployment's default, or the
// one a school chose.
type ProfileSet struct {
	Default Profile
	Schools map[string]Profile
}

// ProfileConfig configures the profiles.
type ProfileConfig struct {
	// Default names the deployment's profile: a built-in one or a .json file.
	Default string `env:"RECHECK_PROFILE" default:"chsi" help:"default output profile: chsi, ga461 or a .json file (the profiles section of RECHECK_SCHOOLS may set \"*\" instead)"`
	// SchoolsFile is a JSON object mapping school codes to profiles, each a
	// built-in name, a .json path (relative to the file) or a profile object.
	SchoolsFile string `env:"RECHECK_SCHOOL_PROFILES" help:"deprecated (the profiles section of RECHECK_SCHOOLS): JSON file mapping school codes to profiles"`
}

// Validate reports a configuration that cannot work (it loads the profiles).
func (c ProfileConfig) Validate() error {
	_, err := LoadProfileSet(c)
	return err
}

// LoadProfileSet reads the default profile and the schools' choices.
func LoadProfileSet(c ProfileConfig) (ProfileSet, error) {
	def, err := LookupProfile(c.Default)
	if err != nil {
		return ProfileSet{}, fmt.Errorf("RECHECK_PROFILE: %w", err)
	}
	set := ProfileSet{Default: def, Schools: map[string]Profile{}}
	if c.SchoolsFile == "" {
		return set, nil
	}
	raw, err := os.ReadFile(c.SchoolsFile)
	if err != nil {
		return ProfileSet{}, fmt.Errorf("RECHECK_SCHOOL_PROFILES: %w", err)
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(raw, &entries); err != nil {
		return ProfileSet{}, fmt.Errorf("RECHECK_SCHOOL_PROFILES: %s is not a JSON object of school codes: %w", c.SchoolsFile, err)
	}
	return ProfileSetFrom(set.Default, entries, filepath.Dir(c.SchoolsFile), "RECHECK_SCHOOL_PROFILES")
}

// ProfileSetFrom reads profile entries by school code ("*": every other
// school's, instead of def), each a built-in name, a .json path (relative
// to dir) or a profile object: the profiles section of the schools
// document, or the older profiles file. Errors start with where, then the
// school.
func ProfileSetFrom(def Profile, entries map[string]json.RawMessage, dir, where string) (ProfileSet, error) {
	set := ProfileSet{Default: def, Schools: map[string]Profile{}}
	for school, e := range entries {
		var p Profile
		var name string
		var err error
		if json.Unmarshal(e, &name) == nil {
			if strings.HasSuffix(name, ".json") && !filepath.IsAbs(name) {
				name = filepath.Join(dir, name)
			}
			p, err = LookupProfile(name)
		} else {
			p, err = ParseProfile(e)
		}
		if err != nil {
			return ProfileSet{}, fmt.Errorf("%s: school %q: %w", where, school, err)
		}
		if school == "*" {
			set.Default = p
			continue
		}
		set.Schools[school] = p
	}
	return set, nil
}

// For returns the profile of a school.
func (s ProfileSet) For(school string) Profile {
	if p, ok := s.Schools[school]; ok {
		return p
	}
	return s.Default
}
