// Package apicheck checks real responses against the API description
// (intake/api/openapi.json): the end-to-end tests pass every JSON answer
// they get through it, so the description cannot drift from the API.
package apicheck

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/recheck/recheck/intake"
)

// Doc is the parsed description: paths → methods → operation.
type Doc struct {
	Paths map[string]map[string]json.RawMessage `json:"paths"`
}

var (
	once     sync.Once
	doc      Doc
	compiler *jsonschema.Compiler
	loadErr  error
	mu       sync.Mutex
	compiled = map[string]*jsonschema.Schema{}
)

func load() {
	once.Do(func() {
		if loadErr = json.Unmarshal(intake.OpenAPI, &doc); loadErr != nil {
			return
		}
		raw, err := jsonschema.UnmarshalJSON(bytes.NewReader(intake.OpenAPI))
		if err != nil {
			loadErr = err
			return
		}
		compiler = jsonschema.NewCompiler()
		compiler.DefaultDraft(jsonschema.Draft2020)
		loadErr = compiler.AddResource("openapi.json", raw)
	})
}

// Load returns the description, failing when it is not valid JSON.
func Load() (Doc, error) {
	load()
	return doc, loadErr
}

// template turns a path template into a pattern of real paths.
func template(p string) *regexp.Regexp {
	return regexp.MustCompile("^" + regexp.MustCompile(`\\\{[a-z_]+\\\}`).ReplaceAllString(regexp.QuoteMeta(p), `[^/]+`) + "$")
}

// Operation finds the described path template of a real path and method.
func Operation(method, path string) (string, bool) {
	load()
	path, _, _ = strings.Cut(path, "?")
	for p, ops := range doc.Paths {
		if _, ok := ops[strings.ToLower(method)]; ok && template(p).MatchString(path) {
			return p, true
		}
	}
	return "", false
}

func schema(loc string) (*jsonschema.Schema, error) {
	mu.Lock()
	defer mu.Unlock()
	if s, ok := compiled[loc]; ok {
		return s, nil
	}
	s, err := compiler.Compile(loc)
	if err != nil {
		return nil, err
	}
	compiled[loc] = s
	return s, nil
}

// Check validates a JSON response of method and path with status against
// the described operation's response schema (the status's, or default).
func Check(method, path string, status int, body []byte) error {
	load()
	if loadErr != nil {
		return fmt.Errorf("apicheck: the description: %w", loadErr)
	}
	p, ok := Operation(method, path)
	if !ok {
		if status >= 400 {
			// An unknown route or method: the catch-all's error body.
			return validate("openapi.json#/components/schemas/Error", method, path, status, body)
		}
		return fmt.Errorf("apicheck: %s %s is not described", method, path)
	}
	var op struct {
		Responses map[string]json.RawMessage `json:"responses"`
	}
	if err := json.Unmarshal(doc.Paths[p][strings.ToLower(method)], &op); err != nil {
		return err
	}
	code := strconv.Itoa(status)
	if _, ok := op.Responses[code]; !ok {
		code = "default"
		if _, ok := op.Responses[code]; !ok {
			return fmt.Errorf("apicheck: %s %s: status %d is not described", method, p, status)
		}
	}
	loc := "openapi.json#/paths/" + strings.NewReplacer("~", "~0", "/", "~1").Replace(p) + "/" + strings.ToLower(method) +
		"/responses/" + code + "/content/application~1json/schema"
	var resp struct {
		Content map[string]json.RawMessage `json:"content"`
	}
	_ = json.Unmarshal(op.Responses[code], &resp)
	if _, ok := resp.Content["application/json"]; !ok {
		return fmt.Errorf("apicheck: %s %s %d: a JSON answer where the description has none", method, p, status)
	}
	return validate(loc, method, p, status, body)
}

func validate(loc, method, p string, status int, body []byte) error {
	s, err := schema(loc)
	if err != nil {
		return fmt.Errorf("apicheck: compile %s: %w", loc, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("apicheck: %s %s %d: not JSON: %w", method, p, status, err)
	}
	if err := s.Validate(v); err != nil {
		return fmt.Errorf("apicheck: %s %s %d does not match the description: %w", method, p, status, err)
	}
	return nil
}
