package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes of the offline commands.
const (
	exitOK       = 0
	exitFailure  = 1 // the machine failed: models missing, Redis down
	exitBadInput = 2 // unreadable or unsupported input, or not one face
	exitRejected = 3 // standardize: readable, but the photo failed checks
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// usageError is a command line that cannot be run.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// run dispatches a command line and returns the process exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return exitFailure
	}
	cmd, rest := args[0], args[1:]
	var err error
	code := exitOK
	switch cmd {
	case "serve":
		err = serveCmd(ctx, rest, getenv, stderr, roles{intake: true, worker: true})
	case "intake":
		err = serveCmd(ctx, rest, getenv, stderr, roles{intake: true})
	case "worker":
		err = serveCmd(ctx, rest, getenv, stderr, roles{worker: true})
	case "standardize":
		code, err = standardizeCmd(ctx, rest, getenv, stdout)
	case "faces":
		code, err = facesCmd(ctx, rest, getenv, stdout)
	case "match":
		code, err = matchCmd(ctx, rest, getenv, stdout)
	case "ctid-sim":
		err = ctidSimCmd(ctx, rest, getenv, stderr)
	case "wechat-sim":
		err = wechatSimCmd(ctx, rest, getenv, stderr)
	case "load":
		code, err = loadCmd(ctx, rest, getenv, stdout, stderr)
	case "healthcheck":
		code, err = healthcheckCmd(ctx, rest, getenv, stdout)
	case "reprocess":
		code, err = reprocessCmd(ctx, rest, getenv, stdout, stderr)
	case "export":
		code, err = exportCmd(ctx, rest, getenv, stdout, stderr)
	case "callback-sink":
		err = callbackSinkCmd(ctx, rest, getenv, stdout, stderr)
	case "eval-pairs":
		code, err = evalPairsCmd(ctx, rest, getenv, stdout)
	case "calibrate":
		code, err = calibrateCmd(ctx, rest, getenv, stdout)
	case "eval-detectors":
		code, err = evalDetectorsCmd(ctx, rest, getenv, stdout)
	case "eval-pose":
		code, err = evalPoseCmd(ctx, rest, getenv, stdout)
	case "sheet":
		code, err = sheetCmd(ctx, rest, getenv, stdout)
	case "reindex":
		code, err = reindexCmd(ctx, rest, getenv, stdout, stderr)
	case "call":
		code, err = callCmd(ctx, rest, getenv, stdout, stderr)
	case "rotate-key":
		code, err = rotateKeyCmd(ctx, rest, getenv, stdout, stderr)
	case "dev-init":
		err = devInitCmd(rest, stdout)
	case "hash-password":
		err = hashPasswordCmd(os.Stdin, stdout)
	case "new-token":
		err = newTokenCmd(stdout)
	case "new-data-keys":
		err = newDataKeysCmd(rest, stdout)
	case "config":
		code, err = configCmd(ctx, rest, getenv, stdout, stderr)
	case "help", "-h", "--help":
		usage(stdout)
		return exitOK
	default:
		err = usageError{fmt.Sprintf("unknown command %q", cmd)}
	}
	if err != nil {
		fmt.Fprintf(stderr, "recheck %s: %v\n", cmd, err)
		var ue usageError
		if errors.As(err, &ue) {
			usage(stderr)
		}
		if code == exitOK {
			code = exitFailure
		}
	}
	return code
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: recheck <command> [arguments] [flags]

  serve                         intake API and workers in one process
  intake                        the intake API only
  worker                        the workers only
  standardize IN OUT.jpg        standardize one photo (exit 3: rejected, 2: unreadable)
  faces IMG                     faces in a photo, left to right (exit 2: unreadable)
  match PROBE REFERENCE         compare the faces of two photos (exit 2: unreadable or not one face);
                                --all: every embedder; --pairs F.csv: many pairs, one JSON line each
  eval-pairs PAIRS.csv          false-accept/-reject rates at 80 and ROC points (CSV a,b,same);
                                --folders DIR: one folder per person, every pair
  eval-detectors [--shared DIR] HOG, UltraFace and the first look on the shared photos and copies
  eval-pose [--shared DIR]      the pose model and the landmarks on frontal, turned, mirrored photos
  sheet PATH... --out F.html    contact sheet of inputs beside their outputs (--png F.png)
  ctid-sim [--addr A]           the CTID gateway simulator (--latency, --error-rate, --outage)
  wechat-sim [--addr A]         the WeChat subscribe-message simulator (--latency, --refuse, --inject)
  callback-sink [--addr A]      receive, verify and print callbacks (--key-id, --secret, --fail)
  calibrate [--write F.json]     fit the face scores on the shared labelled pairs, print the rates;
                                --folders DIR: fit the configured embedder on a school's photos
  reprocess --school S          batch: resume failed captures, or --stage match|standardize
                                (--state, --cohort, --since, --dry-run, --new, --no-wait)
  export --school S --out F.zip  the school's approved photos for CHSI (<document number>.jpg, manifest.csv)
  reindex [--school S]          rebuild Redis from the durable copies in storage (--json)
  call METHOD TARGET            one signed request to the intake API (--file F, --json S, -F k=v, -F photo=@F)
  rotate-key new|use|reseal     rotate the key that seals personal data (see docs/privacy.md)
  dev-init [--dir D]            write development credentials (make dev runs it)
  hash-password                 bcrypt hash of the password on stdin, for RECHECK_ADMIN_USERS
  new-token                     a user's API token and its SHA-256 (api_tokens_sha256 in RECHECK_ADMIN_USERS)
  new-data-keys FILE            a new keyring that seals personal data, for RECHECK_DATA_KEYS (never over a file)
  config                        print every setting (env variable, flag, default)
  config check [FILE]           check the schools document (RECHECK_SCHOOLS) and name each fault's section and school
  config convert --out FILE     write a schools document from the older per-concern files
  load --captures N             drive a running service as the upstream does and measure it (--concurrency, --size 12mp|1mp|as-is, --json)
  healthcheck                   exit 0 when this host's recheck answers /readyz (the image's HEALTHCHECK)

Offline commands take --json. Run 'recheck <command> -h' for its flags.
`)
}
