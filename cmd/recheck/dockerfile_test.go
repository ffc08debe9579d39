package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// stages splits a Dockerfile into its stages' instructions, continuation
// lines joined and comments dropped.
func stages(t *testing.T, path string) [][]string {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	var out [][]string
	var cur string
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		cur += " " + strings.TrimSpace(strings.TrimSuffix(line, "\\"))
		if strings.HasSuffix(line, "\\") {
			continue
		}
		if ins := strings.TrimSpace(cur); ins != "" {
			if strings.HasPrefix(ins, "FROM ") {
				out = append(out, nil)
			}
			require.NotEmpty(t, out, "an instruction before FROM: %s", ins)
			out[len(out)-1] = append(out[len(out)-1], ins)
		}
		cur = ""
	}
	return out
}

// aptPackages lists the packages an "apt-get install" of the stage names.
func aptPackages(stage []string) []string {
	var out []string
	for _, ins := range stage {
		_, after, ok := strings.Cut(ins, "apt-get install")
		if !ok {
			continue
		}
		for _, f := range strings.Fields(strings.Split(after, "&&")[0]) {
			if !strings.HasPrefix(f, "-") {
				out = append(out, f)
			}
		}
	}
	slices.Sort(out)
	return out
}

// setupPackages is the package list of scripts/setup.sh.
func setupPackages(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("../../scripts/setup.sh")
	require.NoError(t, err)
	m := regexp.MustCompile(`(?s)local packages=\((.*?)\)`).FindSubmatch(raw)
	require.NotNil(t, m, "setup.sh lists its packages in local packages=(...)")
	return strings.Fields(string(m[1]))
}

// runtimeOf maps each -dev library of setup.sh to the runtime package the
// image needs instead; dpkg confirms it where the -dev package is
// installed (make test installs them).
var runtimeOf = map[string]string{
	"libvips-dev": "libvips42", "libdlib-dev": "libdlib19.1", "libblas-dev": "libblas3",
	"libatlas-base-dev": "libatlas3-base", "liblapack-dev": "liblapack3", "libjpeg62-turbo-dev": "libjpeg62-turbo",
}

// TestDockerfileMatchesSetup keeps the Dockerfile and scripts/setup.sh one
// list: the build stage installs every library setup.sh does, the run
// stage exactly their runtime packages, the models come from setup.sh
// itself, and the image is portable, non-root and checked on /readyz.
func TestDockerfileMatchesSetup(t *testing.T) {
	st := stages(t, "../../Dockerfile")
	require.Len(t, st, 2, "a build stage and a run stage")
	build, run := st[0], st[1]

	gomod, err := os.ReadFile("../../go.mod")
	require.NoError(t, err)
	goVersion := regexp.MustCompile(`(?m)^go (\S+)`).FindSubmatch(gomod)[1]
	require.Equal(t, "FROM golang:"+string(goVersion)+"-bookworm AS build", build[0], "the Go of go.mod")
	require.Equal(t, "FROM debian:bookworm-slim", run[0])

	devOnly := map[string]bool{"redis-server": true, "curl": true, "openssl": true, "chromium": true, "prometheus": true} // the walkthrough's and the tests', not the build's
	var want []string
	for _, p := range setupPackages(t) {
		if !devOnly[p] {
			want = append(want, p)
		}
	}
	want = append(want, "npm")
	slices.Sort(want)
	require.Equal(t, want, aptPackages(build), "the build stage installs what setup.sh installs")

	var runtime []string
	for _, p := range setupPackages(t) {
		if r, ok := runtimeOf[p]; ok {
			runtime = append(runtime, r)
			if out, err := exec.Command("dpkg-query", "-W", "-f=${Depends}", p).Output(); err == nil {
				require.Contains(t, string(out), r, "%s depends on %s", p, r)
			}
		} else if strings.HasSuffix(p, "-dev") {
			t.Fatalf("setup.sh installs %s: add its runtime package to runtimeOf and the Dockerfile", p)
		}
	}
	runtime = append(runtime, "ca-certificates")
	slices.Sort(runtime)
	require.Equal(t, runtime, aptPackages(run), "the run stage has the runtime libraries only")

	joined := strings.Join(build, "\n")
	require.Contains(t, joined, "scripts/setup.sh models", "the models come from setup.sh's pinned list")
	require.Regexp(t, `CGO_CXXFLAGS="[^"]*-march=x86-64-v2`, joined, "portable dlib code")
	require.NotContains(t, joined+strings.Join(run, "\n"), "march=native")
	all := strings.Join(run, "\n")
	for _, want := range []string{
		"COPY --from=build /out/models /usr/share/recheck/models", "RECHECK_MODELS_DIR=/usr/share/recheck/models",
		"MALLOC_ARENA_MAX=2", "USER recheck", `CMD ["recheck", "healthcheck"]`, `ENTRYPOINT ["recheck"]`,
	} {
		require.Contains(t, all, want)
	}
}

// TestComposeFile: Redis with AOF, an S3-compatible store, one intake, two
// workers, the CTID simulator only in the dev profile, every role on the
// image's command.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("../../compose.yaml")
	require.NoError(t, err)
	var c struct {
		Services map[string]struct {
			Command     []string          `yaml:"command"`
			Profiles    []string          `yaml:"profiles"`
			Environment map[string]string `yaml:"environment"`
			Deploy      struct {
				Replicas int `yaml:"replicas"`
			} `yaml:"deploy"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal(raw, &c))
	s := c.Services
	require.Contains(t, strings.Join(s["redis"].Command, " "), "--appendonly yes")
	require.Equal(t, []string{"server", "/data"}, s["s3"].Command)
	require.Equal(t, []string{"intake"}, s["intake"].Command)
	require.Equal(t, []string{"worker"}, s["worker"].Command)
	require.Equal(t, 2, s["worker"].Deploy.Replicas)
	require.Equal(t, []string{"dev"}, s["ctid-sim"].Profiles)
	require.Empty(t, s["worker"].Profiles)
	env := s["worker"].Environment
	require.Equal(t, "s3", env["RECHECK_STORAGE"])
	require.Equal(t, "http://s3:9000", env["RECHECK_S3_ENDPOINT"])
	cfg, err := loadConfig(nil, func(k string) string { return env[k] })
	require.NoError(t, err, "the compose environment is a valid configuration")
	require.Equal(t, "recheck", cfg.Storage.S3.Bucket)
}

// TestHealthcheckCommand: the image's HEALTHCHECK finds a worker's ops
// listener when no API listens, and fails when nothing answers.
func TestHealthcheckCommand(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/readyz" {
			_, _ = io.WriteString(w, `{"status":"ready"}`)
			return
		}
		http.NotFound(w, r)
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	env := map[string]string{"RECHECK_HTTP_ADDR": "127.0.0.1:1", "RECHECK_OPS_ADDR": ln.Addr().String()}
	var out, errOut strings.Builder
	code := run(context.Background(), []string{"healthcheck"}, func(k string) string { return env[k] }, &out, &errOut)
	require.Equal(t, exitOK, code, errOut.String())
	require.Contains(t, out.String(), "ready")
	srv.Close()
	code = run(context.Background(), []string{"healthcheck"}, func(k string) string { return env[k] }, &out, &errOut)
	require.Equal(t, exitFailure, code)
	require.Contains(t, errOut.String(), "nothing answers /readyz")
}
