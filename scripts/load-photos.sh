#!/usr/bin/env bash
# Builds a labelled folder for `recheck load` from the shared test photos:
# seven people whose second photo passes the quality checks (studio and
# ID-like portraits), as symlinks (the photos stay in ../shared). Usage:
#   scripts/load-photos.sh [DIR]   (default /tmp/recheck-load-photos)
set -euo pipefail
shared="${SHARED:-$(cd "$(dirname "$0")/.." && pwd)/../shared/testdata}"
out="${1:-/tmp/recheck-load-photos}"
ea="$shared/faces-east-asian/nz0001na_Asian_faces"
[ -d "$ea" ] || { echo "load-photos: no shared photos at $shared (set SHARED)" >&2; exit 1; }
rm -rf "$out"
pair() { # person admission captured
  mkdir -p "$out/$1"
  ln -s "$2" "$out/$1/a.jpg"
  ln -s "$3" "$out/$1/b.jpg"
}
pair g04 "$shared/faces/deepface/img13.jpg" "$shared/faces/deepface/img14.jpg"
pair g06 "$shared/faces/deepface/img19.jpg" "$shared/faces/deepface/img18.jpg"
pair chenweiting "$ea/chenweiting__101_20.jpg" "$ea/chenweiting__101_24.jpg"
pair chenweiting2 "$ea/chenweiting__101_24.jpg" "$ea/chenweiting__101_23.jpg"
pair caolei "$ea/caolei__116_1.jpg" "$ea/caolei__116_6.jpg"
pair chenjianzhou "$ea/chenjianzhou__102_1.jpg" "$ea/chenjianzhou__102_9.jpg"
pair chenzhanpeng "$(ls "$ea"/chenzhanpeng__* | head -1)" "$ea/chenzhanpeng__115_13.jpg"
echo "$out"
