# syntax=docker/dockerfile:1
# Kiln's container image: the `runtime` binary and CA roots, nothing else (issue 16).
#
#   docker build -t kiln:dev .
#   docker run --rm kiln:dev --version
#
# Stage 1 builds a static (musl) `runtime`, so stage 2 can be `scratch`: no shell, no
# package manager, no libc to patch; the only files are the binary and the CA bundle (Jira
# Cloud is reached over TLS). Base images are pinned to exact tags; pin them to digests in
# your registry mirror (`docker buildx imagetools inspect rust:1.95.0-slim-bookworm`) when
# you build for production.
#
# Apps are not in this image. Build yours on top of it (see docs/operations.md):
#   FROM kiln:1.0
#   COPY --chown=0:0 dist/my-app/ /apps/my-app/

FROM rust:1.95.0-slim-bookworm AS build
# musl-tools: the C parts (SQLite, ring) built for the static target. ca-certificates: the
# bundle copied into the final image.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends musl-tools ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# rust-toolchain.toml pins the toolchain; rustup reads it here too.
RUN target="$(uname -m)-unknown-linux-musl" \
 && rustup target add "$target" \
 && cargo build --release --locked -p kiln-cli --target "$target" \
 && install -D -m 0555 "target/$target/release/runtime" /out/runtime \
 && mkdir -p /out/var/lib/kiln /out/tmp

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/runtime /runtime
# Writable places, for a read-only root filesystem: mount volumes (emptyDir) here.
COPY --from=build --chown=65532:65532 /out/var/lib/kiln /var/lib/kiln
COPY --from=build --chown=65532:65532 /out/tmp /tmp
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    KILN_DATA_DIR=/var/lib/kiln \
    KILN_CACHE_DIR=/var/lib/kiln/cache
# A numeric user (Kubernetes' runAsNonRoot checks the number): not root, owns nothing but
# the two writable directories.
USER 65532:65532
# 8080: web triggers, Jira webhooks, /healthz, /readyz, /metrics. 9090: the admin API.
EXPOSE 8080 9090
ENTRYPOINT ["/runtime"]
CMD ["serve", "--listen", "0.0.0.0:8080", "--admin-listen", "0.0.0.0:9090"]
