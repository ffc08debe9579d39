#!/usr/bin/env bash
# Builds recheck's image from the Dockerfile, unmodified, with Debian's
# buildah (no daemon, no registry): `make image`.
#
# The Dockerfile starts from golang:<go>-bookworm and debian:bookworm-slim.
# Where no registry can be reached (this project's machines reach only the
# Go module proxy, Debian's packages and npm), this script makes the two
# images locally when they are missing, under the names Docker would pull:
#   - debian:bookworm-slim: a debootstrap of bookworm (minbase), apt lists
#     and caches removed, sources in the deb822 file the official image has,
#     and its "slim" settings (no docs, man pages or translations; no .deb
#     kept after an install);
#   - golang:<go>-bookworm: that, plus what the official image adds (gcc,
#     libc6-dev, git, make, pkg-config, curl, ca-certificates) and the Go
#     toolchain as the module golang.org/toolchain@v0.0.1-go<go>.linux-amd64,
#     downloaded through GOPROXY and verified against GOSUMDB by `go mod
#     download`.
# Then it builds the Dockerfile, passing this machine's GOPROXY, GOSUMDB,
# npm registry and Debian mirror as build arguments and its CA bundle as the
# build secret extra_ca (for networks that re-sign TLS), and tags the
# result recheck:latest (IMAGE).
#
#   scripts/image.sh            base images when missing, then the image
#   scripts/image.sh bases      only the base images
#
# Environment: IMAGE (recheck:latest), DEBIAN_MIRROR
# (http://deb.debian.org/debian), EXTRA_CA (the system bundle when it
# exists), BUILDAH_STORAGE_DRIVER (vfs: works without overlay support).
set -euo pipefail

cd "$(dirname "$0")/.."
IMAGE="${IMAGE:-recheck:latest}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
EXTRA_CA="${EXTRA_CA:-/etc/ssl/certs/ca-certificates.crt}"
export PATH="$PATH:/usr/local/go/bin"

log() { printf 'image: %s\n' "$*" >&2; }
die() { printf 'image: error: %s\n' "$*" >&2; exit 1; }
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else die "need root or sudo to run: $*"; fi
}
bh() { as_root buildah --storage-driver "${BUILDAH_STORAGE_DRIVER:-vfs}" "$@"; }

install_tools() {
  local missing=() p
  for p in buildah debootstrap; do
    command -v "$p" >/dev/null || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

have_image() { bh inspect --type image "$1" >/dev/null 2>&1; }

# The Go version the Dockerfile's build stage names (the one of go.mod).
go_version() {
  sed -n 's/^FROM golang:\([0-9.]*\)-bookworm.*/\1/p' Dockerfile | head -1
}

# debian:bookworm-slim from a debootstrap of bookworm.
make_debian() {
  local name=docker.io/library/debian:bookworm-slim
  have_image "$name" && return 0
  log "making $name with debootstrap from $DEBIAN_MIRROR"
  local work root ctr
  work="$(mktemp -d)"
  root="$work/rootfs"
  as_root debootstrap --variant=minbase bookworm "$root" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 ||
    { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
  as_root rm -f "$root/etc/apt/sources.list"
  as_root tee "$root/etc/apt/sources.list.d/debian.sources" >/dev/null <<EOF
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  # What the official slim image configures (debuerreotype's "slim" and
  # docker-* files): no docs, man pages or translations installed, no .deb
  # kept after an install, no translated package lists.
  as_root tee "$root/etc/dpkg/dpkg.cfg.d/docker" >/dev/null <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/lintian/overrides/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/man/*
EOF
  as_root tee "$root/etc/apt/apt.conf.d/docker-clean" >/dev/null <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache "";
Dir::Cache::srcpkgcache "";
EOF
  echo 'Acquire::Languages "none";' | as_root tee "$root/etc/apt/apt.conf.d/docker-no-languages" >/dev/null
  echo 'APT::AutoRemove::SuggestsImportant "false";' | as_root tee "$root/etc/apt/apt.conf.d/docker-autoremove-suggests" >/dev/null
  as_root rm -rf "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/locale/*
  as_root rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/log/* "$root"/tmp/* "$root/debootstrap"
  as_root tar -C "$root" -cf "$work/rootfs.tar" .
  ctr="$(bh from scratch)"
  bh add "$ctr" "$work/rootfs.tar" / >/dev/null
  bh config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash "$ctr"
  bh commit --rm "$ctr" "$name" >/dev/null
  as_root rm -rf "$work"
}

# golang:<go>-bookworm: debian:bookworm-slim, the official image's build
# tools, and the Go toolchain module.
make_golang() {
  local v name dir ctr work
  v="$(go_version)"
  [ -n "$v" ] || die "the Dockerfile names no golang:<version>-bookworm image"
  name="docker.io/library/golang:$v-bookworm"
  have_image "$name" && return 0
  log "making $name from debian:bookworm-slim and golang.org/toolchain@v0.0.1-go$v.linux-amd64"
  work="$(mktemp -d)"
  # go mod download verifies the module against GOSUMDB (the checksum
  # database of the proxy) before it writes it to the module cache.
  dir="$(cd "$work" && GOFLAGS=-mod=mod GOTOOLCHAIN=local go mod download -json "golang.org/toolchain@v0.0.1-go$v.linux-amd64" |
    sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [ -d "$dir" ] || die "go mod download of the toolchain module failed"
  cp -r "$dir" "$work/go"
  chmod -R u+w "$work/go"
  chmod +x "$work/go/bin/"* "$work/go/pkg/tool/"*/*
  "$work/go/bin/go" version | grep -q "go$v " || die "the toolchain module is not go$v"
  ctr="$(bh from --pull=never docker.io/library/debian:bookworm-slim)"
  # Through DEBIAN_MIRROR, then the sources put back as the official
  # image has them.
  local src=/etc/apt/sources.list.d/debian.sources mirror="${DEBIAN_MIRROR%/}"
  bh run --isolation chroot --network host "$ctr" -- sh -c \
    "sed -i 's#http://deb.debian.org/debian#$mirror#g' $src && apt-get update -qq \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      ca-certificates curl git gcc libc6-dev make pkg-config >/dev/null && rm -rf /var/lib/apt/lists/* \
      && sed -i 's#$mirror#http://deb.debian.org/debian#g' $src"
  bh copy "$ctr" "$work/go" /usr/local/go >/dev/null
  bh config --env GOLANG_VERSION="$v" --env GOTOOLCHAIN=local --env GOPATH=/go \
    --env PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    --workingdir /go "$ctr"
  bh commit --rm "$ctr" "$name" >/dev/null
  rm -rf "$work"
}

build_image() {
  local args=(--build-arg "GOPROXY=$(go env GOPROXY)" --build-arg "GOSUMDB=$(go env GOSUMDB)"
    --build-arg "DEBIAN_MIRROR=$DEBIAN_MIRROR")
  if command -v npm >/dev/null; then
    args+=(--build-arg "NPM_REGISTRY=$(npm config get registry)")
  fi
  if [ -s "$EXTRA_CA" ]; then
    args+=(--secret "id=extra_ca,src=$EXTRA_CA")
  fi
  log "building $IMAGE from the Dockerfile"
  local start=$SECONDS
  bh bud --isolation chroot --network host --pull=never --layers --format docker "${args[@]}" -t "$IMAGE" .
  log "built $IMAGE in $((SECONDS - start)) s; size: $(bh images --format '{{.Size}}' "$IMAGE" | head -1)"
}

install_tools
make_debian
make_golang
[ "${1:-}" = bases ] && exit 0
build_image
