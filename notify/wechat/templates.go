package wechat

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
)

// Template is one subscribe-message template and where each of its keys
// takes its value from.
type Template struct {
	// ID is the template's ID in the mini program's console.
	ID string `json:"template_id"`
	// Page is the mini program page the message opens; "{capture_id}" is
	// replaced by the capture's ID (e.g. "pages/result/index?id={capture_id}").
	Page string `json:"page,omitempty"`
	// Data maps each key of the template ("phrase1", "thing2", …) to its
	// source: "phrase" (the outcome, 审核通过), "detail" (what to do
	// next), "time" or "date" (of the transition, in the school's time
	// zone), "capture_id" (32 hex digits), "school" (the school's code), or
	// "=text" for a fixed text.
	Data map[string]string `json:"data"`
}

// Sources a template's keys may take their values from.
var sources = map[string]bool{"phrase": true, "detail": true, "time": true, "date": true, "capture_id": true, "school": true}

// Templates are the templates of every school: per school (or "default"),
// per notice key of package capture ("approved", "blocked/…", "cool_off_ended"),
// its state ("blocked" covers every "blocked/…") or "*" for any.
type Templates struct {
	// State is WeChat's miniprogram_state: "formal", "trial" or "developer".
	State string `json:"miniprogram_state,omitempty"`
	// Lang is the message's language; zh_CN.
	Lang    string                         `json:"lang,omitempty"`
	Default map[string]Template            `json:"default"`
	Schools map[string]map[string]Template `json:"schools,omitempty"`
	// Location is the time zone of "time" and "date" values (Asia/Shanghai).
	Location *time.Location `json:"-"`
}

// LoadTemplates reads a templates file (JSON) and validates it.
func LoadTemplates(path string) (*Templates, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("wechat: read templates: %w", err)
	}
	var t Templates
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("wechat: templates %s: %w", path, err)
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("wechat: templates %s: %w", path, err)
	}
	return &t, nil
}

// TemplatesFrom reads the wechat section of the schools document: per
// school code ("*": every school without its own), the templates by
// notice key. state is miniprogram_state (RECHECK_WECHAT_STATE).
func TemplatesFrom(state string, entries map[string]json.RawMessage) (*Templates, error) {
	t := &Templates{State: state, Schools: map[string]map[string]Template{}}
	for school, e := range entries {
		var set map[string]Template
		dec := json.NewDecoder(strings.NewReader(string(e)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&set); err != nil {
			return nil, fmt.Errorf("wechat: school %q: %w", school, err)
		}
		if school == "*" {
			t.Default = set
			continue
		}
		t.Schools[school] = set
	}
	if err := t.Validate(); err != nil {
		return nil, fmt.Errorf("wechat: %w", err)
	}
	return t, nil
}

// Validate reports every template that WeChat would refuse or recheck
// cannot fill, naming it, and fills in the defaults.
func (t *Templates) Validate() error {
	if t.State == "" {
		t.State = "formal"
	}
	if t.Lang == "" {
		t.Lang = "zh_CN"
	}
	if t.Location == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			return fmt.Errorf("wechat: load Asia/Shanghai: %w", err)
		}
		t.Location = loc
	}
	var errs []error
	if t.State != "formal" && t.State != "trial" && t.State != "developer" {
		errs = append(errs, fmt.Errorf("miniprogram_state must be formal, trial or developer, got %q", t.State))
	}
	if len(t.Default) == 0 && len(t.Schools) == 0 {
		errs = append(errs, errors.New("no templates: set default (and schools when they differ)"))
	}
	check := func(where string, set map[string]Template) {
		for key, tpl := range set {
			at := where + "/" + key
			if tpl.ID == "" {
				errs = append(errs, fmt.Errorf("%s: template_id is empty", at))
			}
			if len(tpl.Data) == 0 {
				errs = append(errs, fmt.Errorf("%s: data is empty", at))
			}
			for k, src := range tpl.Data {
				typ, err := KeyType(k)
				if err != nil {
					errs = append(errs, fmt.Errorf("%s: %w", at, err))
					continue
				}
				if fixed, ok := strings.CutPrefix(src, "="); ok {
					if err := CheckValue(typ, fixed); err != nil {
						errs = append(errs, fmt.Errorf("%s: %s: fixed %w", at, k, err))
					}
					continue
				}
				if !sources[src] {
					errs = append(errs, fmt.Errorf("%s: %s: unknown source %q (phrase, detail, time, date, capture_id, school or =text)", at, k, src))
				}
				if (src == "time") != (typ == TypeTime) && (src == "time" || typ == TypeTime) {
					errs = append(errs, fmt.Errorf("%s: %s: a time key takes the time source, and only it", at, k))
				}
				if (src == "date") != (typ == TypeDate) && (src == "date" || typ == TypeDate) {
					errs = append(errs, fmt.Errorf("%s: %s: a date key takes the date source, and only it", at, k))
				}
			}
		}
	}
	check("default", t.Default)
	for school, set := range t.Schools {
		check("schools/"+school, set)
	}
	return errors.Join(errs...)
}

// For returns the template of a school's notice: the school's own for the
// key, its state or "*", then the default's.
func (t *Templates) For(school, key string) (Template, bool) {
	state, _, _ := strings.Cut(key, "/")
	for _, set := range []map[string]Template{t.Schools[school], t.Default} {
		for _, k := range []string{key, state, "*"} {
			if tpl, ok := set[k]; ok {
				return tpl, true
			}
		}
	}
	return Template{}, false
}
