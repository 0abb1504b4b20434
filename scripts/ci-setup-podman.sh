#!/usr/bin/env bash
# Install what the container tests and benchmarks need, idempotently:
#   apt packages podman buildah debootstrap runc (containers), hey (benchmarks/service_load.py);
#   a local base image localhost/ci-gen-base:bookworm made with debootstrap, because no registry
#   image can be pulled here. The debootstrap tree is cached as a tarball, so later runs only re-import.
# Usage: scripts/ci-setup-podman.sh   (as root; CONTAINERS_CONF is set to generator/data/podman/containers.conf)
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${CI_GEN_BASE_IMAGE:-localhost/ci-gen-base:bookworm}"
CACHE_DIR="${CI_GEN_CACHE_DIR:-/var/cache/ci-gen}"
TARBALL="$CACHE_DIR/debootstrap-bookworm-minbase-python3.tar"
PACKAGES=(podman buildah debootstrap runc hey)
export CONTAINERS_CONF="$PWD/generator/data/podman/containers.conf"

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query --show --showformat='${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed \
    || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "ci-setup-podman: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -s "$TARBALL" ]; then
  echo "ci-setup-podman: building the bookworm base tree with debootstrap (first run only)"
  mkdir -p "$CACHE_DIR"
  tree="$(mktemp -d "$CACHE_DIR/tree.XXXXXX")"
  trap 'rm -rf "$tree"' EXIT
  debootstrap --variant=minbase --include=python3,python3-venv bookworm "$tree" >/dev/null
  # apt lists and caches are not needed inside the image.
  rm -rf "$tree"/var/cache/apt/archives/*.deb "$tree"/var/lib/apt/lists/*
  tar -C "$tree" -c . > "$TARBALL.partial"
  mv "$TARBALL.partial" "$TARBALL"
fi

if ! podman image exists "$IMAGE"; then
  echo "ci-setup-podman: importing $IMAGE"
  podman import --quiet "$TARBALL" "$IMAGE" >/dev/null
fi
echo "ci-setup-podman: $IMAGE ready (CONTAINERS_CONF=$CONTAINERS_CONF)"
