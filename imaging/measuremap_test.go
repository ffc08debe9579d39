package imaging_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/imaging"
)

// TestMeasuresMapHasEveryMeasure: Map names every field as its JSON tag
// does, with its value rounded to three decimals, so a new measure cannot
// be left out of the record.
func TestMeasuresMapHasEveryMeasure(t *testing.T) {
	var m imaging.Measures
	v := reflect.ValueOf(&m).Elem()
	want := map[string]float64{}
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		name := f.Tag.Get("json")
		val := float64(i) + 0.12345
		switch f.Type.Kind() {
		case reflect.Int:
			v.Field(i).SetInt(int64(i))
			want[name] = float64(i)
		default:
			v.Field(i).SetFloat(val)
			want[name] = float64(i) + 0.123
		}
	}
	got := m.Map()
	require.Len(t, got, len(want))
	for k, w := range want {
		require.InDelta(t, w, got[k], 1e-9, k)
	}
	// The names are the JSON ones, as the CLI's --json prints them.
	raw, err := json.Marshal(m)
	require.NoError(t, err)
	var byJSON map[string]float64
	require.NoError(t, json.Unmarshal(raw, &byJSON))
	for k := range byJSON {
		require.Contains(t, got, k)
	}
}
