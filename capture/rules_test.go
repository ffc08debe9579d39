package capture_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/capture"
)

func TestRuleSet(t *testing.T) {
	t.Parallel()
	set, err := capture.ParseRuleSet([]byte(`{
		"*": {"daily_standardizations": 5},
		"cjlu": {"auto_confirm": true, "cool_off": "12h"},
		"yangtze": {"pass_score": 85, "failed_attempts": 2, "free_resubmissions": 1}
	}`))
	require.NoError(t, err)
	d := set.For("anyone")
	require.Equal(t, 5, d.DailyStandardizations, "the deployment's default")
	require.Equal(t, 80.0, d.PassScore, "fields left out keep the instructions' numbers")
	c := set.For("cjlu")
	require.True(t, c.AutoConfirm)
	require.Equal(t, 5, c.DailyStandardizations, "a school starts from the deployment's default")
	require.Equal(t, capture.Duration(12*time.Hour), c.CoolOff)
	y := set.For("yangtze")
	require.Equal(t, 85.0, y.PassScore)
	require.Equal(t, 2, y.FailedAttempts)
	require.Equal(t, 1, y.FreeResubmissions)

	require.Equal(t, capture.DefaultRules().PassScore, capture.RuleSet{}.For("x").PassScore, "a zero RuleSet gives the defaults")
}

func TestRuleSetErrorsNameTheProblem(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		`[1,2]`: "not a JSON object",
		`{"cjlu": {"daily_standardizations": 0}}`: "daily_standardizations must be 1-100",
		`{"cjlu": {"cool_off": "a day"}}`:         "not a duration",
		`{"cjlu": {"pass_score": 120}}`:           "pass_score",
		`{"cjlu": {"time_zone": "Mars/Olympus"}}`: "time_zone",
		`{"cjlu": {"dayly_limit": 3}}`:            "unknown field",
		`{"../x": {}}`:                            "not a school code",
	}
	for doc, want := range tests {
		_, err := capture.ParseRuleSet([]byte(doc))
		require.ErrorContains(t, err, want, doc)
		require.ErrorContains(t, err, "RECHECK_SCHOOL_RULES", doc)
	}
}

func TestLoadRuleSet(t *testing.T) {
	t.Parallel()
	set, err := capture.LoadRuleSet(capture.RulesConfig{})
	require.NoError(t, err)
	require.Equal(t, 3, set.For("cjlu").DailyStandardizations)

	f := filepath.Join(t.TempDir(), "rules.json")
	require.NoError(t, os.WriteFile(f, []byte(`{"cjlu": {"auto_confirm": true}}`), 0o644))
	set, err = capture.LoadRuleSet(capture.RulesConfig{File: f})
	require.NoError(t, err)
	require.True(t, set.For("cjlu").AutoConfirm)

	require.ErrorContains(t, capture.RulesConfig{File: "/nonexistent/rules.json"}.Validate(), "RECHECK_SCHOOL_RULES")
}
