package intake

import "testing"

func TestDuplicateKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		doc  string
		want string // "" when no key repeats
	}{
		{`{"decision":"approve","reason":"x"}`, ""},
		{`{"decision":"approve","decision":"reject"}`, "decision"},
		{`{"a":{"b":1,"b":2}}`, "b"},
		{`{"a":{"b":1},"b":{"b":1}}`, ""},
		{`{"a":[{"k":1},{"k":2}],"k":3}`, ""},
		{`{"a":[{"k":1,"k":2}]}`, "k"},
		{`{"a":"a","b":"a"}`, ""}, // a string value equal to a key is no key

		{`{"a":{},"a":1}`, "a"},
		{`{"a":[1,"b"],"b":2}`, ""},
		{`not json`, ""},
	}
	for _, tc := range tests {
		got, ok := duplicateKey([]byte(tc.doc))
		if got != tc.want || ok != (tc.want != "") {
			t.Errorf("%s: got %q %v, want %q", tc.doc, got, ok, tc.want)
		}
	}
}
