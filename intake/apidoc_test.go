package intake_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/intake"
)

var update = flag.Bool("update", false, "rewrite the generated list of routes in docs/api.md")

// The generated list of routes in docs/api.md sits between these lines.
const (
	routesBegin = "<!-- routes: begin (generated from intake/api/openapi.json: go test ./intake -run TestAPIDocListsEveryRoute -update) -->"
	routesEnd   = "<!-- routes: end -->"
)

// routesDoc renders the routes of the OpenAPI document as docs/api.md
// lists them: one entry per route, by path, with who may call it (x-who),
// its summary and its description. The document is the one source: the
// doc never has a second, hand-written table.
func routesDoc(t *testing.T) string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]json.RawMessage `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(intake.OpenAPI, &doc))
	paths := make([]string, 0, len(doc.Paths))
	for p := range doc.Paths {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	var b strings.Builder
	for _, p := range paths {
		for _, m := range []string{"get", "put", "post", "delete"} {
			raw, ok := doc.Paths[p][m]
			if !ok {
				continue
			}
			var op struct {
				Summary     string `json:"summary"`
				Description string `json:"description"`
				Who         string `json:"x-who"`
			}
			require.NoError(t, json.Unmarshal(raw, &op))
			require.NotEmpty(t, op.Who, "%s %s has no x-who", m, p)
			entry := fmt.Sprintf("- **`%s %s`** — %s. %s.", strings.ToUpper(m), p, op.Who, strings.TrimSuffix(op.Summary, "."))
			if op.Description != "" {
				entry += " " + op.Description
			}
			b.WriteString(entry + "\n")
		}
	}
	return routesBegin + "\n\n" + b.String() + "\n" + routesEnd
}

// TestAPIDocListsEveryRoute: docs/api.md lists every route of the OpenAPI
// document, as the document describes it (-update rewrites the list).
func TestAPIDocListsEveryRoute(t *testing.T) {
	t.Parallel()
	const path = "../docs/api.md"
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	doc := string(raw)
	i, j := strings.Index(doc, routesBegin), strings.Index(doc, routesEnd)
	require.True(t, i >= 0 && j > i, "docs/api.md has the generated list's markers")
	want := routesDoc(t)
	got := doc[i : j+len(routesEnd)]
	if *update && got != want {
		require.NoError(t, os.WriteFile(path, []byte(doc[:i]+want+doc[j+len(routesEnd):]), 0o644))
		return
	}
	require.Equal(t, want, got, "docs/api.md's routes differ from the OpenAPI document: go test ./intake -run TestAPIDocListsEveryRoute -update")
}
