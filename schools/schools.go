// Package schools reads the schools document (RECHECK_SCHOOLS): what a
// deployment sets per school, one section per concern, each keyed by school
// code with "*" for every school:
//
//	{
//	  "schools":       ["cjlu", "zjut"],
//	  "rules":         {"*": {"pass_score": 80}, "cjlu": {"help": {"records_office": "学籍科 0571-86835700"}}},
//	  "profiles":      {"*": "chsi", "zjut": "ga461"},
//	  "wechat":        {"*": {"approved": {"template_id": "…", "data": {"phrase1": "phrase"}}}},
//	  "callbacks":     {"*": {"url": "https://upstream.example.cn/recheck"}, "cjlu": {"records_office_url": "…"}},
//	  "upstream_keys": {"intake-2026": ["*"]}
//	}
//
// This package checks the document's shape: known sections, school codes,
// and every school a section names listed in "schools" (a code in one
// section and unknown to the others is a typo). The package of each
// concern reads its own section (capture the rules, imaging the profiles,
// wechat the templates, callback the addresses, intake which upstream key
// may act for which school) and reports its errors by section and school.
// Secrets stay out of it: upstream key secrets, the callback key, WeChat's
// and CTID's credentials are in their own files or the environment.
package schools

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"

	"github.com/recheck/recheck/capture"
)

// Config locates the schools document.
type Config struct {
	// File is the schools document's path.
	File string `env:"RECHECK_SCHOOLS" help:"JSON schools document: the school codes, and per school (\"*\" for every school) its rules, photo profile, WeChat templates, callback URLs and upstream keys (see docs/operations.md); empty: the older files (RECHECK_SCHOOL_RULES, …) or the defaults"`
}

// Wildcard is the key of a section's entry for every school.
const Wildcard = "*"

// The sections of the document, by name.
const (
	SectionRules        = "rules"
	SectionProfiles     = "profiles"
	SectionWeChat       = "wechat"
	SectionCallbacks    = "callbacks"
	SectionUpstreamKeys = "upstream_keys"
)

// Document is a parsed schools document. Each section maps "*" or a
// school code to that concern's entry, left as JSON for its package.
type Document struct {
	// Path is the file it was read from ("" when parsed from bytes);
	// relative paths inside it (a profile's .json) are relative to it.
	Path string `json:"-"`
	// Schools are the school codes the deployment serves.
	Schools   []string                   `json:"schools"`
	Rules     map[string]json.RawMessage `json:"rules,omitempty"`
	Profiles  map[string]json.RawMessage `json:"profiles,omitempty"`
	WeChat    map[string]json.RawMessage `json:"wechat,omitempty"`
	Callbacks map[string]json.RawMessage `json:"callbacks,omitempty"`
	// UpstreamKeys maps an upstream key's ID (its secret is in
	// RECHECK_UPSTREAM_KEYS) to the schools it may act for ("*": all).
	UpstreamKeys map[string][]string `json:"upstream_keys,omitempty"`
}

// Error is a fault in the document: the section and school (or key) it is
// in, and what is wrong.
type Error struct {
	Section, School, Problem string
}

// Error implements error.
func (e *Error) Error() string {
	switch {
	case e.Section == "":
		return "schools document: " + e.Problem
	case e.School == "":
		return fmt.Sprintf("schools document: %s: %s", e.Section, e.Problem)
	}
	return fmt.Sprintf("schools document: %s: %q: %s", e.Section, e.School, e.Problem)
}

// Load reads and checks the document at path.
func Load(path string) (*Document, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("RECHECK_SCHOOLS: %w", err)
	}
	d, err := Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("RECHECK_SCHOOLS %s: %w", path, err)
	}
	d.Path = path
	return d, nil
}

// Parse reads and checks a document: unknown sections and fields are
// refused, and every school a section names must be in "schools".
func Parse(raw []byte) (*Document, error) {
	var d Document
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&d); err != nil {
		return nil, &Error{Problem: fmt.Sprintf("not a schools document (sections: schools, %s, %s, %s, %s, %s): %v",
			SectionRules, SectionProfiles, SectionWeChat, SectionCallbacks, SectionUpstreamKeys, err)}
	}
	var errs []error
	seen := map[string]bool{}
	for _, s := range d.Schools {
		switch {
		case s == Wildcard:
			errs = append(errs, &Error{Section: "schools", School: s, Problem: `"*" is not a school; list the codes ("*" is for the other sections)`})
		case !capture.ValidID(s):
			errs = append(errs, &Error{Section: "schools", School: s, Problem: "not a school code (1-64 letters, digits, '_', '.' or '-')"})
		case seen[s]:
			errs = append(errs, &Error{Section: "schools", School: s, Problem: "listed twice"})
		}
		seen[s] = true
	}
	known := func(section, school string) {
		if school != Wildcard && !seen[school] {
			errs = append(errs, &Error{Section: section, School: school, Problem: "not in schools (a typo, or add it to the list)"})
		}
	}
	for _, sec := range []struct {
		name    string
		entries map[string]json.RawMessage
	}{{SectionRules, d.Rules}, {SectionProfiles, d.Profiles}, {SectionWeChat, d.WeChat}, {SectionCallbacks, d.Callbacks}} {
		for _, school := range sortedKeys(sec.entries) {
			known(sec.name, school)
		}
	}
	for _, id := range sortedKeys(d.UpstreamKeys) {
		list := d.UpstreamKeys[id]
		if len(list) == 0 {
			errs = append(errs, &Error{Section: SectionUpstreamKeys, School: id, Problem: `no schools: list school codes, or "*" for every school`})
		}
		for _, school := range list {
			known(SectionUpstreamKeys+" "+id, school)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return &d, nil
}

// Section returns the entries of a section by name (nil when the document
// has none).
func (d *Document) Section(name string) map[string]json.RawMessage {
	if d == nil {
		return nil
	}
	switch name {
	case SectionRules:
		return d.Rules
	case SectionProfiles:
		return d.Profiles
	case SectionWeChat:
		return d.WeChat
	case SectionCallbacks:
		return d.Callbacks
	}
	return nil
}

// Knows reports whether the document lists school.
func (d *Document) Knows(school string) bool { return d != nil && slices.Contains(d.Schools, school) }

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
