package intake_test

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/intake"
	"github.com/recheck/recheck/internal/apicheck"
)

// TestOpenAPIDescribesEveryRoute: the description names exactly the routes
// the server registers, its schemas compile, and the server serves it to a
// signed caller only.
func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	t.Parallel()
	b := setup(t)
	doc, err := apicheck.Load()
	require.NoError(t, err)
	var described []string
	for p, ops := range doc.Paths {
		for m := range ops {
			if m != "parameters" {
				described = append(described, strings.ToUpper(m)+" "+p)
			}
		}
	}
	routes := b.api.Routes()
	slices.Sort(described)
	slices.Sort(routes)
	require.Equal(t, routes, described, "every route described, nothing else")

	var raw map[string]any
	require.NoError(t, json.Unmarshal(intake.OpenAPI, &raw))
	require.Equal(t, "3.1.0", raw["openapi"])
	// Every schema compiles: an error answer validates against each
	// operation's default.
	for _, route := range routes {
		method, path, _ := strings.Cut(route, " ")
		err := apicheck.Check(method, strings.NewReplacer("{", "", "}", "").Replace(path), 499,
			[]byte(`{"error":{"code":"x","message":"x","message_zh":"错误"}}`))
		if err != nil && !strings.Contains(err.Error(), "status 499 is not described") {
			require.NoError(t, err, route)
		}
	}

	// The checker catches an answer that breaks the description.
	require.ErrorContains(t, apicheck.Check("GET", "/v1/batches/b0123456789ab", 200, []byte(`{"id":1}`)), "does not match")
	require.NoError(t, apicheck.Check("GET", "/no/such/route", 404, []byte(`{"error":{"code":"not_found","message":"x","message_zh":"未找到"}}`)))

	resp, err := http.Get(b.srv.URL + "/openapi.json")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode, "not anonymous")
	resp, err = signingClient.Get(b.srv.URL + "/openapi.json")
	require.NoError(t, err)
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.JSONEq(t, string(intake.OpenAPI), string(body))
}
