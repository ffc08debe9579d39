package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/recheck/recheck/callback"
	"github.com/recheck/recheck/capture"
	"github.com/recheck/recheck/imaging"
	"github.com/recheck/recheck/intake"
	"github.com/recheck/recheck/notify/wechat"
	"github.com/recheck/recheck/schools"
)

// schoolSettings is what the deployment sets per school: from the schools
// document (RECHECK_SCHOOLS), section by section, or from the older file
// of a section the document does not have.
type schoolSettings struct {
	Rules    capture.RuleSet
	Profiles imaging.ProfileSet
	// Templates are WeChat's; nil when WeChat is not configured.
	Templates *wechat.Templates
	// Callbacks are nil when no callbacks are configured.
	Callbacks *callback.Settings
	// KeySchools are the schools of each upstream key the document names.
	KeySchools map[string][]string
	// Deprecated names each older file in use, for a warning at start.
	Deprecated []string
}

// loadSchools reads the schools document cfg names, if any, and every
// section it leaves to an older file; a section set both ways is an error.
// Every fault is reported, each with its section and school.
func loadSchools(cfg *Config) (*schoolSettings, error) {
	var doc *schools.Document
	if cfg.Schools.File != "" {
		var err error
		if doc, err = schools.Load(cfg.Schools.File); err != nil {
			return nil, err
		}
	}
	return resolveSchools(cfg, doc)
}

func resolveSchools(cfg *Config, doc *schools.Document) (*schoolSettings, error) {
	s := &schoolSettings{}
	var errs []error
	both := func(section, older string) {
		errs = append(errs, fmt.Errorf("the %s section of RECHECK_SCHOOLS and %s are both set: keep %s in RECHECK_SCHOOLS", section, older, section))
	}
	dir := ""
	if doc != nil {
		dir = filepath.Dir(doc.Path)
	}

	var err error
	switch {
	case doc.Section(schools.SectionRules) != nil && cfg.Rules.File != "":
		both(schools.SectionRules, "RECHECK_SCHOOL_RULES")
	case doc.Section(schools.SectionRules) != nil:
		s.Rules, err = capture.RuleSetFrom(doc.Rules, "schools document: rules")
	default:
		s.Rules, err = capture.LoadRuleSet(cfg.Rules)
		if cfg.Rules.File != "" {
			s.Deprecated = append(s.Deprecated, "RECHECK_SCHOOL_RULES")
		}
	}
	errs = append(errs, err)

	switch {
	case doc.Section(schools.SectionProfiles) != nil && cfg.Profiles.SchoolsFile != "":
		both(schools.SectionProfiles, "RECHECK_SCHOOL_PROFILES")
	case doc.Section(schools.SectionProfiles) != nil:
		def, lerr := imaging.LookupProfile(cfg.Profiles.Default)
		if lerr != nil {
			errs = append(errs, fmt.Errorf("RECHECK_PROFILE: %w", lerr))
			break
		}
		s.Profiles, err = imaging.ProfileSetFrom(def, doc.Profiles, dir, "schools document: profiles")
	default:
		s.Profiles, err = imaging.LoadProfileSet(cfg.Profiles)
		if cfg.Profiles.SchoolsFile != "" {
			s.Deprecated = append(s.Deprecated, "RECHECK_SCHOOL_PROFILES")
		}
	}
	errs = append(errs, err)

	switch {
	case doc.Section(schools.SectionWeChat) != nil && cfg.WeChat.Templates != "":
		both(schools.SectionWeChat, "RECHECK_WECHAT_TEMPLATES")
	case doc.Section(schools.SectionWeChat) != nil:
		s.Templates, err = wechat.TemplatesFrom(cfg.WeChat.State, doc.WeChat)
		errs = append(errs, prefix("schools document: ", err))
	case cfg.WeChat.Templates != "":
		s.Templates, err = wechat.LoadTemplates(cfg.WeChat.Templates)
		errs = append(errs, err)
		s.Deprecated = append(s.Deprecated, "RECHECK_WECHAT_TEMPLATES")
	case cfg.WeChat.Enabled():
		errs = append(errs, errors.New("wechat: RECHECK_WECHAT_URL needs templates: the wechat section of RECHECK_SCHOOLS"))
	}

	if cfg.Callbacks.File != "" {
		cb, err := callback.Load(cfg.Callbacks.File)
		switch {
		case err != nil:
			errs = append(errs, err)
		case doc.Section(schools.SectionCallbacks) != nil:
			errs = append(errs, prefix("schools document: callbacks: ", cb.SetEndpoints(doc.Callbacks)))
			s.Callbacks = cb
		default:
			if cb.Default != (callback.Endpoints{}) || len(cb.Schools) > 0 {
				s.Deprecated = append(s.Deprecated, "RECHECK_CALLBACKS (default, schools)")
			}
			s.Callbacks = cb
		}
	} else if doc.Section(schools.SectionCallbacks) != nil {
		errs = append(errs, errors.New("schools document: callbacks: RECHECK_CALLBACKS is not set, and it holds the key the callbacks are signed with"))
	}

	if doc != nil {
		s.KeySchools = doc.UpstreamKeys
	}
	if keysListSchools(cfg.Intake.UpstreamKeys) {
		s.Deprecated = append(s.Deprecated, "RECHECK_UPSTREAM_KEYS (schools)")
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return s, nil
}

// keysListSchools reports whether the upstream keys file at path lists a
// key's schools itself, the older way (a file that cannot be read is
// reported by the intake's own check).
func keysListSchools(path string) bool {
	if path == "" {
		return false
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		return false
	}
	var f struct {
		Keys []struct {
			Schools []string `json:"schools"`
		} `json:"keys"`
	}
	if json.Unmarshal(raw, &f) != nil {
		return false
	}
	for _, k := range f.Keys {
		if len(k.Schools) > 0 {
			return true
		}
	}
	return false
}

func prefix(p string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s%w", p, err)
}

// upstreamKeys reads RECHECK_UPSTREAM_KEYS, each key with its schools from
// the schools document when it names them.
func upstreamKeys(cfg *Config) (map[string]intake.UpstreamKey, error) {
	var keySchools map[string][]string
	if cfg.Schools.File != "" {
		doc, err := schools.Load(cfg.Schools.File)
		if err != nil {
			return nil, err
		}
		keySchools = doc.UpstreamKeys
	}
	return intake.LoadUpstreamKeysWith(cfg.Intake.UpstreamKeys, keySchools)
}
