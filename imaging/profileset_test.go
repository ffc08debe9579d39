package imaging_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
)

func TestProfileSet(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "blue.json"), []byte(`{"name":"blue","width":413,"height":579,"background":[67,142,219],"min_kb":20,"max_kb":80,"head_height":0.55,"eye_line":0.42,"top_margin":0.05}`), 0o644))
	schools := filepath.Join(dir, "schools.json")
	require.NoError(t, os.WriteFile(schools, []byte(`{
		"cjlu": "ga461",
		"yangtze": "blue.json",
		"inline": {"name":"small","width":240,"height":320,"background":[255,255,255],"min_kb":5,"max_kb":30,"head_height":0.5,"eye_line":0.4,"top_margin":0.06}
	}`), 0o644))
	set, err := imaging.LoadProfileSet(imaging.ProfileConfig{Default: "chsi", SchoolsFile: schools})
	require.NoError(t, err)
	require.Equal(t, "ga461", set.For("cjlu").Name)
	require.Equal(t, "blue", set.For("yangtze").Name, "paths are relative to the schools file")
	require.Equal(t, "small", set.For("inline").Name)
	require.Equal(t, "chsi", set.For("anyone-else").Name)

	for name, content := range map[string]string{
		"not an object":   `["ga461"]`,
		"unknown profile": `{"x":"passport"}`,
		"bad profile":     `{"x":{"name":"b","width":10,"height":10}}`,
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, "bad.json")
			require.NoError(t, os.WriteFile(path, []byte(content), 0o644))
			_, err := imaging.LoadProfileSet(imaging.ProfileConfig{Default: "chsi", SchoolsFile: path})
			require.ErrorContains(t, err, "RECHECK_SCHOOL_PROFILES")
		})
	}
	_, err = imaging.LoadProfileSet(imaging.ProfileConfig{Default: "nope"})
	require.ErrorContains(t, err, "RECHECK_PROFILE")
}
