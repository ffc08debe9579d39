# recheck — `make dev` runs the service, `make test` runs every test.
# Both first run scripts/setup.sh, which installs what is missing (Debian
# packages, the face models, a local Redis) and is quick otherwise.

SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
export RECHECK_MODELS_DIR ?= $(HOME)/.cache/recheck/models
# With the shared photos beside the repository, a test that cannot find one
# fails instead of skipping.
export RECHECK_REQUIRE_TESTDATA ?= $(if $(wildcard ../shared/testdata),1,)
# libvips allocates outside the Go heap; few glibc arenas keep RSS in check.
export MALLOC_ARENA_MAX ?= 2

.PHONY: image image-test chaos load screenshots setup dev build test check vet fuzz sheet bench bench-capture bench-match calibrate

setup:
	@scripts/setup.sh

## dev: intake API on RECHECK_HTTP_ADDR (127.0.0.1:8080) and workers in one
## process, console logs, development credentials in ./dev-credentials (an
## upstream key, users admin, reviewer and office with password dev on
## /admin/login and an API token each in ./dev-credentials/tokens, the data
## keyring; ./dev-credentials/env points at them), the CTID simulator.
DEV_DIR ?= ./dev-credentials
dev: build
	bin/recheck dev-init --dir $(DEV_DIR)
	. $(DEV_DIR)/env; \
	RECHECK_LOG_FORMAT=$${RECHECK_LOG_FORMAT:-console} \
	MALLOC_ARENA_MAX=$${MALLOC_ARENA_MAX:-2} \
	exec bin/recheck serve

build: setup
	$(GO) build -o bin/recheck ./cmd/recheck

## test: formatting, vet, every test with the race detector, then the fuzz
## targets for a bounded number of runs. The full gate: CI runs it.
test: setup vet
	$(GO) test -race -count=1 -timeout 20m ./...
	$(MAKE) --no-print-directory fuzz FUZZTIME=150000x

## check: the edit loop: formatting, vet and the unit tests with -short (the
## fault, memory and model-sweep tests skip), without the race detector.
check: setup vet
	$(GO) test -short -count=1 -timeout 10m ./...

vet:
	@unformatted=$$(gofmt -l .); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	@$(GO) mod tidy -diff >/dev/null || { echo "go.mod or go.sum is not tidy: run go mod tidy"; $(GO) mod tidy -diff; exit 1; }

# make test bounds fuzzing by a count of runs (150000x: about 10 s each
# here), not a duration: with a duration, Go's fuzz coordinator before 1.27
# can report a spurious "context deadline exceeded" as the time runs out
# (golang/go#75804).
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzValidate$$' -fuzztime $(FUZZTIME) ./identity
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./imaging
	$(GO) test -run '^$$' -fuzz '^FuzzStripMetadata$$' -fuzztime $(FUZZTIME) ./imaging
	$(GO) test -run '^$$' -fuzz '^FuzzCaptureForm$$' -fuzztime $(FUZZTIME) ./intake
	$(GO) test -run '^$$' -fuzz '^FuzzVerify$$' -fuzztime $(FUZZTIME) ./callback
	$(GO) test -run '^$$' -fuzz '^FuzzParseAnswer$$' -fuzztime $(FUZZTIME) ./ctid
	$(GO) test -run '^$$' -fuzz '^FuzzParseAnswer$$' -fuzztime $(FUZZTIME) ./notify/wechat
	$(GO) test -run '^$$' -fuzz '^FuzzFit$$' -fuzztime $(FUZZTIME) ./notify/wechat

## sheet: the contact sheet of the shared ID-style portraits (sheet.png and
## sheet.html, kept out of git: they show shared test photos).
SHARED ?= ../shared/testdata/faces
SHEET_PHOTOS = $(SHARED)/hivision-demo \
	$(SHARED)/face_recognition-knn_train-alex_lacamoire/img1.jpg \
	$(SHARED)/face_recognition-knn_test/alex_lacamoire1.jpg \
	$(addprefix $(SHARED)/deepface/,img11.jpg img13.jpg img14.jpg img15.jpg img18.jpg img25.jpg) \
	$(addprefix $(SHARED)/openface-examples/,lennon-2.jpg adams.jpg)
sheet: build
	bin/recheck sheet $(SHEET_PHOTOS) --out sheet.html --png sheet.png --cols 3

## screenshots: the review and escalations pages in headless Chromium, as
## the browser test drives them (docs/*.png, shown in docs/operations.md). Installs
## a Chinese font for legible screenshots when missing.
screenshots: setup
	@dpkg-query -W -f='$${Status}' fonts-wqy-zenhei 2>/dev/null | grep -q "install ok installed" || \
	  { echo "screenshots: installing fonts-wqy-zenhei"; $$( [ "$$(id -u)" -eq 0 ] || echo sudo ) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-wqy-zenhei >/dev/null; }
	mkdir -p docs
	RECHECK_SCREENSHOTS=$(CURDIR)/docs $(GO) test -count=1 -run TestReviewPageInABrowser ./internal/systemtest

## image: build the Dockerfile, as it is, with buildah (installed when
## missing), making its two base images locally when no registry has them
## (scripts/image.sh; docs/deployment.md). Not part of make test.
IMAGE ?= recheck:latest
image:
	IMAGE=$(IMAGE) scripts/image.sh

## image-test: run the built image: serve to 审核通过, then an intake and
## two workers from it finishing 20 captures (TestImage). Minutes; needs root.
image-test: image
	set -o pipefail; RECHECK_IMAGE=$(IMAGE) $(GO) test -count=1 -timeout 30m -run '^TestImage$$' -v ./cmd/recheck 2>&1 | grep -v '^redis: ' | tee /tmp/recheck-image-test.log | grep -E '^(=== RUN|--- |\s+image_test.go|PASS|FAIL|ok)'

## load: drive a running `make dev` (another terminal) as the upstream does,
## with phone-like photos of the shared portraits (scripts/load-photos.sh),
## and report rate, latency, CPU, memory and Redis per capture.
LOAD_ARGS ?= --captures 100 --concurrency 8 --size 12mp
load: build
	@scripts/load-photos.sh /tmp/recheck-load-photos >/dev/null
	. $(DEV_DIR)/env; bin/recheck load --photos /tmp/recheck-load-photos $(LOAD_ARGS)

## chaos: the fault tests at scale: RECHECK_CHAOS_CAPTURES captures (300)
## through the API while the worker process is killed with SIGKILL
## RECHECK_CHAOS_KILLS times (4) and restarted; while Redis stops and
## starts; while the Redis primary is killed and the Sentinels fail over;
## across four test hosts (network namespaces) while a worker host is cut
## off for RECHECK_CHAOS_CUT seconds (90) and the intake host partitioned
## from Redis; and while storage, the CTID gateway and WeChat misbehave
## (slow, failing, down, -1 and 45009). Installs iproute2 and nftables when
## missing (the test hosts need them, and root). Ends with one line:
## chaos: captures=N kills=K redis_restarts=R failovers=F host_cuts=C partitions=P lost=L duplicated=D max_recovery_s=S
CHAOS_TESTS = TestWorkerCrash|TestRedisRestart|TestRedisFailover|TestHosts|TestDependencyFaults
chaos: setup
	@command -v ip >/dev/null && command -v nft >/dev/null || \
		{ [ "$$(id -u)" -eq 0 ] && s= || s=sudo; $$s env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends iproute2 nftables >/dev/null; }
	@rm -f /tmp/recheck-chaos.txt
	@RECHECK_CHAOS_CAPTURES=$${RECHECK_CHAOS_CAPTURES:-300} RECHECK_CHAOS_KILLS=$${RECHECK_CHAOS_KILLS:-4} RECHECK_CHAOS_HOSTS=1 \
	RECHECK_CHAOS_REPORT=/tmp/recheck-chaos.txt $(GO) test -count=1 -timeout 90m -run '^($(CHAOS_TESTS))$$' ./cmd/recheck >/tmp/recheck-chaos.log 2>&1 || \
	  { grep -v '^redis: ' /tmp/recheck-chaos.log | tail -40; exit 1; }
	@awk '{ for (i = 2; i <= NF; i++) { split($$i, kv, "="); if (kv[1] == "max_recovery_s") { if (kv[2] > m) m = kv[2] } else s[kv[1]] += kv[2] } } \
	  END { printf "chaos: captures=%d kills=%d redis_restarts=%d failovers=%d host_cuts=%d partitions=%d lost=%d duplicated=%d max_recovery_s=%d\n", s["captures"], s["kills"], s["redis_restarts"], s["failovers"], s["host_cuts"], s["partitions"], s["lost"], s["duplicated"], m }' /tmp/recheck-chaos.txt

## bench: the standardize step beside ImageMagick on the same phone-like
## photos, the peak RSS of one recheck process standardizing the 12 MP
## photo, a whole capture against the go-face baseline, and the face steps.
## Installs imagemagick and GNU time when missing. Figures: BENCHMARKS.md.
BENCH_DIR ?= /tmp/recheck-bench
bench: build
	@command -v /usr/bin/convert >/dev/null && [ -x /usr/bin/time ] || \
		{ [ "$$(id -u)" -eq 0 ] && s= || s=sudo; $$s env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends imagemagick time >/dev/null; }
	mkdir -p $(BENCH_DIR)
	RECHECK_BENCH_DIR=$(BENCH_DIR) $(GO) test -run '^$$' -bench 'BenchmarkStandardize|BenchmarkImageMagick' -benchtime 30x -count 3 ./imaging
	@for s in 12MP 1MP; do /usr/bin/time -f "peak RSS of one recheck standardize process, $$s: %M KB" \
		bin/recheck standardize $(BENCH_DIR)/$$s.jpg $(BENCH_DIR)/out.jpg >/dev/null || [ $$? -eq 3 ]; done
	$(MAKE) bench-capture bench-match

## bench-capture: one capture's image and face work (standardize, then
## score) beside go-face's Recognize on the same full photo, in one run.
bench-capture: setup
	$(GO) test -run '^$$' -bench BenchmarkCapture -benchtime 10x -count 3 ./vision

## bench-match: face detection by input size, embedding per face for each
## embedder, the worker's match step, and go-face's Recognize as baseline.
bench-match: setup
	$(GO) test -run '^$$' -bench . -benchtime 20x -count 1 ./facematch

## calibrate: fit the face scores on the shared labelled pairs (never the
## holdout), rewrite facematch/calibration.json, print docs/face-comparison.md's
## calibration and liveness tables and draw its DET curves (docs/det-*.svg).
calibrate: build
	bin/recheck calibrate --shared $(SHARED)/.. --write facematch/calibration.json --plot-dir docs
