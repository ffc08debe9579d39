#!/bin/sh
# Runs one command of the image build (Dockerfile) behind a school's
# mirrors and proxy:
#   - DEBIAN_MIRROR (a build argument, e.g. https://mirrors.example.edu.cn/debian)
#     replaces http://deb.debian.org/debian in the apt sources, and its
#     -security twin;
#   - an extra CA bundle, given as the build secret extra_ca (for a proxy
#     that re-signs TLS), is trusted by apt, Go, npm, curl and git for this
#     command only: it is read from the secret mount and the combined bundle
#     is deleted before the layer is written.
# GOPROXY, GOSUMDB and npm_config_registry reach the command as the build
# arguments they are.
set -eu
sources=/etc/apt/sources.list.d/debian.sources
if [ -n "${DEBIAN_MIRROR:-}" ] && [ -f "$sources" ]; then
  sed -i "s#http://deb.debian.org/debian#${DEBIAN_MIRROR%/}#g" "$sources"
fi
secret=/run/secrets/extra_ca
if [ -s "$secret" ]; then
  bundle="$(mktemp)"
  aptconf=/etc/apt/apt.conf.d/99recheck-extra-ca
  trap 'rm -f "$bundle" "$aptconf"' EXIT
  cat /etc/ssl/certs/ca-certificates.crt "$secret" >"$bundle" 2>/dev/null || cat "$secret" >"$bundle"
  echo "Acquire::https::CaInfo \"$bundle\";" >"$aptconf"
  export SSL_CERT_FILE="$bundle" CURL_CA_BUNDLE="$bundle" GIT_SSL_CAINFO="$bundle" NODE_EXTRA_CA_CERTS="$secret"
  "$@"
  exit $?
fi
exec "$@"
