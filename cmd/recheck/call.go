package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/recheck/recheck/intake/client"
)

// formFields is a repeatable -F name=value (or name=@file) flag.
type formFields []string

func (f *formFields) String() string     { return strings.Join(*f, ",") }
func (f *formFields) Set(v string) error { *f = append(*f, v); return nil }

// callCmd: recheck call METHOD TARGET [--file F | --json S | -F k=v ... -F photo=@F]
// [--url U] [--key-id K | --token FILE] [--idempotency-key I]. Sends one
// request to the intake API signed with an upstream key from
// RECHECK_UPSTREAM_KEYS (the development key under make dev), or as the
// staff member whose API token is in FILE, and prints the answer; exit 1
// on an error answer. A small reference of what the upstream service does.
func callCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) (int, error) {
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	cfg, err := loadConfig(fs, getenv)
	if err != nil {
		return exitFailure, err
	}
	base := fs.String("url", "", "the API's base URL; empty: http:// and RECHECK_HTTP_ADDR")
	keyID := fs.String("key-id", "", "the upstream key to sign with; empty: the first in RECHECK_UPSTREAM_KEYS")
	file := fs.String("file", "", "send this file as the body")
	jsonBody := fs.String("json", "", "send this JSON as the body")
	idem := fs.String("idempotency-key", "", "Idempotency-Key header")
	tokenFile := fs.String("token", "", "act as the staff member whose API token is in this file (like dev-credentials/tokens/reviewer) instead of signing as the upstream")
	var form formFields
	fs.Var(&form, "F", "a multipart field name=value, or the photo as photo=@FILE (repeatable)")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return exitFailure, err
	}
	if len(pos) != 2 {
		return exitFailure, usageError{"call needs METHOD and TARGET, like: recheck call GET /v1/captures/ID"}
	}
	method, target := strings.ToUpper(pos[0]), pos[1]
	if *base == "" {
		*base = "http://" + cfg.Intake.Addr
	}
	c, err := callClient(cfg, *base, *keyID, *tokenFile)
	if err != nil {
		return exitFailure, err
	}
	var resp *client.Response
	switch {
	case len(form) > 0:
		resp, err = callMultipart(ctx, c, target, form, *idem)
	case *file != "":
		body, rerr := os.ReadFile(*file)
		if rerr != nil {
			return exitFailure, rerr
		}
		resp, err = c.Do(ctx, method, target, body, "application/octet-stream", nil)
	case *jsonBody != "":
		if !json.Valid([]byte(*jsonBody)) {
			return exitFailure, usageError{"--json is not valid JSON"}
		}
		resp, err = c.Do(ctx, method, target, []byte(*jsonBody), "application/json", nil)
	default:
		resp, err = c.Do(ctx, method, target, nil, "", nil)
	}
	if err != nil {
		return exitFailure, err
	}
	fmt.Fprintf(stderr, "%d %s\n", resp.Status, http.StatusText(resp.Status))
	if loc := resp.Header.Get("Location"); loc != "" {
		fmt.Fprintf(stderr, "Location: %s\n", loc)
	}
	_, _ = stdout.Write(resp.Body)
	if resp.Status >= 300 {
		return exitFailure, nil
	}
	return exitOK, nil
}

// callClient is the client call sends with: a staff member's API token
// read from tokenFile, or else the upstream key keyID (the first when
// empty) of RECHECK_UPSTREAM_KEYS.
func callClient(cfg *Config, base, keyID, tokenFile string) (*client.Client, error) {
	if tokenFile != "" {
		raw, err := os.ReadFile(tokenFile)
		if err != nil {
			return nil, fmt.Errorf("--token: %w", err)
		}
		token := strings.TrimSpace(string(raw))
		if token == "" {
			return nil, usageError{"--token " + tokenFile + " is empty"}
		}
		return client.NewWithToken(base, token), nil
	}
	if cfg.Intake.UpstreamKeys == "" {
		return nil, usageError{"call signs with a key of RECHECK_UPSTREAM_KEYS, which is not set (under make dev: . dev-credentials/env), or acts as a staff member with --token FILE"}
	}
	keys, err := upstreamKeys(cfg)
	if err != nil {
		return nil, err
	}
	key, ok := keys[keyID]
	if keyID == "" {
		for _, k := range keys {
			if key.ID == "" || k.ID < key.ID {
				key, ok = k, true
			}
		}
	}
	if !ok {
		return nil, usageError{fmt.Sprintf("no key %q in RECHECK_UPSTREAM_KEYS", keyID)}
	}
	return client.New(base, key.ID, key.Secret), nil
}

// callMultipart sends the -F fields, the photo from photo=@FILE.
func callMultipart(ctx context.Context, c *client.Client, target string, form formFields, idem string) (*client.Response, error) {
	var fields [][2]string
	var photo []byte
	name := "photo"
	for _, f := range form {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, usageError{fmt.Sprintf("-F %q: write name=value", f)}
		}
		if k == "photo" && strings.HasPrefix(v, "@") {
			var err error
			if photo, err = os.ReadFile(v[1:]); err != nil {
				return nil, err
			}
			name = v[1:]
			continue
		}
		fields = append(fields, [2]string{k, v})
	}
	if photo == nil {
		return nil, usageError{"-F photo=@FILE is missing"}
	}
	return c.SubmitMultipart(ctx, target, fields, name, photo, idem)
}
