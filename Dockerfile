# syntax=docker/dockerfile:1
# recheck: one image, the role chosen by the command (serve, intake, worker,
# ctid-sim, wechat-sim, reprocess, export, …). `make image` builds this file
# as it is with buildah on a machine without a registry, and `make
# image-test` runs it (docs/deployment.md); cmd/recheck/dockerfile_test.go
# checks it against scripts/setup.sh.
#
# Behind mirrors or a proxy that re-signs TLS (docs/deployment.md):
#   --build-arg GOPROXY=… --build-arg GOSUMDB=… --build-arg NPM_REGISTRY=…
#   --build-arg DEBIAN_MIRROR=https://mirror.example.edu.cn/debian
#   --secret id=extra_ca,src=/path/to/proxy-ca.pem
# The defaults work on the open internet; the CA bundle is only mounted
# for the commands that download and never lands in a layer.

# --- build: Go, the -dev libraries, the pinned models -----------------------
FROM golang:1.26.8-bookworm AS build
ARG DEBIAN_MIRROR=""
ARG GOPROXY=https://proxy.golang.org,direct
ARG GOSUMDB=sum.golang.org
ARG NPM_REGISTRY=https://registry.npmjs.org/
ENV npm_config_registry=${NPM_REGISTRY}
RUN --mount=type=secret,id=extra_ca --mount=type=bind,source=scripts/build-env.sh,target=/usr/local/bin/build-env \
    build-env apt-get update \
 && DEBIAN_FRONTEND=noninteractive build-env apt-get install -y --no-install-recommends \
      ca-certificates g++ pkg-config libvips-dev libdlib-dev libblas-dev \
      libatlas-base-dev liblapack-dev libjpeg62-turbo-dev npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=secret,id=extra_ca --mount=type=bind,source=scripts/build-env.sh,target=/usr/local/bin/build-env \
    build-env go mod download
COPY . .
# go-face and recheck's dlib wrapper compile with -march=native; the flags
# here come after theirs and win, so the binary runs on any x86-64-v2 CPU.
ENV CGO_CXXFLAGS="-O2 -march=x86-64-v2" CGO_CFLAGS="-O2 -march=x86-64-v2"
RUN go build -trimpath -ldflags="-s -w" -o /out/recheck ./cmd/recheck
# The same pinned list, npm packages and SHA-256 digests as `make setup`.
RUN --mount=type=secret,id=extra_ca \
    RECHECK_MODELS_DIR=/out/models scripts/build-env.sh scripts/setup.sh models

# --- run: the runtime libraries only, a non-root user ------------------------
# /usr/share/dlib is Debian's dlib model data (96 MB), which libdlib19.1
# depends on and recheck never reads: its models are the pinned ones.
FROM debian:bookworm-slim
ARG DEBIAN_MIRROR=""
RUN --mount=type=secret,id=extra_ca --mount=type=bind,source=scripts/build-env.sh,target=/usr/local/bin/build-env \
    build-env apt-get update \
 && DEBIAN_FRONTEND=noninteractive build-env apt-get install -y --no-install-recommends \
      ca-certificates libvips42 libdlib19.1 libblas3 libatlas3-base liblapack3 \
      libjpeg62-turbo \
 && rm -rf /var/lib/apt/lists/* /usr/share/dlib \
 && useradd --system --uid 10001 --create-home --home-dir /var/lib/recheck recheck
COPY --from=build /out/recheck /usr/local/bin/recheck
COPY --from=build /out/models /usr/share/recheck/models
# MALLOC_ARENA_MAX=2: glibc's per-thread arenas otherwise hold freed libvips
# and dlib buffers (docs/privacy.md: memory).
ENV RECHECK_MODELS_DIR=/usr/share/recheck/models \
    RECHECK_STORAGE_DIR=/var/lib/recheck/data \
    RECHECK_HTTP_ADDR=0.0.0.0:8080 \
    RECHECK_OPS_ADDR=0.0.0.0:9464 \
    MALLOC_ARENA_MAX=2
USER recheck
WORKDIR /var/lib/recheck
EXPOSE 8080 9464
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["recheck", "healthcheck"]
ENTRYPOINT ["recheck"]
CMD ["serve"]
