package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/metrics"
)

// metricName finds the metric names in a PromQL expression.
var metricName = regexp.MustCompile(`\b(?:recheck|asynq|process|go)_[a-z_]+\b`)

// deployMetrics returns the metric names the alerting rules and the
// dashboard use.
func deployMetrics(t *testing.T) []string {
	t.Helper()
	rules, err := os.ReadFile("../../deploy/alerts.yml")
	require.NoError(t, err)
	var names []string
	for _, line := range strings.Split(string(rules), "\n") {
		if strings.Contains(line, "summary:") || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		names = append(names, metricName.FindAllString(line, -1)...)
	}
	for _, p := range dashboard(t).Panels {
		for _, target := range p.Targets {
			names = append(names, metricName.FindAllString(target.Expr, -1)...)
		}
	}
	slices.Sort(names)
	return slices.Compact(names)
}

type grafanaDashboard struct {
	Title         string `json:"title"`
	UID           string `json:"uid"`
	SchemaVersion int    `json:"schemaVersion"`
	Panels        []struct {
		ID      int    `json:"id"`
		Type    string `json:"type"`
		Title   string `json:"title"`
		GridPos struct {
			H, W, X, Y int
		} `json:"gridPos"`
		Targets []struct {
			RefID string `json:"refId"`
			Expr  string `json:"expr"`
		} `json:"targets"`
	} `json:"panels"`
}

func dashboard(t *testing.T) grafanaDashboard {
	t.Helper()
	raw, err := os.ReadFile("../../deploy/dashboard.json")
	require.NoError(t, err)
	var d grafanaDashboard
	require.NoError(t, json.Unmarshal(raw, &d), "deploy/dashboard.json is JSON")
	return d
}

// TestDashboardLoads checks what Grafana needs of deploy/dashboard.json:
// a title, uid and schema version, panels with unique IDs, a type, a
// place on the 24-column grid that no other panel takes, and a query each.
func TestDashboardLoads(t *testing.T) {
	t.Parallel()
	d := dashboard(t)
	require.NotEmpty(t, d.Title)
	require.NotEmpty(t, d.UID)
	require.GreaterOrEqual(t, d.SchemaVersion, 36)
	require.NotEmpty(t, d.Panels)
	ids := map[int]bool{}
	taken := map[[2]int]string{}
	for _, p := range d.Panels {
		require.False(t, ids[p.ID], "panel id %d twice", p.ID)
		ids[p.ID] = true
		require.Equal(t, "timeseries", p.Type, p.Title)
		g := p.GridPos
		require.True(t, g.W > 0 && g.H > 0 && g.X >= 0 && g.X+g.W <= 24, "%s: gridPos %+v", p.Title, g)
		for x := g.X; x < g.X+g.W; x++ {
			for y := g.Y; y < g.Y+g.H; y++ {
				require.Empty(t, taken[[2]int{x, y}], "%s overlaps %s", p.Title, taken[[2]int{x, y}])
				taken[[2]int{x, y}] = p.Title
			}
		}
		require.NotEmpty(t, p.Targets, p.Title)
		for _, target := range p.Targets {
			require.NotEmpty(t, target.Expr, p.Title)
			require.NotEmpty(t, target.RefID, p.Title)
		}
	}
}

// TestAlertingRulesCheck runs promtool (Debian's prometheus package) over
// deploy/alerts.yml when it is installed.
func TestAlertingRulesCheck(t *testing.T) {
	t.Parallel()
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		if os.Getenv("RECHECK_REQUIRE_TESTDATA") != "" || os.Getenv("CI") != "" {
			t.Fatal("promtool is not installed: make setup installs Debian's prometheus package")
		}
		t.Skip("promtool is not installed (make setup installs Debian's prometheus package); TestEndToEnd still checks the metric names")
	}
	out, err := exec.Command(promtool, "check", "rules", "../../deploy/alerts.yml").CombinedOutput()
	require.NoError(t, err, string(out))
	raw, err := os.ReadFile("../../deploy/alerts.yml")
	require.NoError(t, err)
	require.Contains(t, string(out), fmt.Sprintf("SUCCESS: %d rules found", strings.Count(string(raw), "- alert: ")), "every rule read")
}

// checkDeployKit: every metric the alerting rules and the dashboard name
// is on /metrics after an end-to-end run (scraped), or is one of recheck's
// own that the run did not happen to use (a vector shows once used).
func checkDeployKit(t *testing.T, scraped string) {
	t.Helper()
	families := map[string]bool{}
	for _, line := range strings.Split(scraped, "\n") {
		if f, ok := strings.CutPrefix(line, "# TYPE "); ok {
			name, _, _ := strings.Cut(f, " ")
			families[name] = true
		}
	}
	own := metrics.New().Names()
	for _, name := range deployMetrics(t) {
		base := name
		for _, suffix := range []string{"_bucket", "_count", "_sum"} {
			if b, ok := strings.CutSuffix(name, suffix); ok && (families[b] || slices.Contains(own, b)) {
				base = b
			}
		}
		require.True(t, families[base] || slices.Contains(own, base), "deploy/ names %s, which no recheck process exports", name)
	}
}
