package settings_test

import (
	"flag"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/recheck/recheck/internal/settings"
)

type inner struct {
	Wait time.Duration `env:"X_WAIT" default:"5s" help:"how long"`
	On   bool          `env:"X_ON" help:"switch"`
}

type config struct {
	URL   string  `env:"X_URL" default:"redis://$HOST/0" help:"where" secret:"true"`
	N     int     `env:"X_N" default:"2" help:"how many"`
	Ratio float64 `env:"X_RATIO" default:"0.5" help:"part"`
	In    inner
}

func TestLoadOrder(t *testing.T) {
	env := map[string]string{"HOST": "h", "X_N": "7", "OLD_ON": "true"}
	var c config
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	require.NoError(t, settings.Load(&c, fs, func(k string) string { return env[k] }, map[string]string{"X_ON": "OLD_ON"}))
	require.Equal(t, "redis://h/0", c.URL, "defaults expand variables")
	require.Equal(t, 7, c.N, "the environment beats the default")
	require.True(t, c.In.On, "an alias stands in for an unset variable")
	require.Equal(t, 5*time.Second, c.In.Wait)
	require.NoError(t, fs.Parse([]string{"-x-n", "9", "-x-wait", "1m"}))
	require.Equal(t, 9, c.N, "a flag beats both")
	require.Equal(t, time.Minute, c.In.Wait)

	err := settings.Load(&config{}, nil, func(k string) string { return map[string]string{"X_N": "many", "X_WAIT": "soon"}[k] }, nil)
	require.ErrorContains(t, err, `X_N: not an integer: "many"`)
	require.ErrorContains(t, err, `X_WAIT: not a duration`)

	table := settings.Table(&config{})
	require.Contains(t, table, "| `X_URL` | `-x-url` | `redis://$HOST/0` | where |")
	require.True(t, strings.HasPrefix(table, "| variable | flag | default | meaning |"))
	require.True(t, settings.List(&config{})[0].Secret)
}
