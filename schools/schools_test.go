package schools_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/schools"
)

func TestParseChecksTheShape(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, doc string
		want      []string // each must be in the error
	}{
		{"unknown section", `{"schools":["cjlu"],"rule":{}}`, []string{`unknown field "rule"`, "sections: schools, rules"}},
		{"not an object", `["cjlu"]`, []string{"not a schools document"}},
		{"wildcard listed", `{"schools":["*"]}`, []string{`schools: "*"`, "is not a school"}},
		{"bad code", `{"schools":["cj lu"]}`, []string{`schools: "cj lu": not a school code`}},
		{"listed twice", `{"schools":["cjlu","cjlu"]}`, []string{`schools: "cjlu": listed twice`}},
		{"rules names an unknown school", `{"schools":["cjlu"],"rules":{"cjul":{}}}`, []string{`rules: "cjul": not in schools`}},
		{"profiles names an unknown school", `{"schools":["cjlu"],"profiles":{"zjut":"chsi"}}`, []string{`profiles: "zjut": not in schools`}},
		{"wechat names an unknown school", `{"schools":["cjlu"],"wechat":{"hdu":{}}}`, []string{`wechat: "hdu": not in schools`}},
		{"callbacks names an unknown school", `{"schools":["cjlu"],"callbacks":{"hdu":{}}}`, []string{`callbacks: "hdu": not in schools`}},
		{"key for an unknown school", `{"schools":["cjlu"],"upstream_keys":{"k1":["cjlu","zjut"]}}`, []string{`upstream_keys k1: "zjut": not in schools`}},
		{"key without schools", `{"schools":["cjlu"],"upstream_keys":{"k1":[]}}`, []string{`upstream_keys: "k1": no schools`}},
		{"every fault at once", `{"schools":["cjlu"],"rules":{"a":{}},"profiles":{"b":"chsi"}}`, []string{`rules: "a"`, `profiles: "b"`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := schools.Parse([]byte(tc.doc))
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestParseAcceptsADocument(t *testing.T) {
	t.Parallel()
	d, err := schools.Parse([]byte(`{"schools":["cjlu","zjut"],
		"rules":{"*":{"pass_score":80},"cjlu":{"daily_standardizations":2}},
		"profiles":{"zjut":"ga461"},
		"upstream_keys":{"k1":["*"],"k2":["zjut"]}}`))
	require.NoError(t, err)
	require.Equal(t, []string{"cjlu", "zjut"}, d.Schools)
	require.Len(t, d.Section(schools.SectionRules), 2)
	require.Nil(t, d.Section(schools.SectionWeChat))
	require.Equal(t, []string{"zjut"}, d.UpstreamKeys["k2"])
	require.True(t, d.Knows("cjlu"))
	require.False(t, d.Knows("*"))
}

func TestLoadNamesTheFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "schools.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"schools":["cjlu"],"rules":{"x":{}}}`), 0o600))
	_, err := schools.Load(path)
	require.ErrorContains(t, err, "RECHECK_SCHOOLS "+path)
	require.ErrorContains(t, err, `rules: "x"`)
	_, err = schools.Load(filepath.Join(t.TempDir(), "missing.json"))
	require.ErrorContains(t, err, "RECHECK_SCHOOLS")
}
