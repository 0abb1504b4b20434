#!/usr/bin/env bash
# Install what the container tests and benchmarks need, idempotently:
#   apt packages podman buildah debootstrap runc (containers), uidmap slirp4netns (rootless podman),
#   hey (benchmarks/service_load.py);
#   a local base image localhost/ci-gen-base:bookworm made with debootstrap, because no registry
#   image can be pulled here. The debootstrap tree is cached as a tarball, so later runs only re-import;
#   an ordinary user for the rootless podman tests (tests/deploy/test_rootless.py).
# Usage: scripts/ci-setup-podman.sh   (as root; CONTAINERS_CONF is set to generator/data/podman/containers.conf)
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${CI_GEN_BASE_IMAGE:-localhost/ci-gen-base:bookworm}"
CACHE_DIR="${CI_GEN_CACHE_DIR:-/var/cache/ci-gen}"
TARBALL="$CACHE_DIR/debootstrap-bookworm-minbase-python3.tar"
PACKAGES=(podman buildah debootstrap runc uidmap slirp4netns hey)
ROOTLESS_USER="${CI_GEN_ROOTLESS_USER:-ci-gen-rootless}"
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
# Rootless podman: a user with subordinate uid/gid ranges (useradd writes them on Debian; added if not),
# its image store on the kernel's native overlay (without fuse-overlayfs podman 4.3 falls back to vfs,
# which copies every layer for every container), and /dev/net/tun open to ordinary users as udev leaves
# it on a normal host: slirp4netns, which gives each rootless track its network, opens it. Some
# containers and sandboxes create it 0600 (docs/deploy.md, "Rootless podman").
if [ "$(id -u)" -ne 0 ]; then
  echo "ci-setup-podman: $IMAGE ready; not root, so podman is rootless already (no $ROOTLESS_USER set-up)"
  exit 0
fi
if ! id "$ROOTLESS_USER" >/dev/null 2>&1; then
  useradd --create-home --shell /usr/sbin/nologin "$ROOTLESS_USER"
fi
for ids in /etc/subuid /etc/subgid; do
  touch "$ids"
  if ! grep -q "^$ROOTLESS_USER:" "$ids" 2>/dev/null; then
    # The first id after every range already given out.
    start="$(awk -F: 'BEGIN { end = 100000 } $2 + $3 > end { end = $2 + $3 } END { print end }' "$ids")"
    echo "$ROOTLESS_USER:$start:65536" >> "$ids"
  fi
done
home="$(getent passwd "$ROOTLESS_USER" | cut -d: -f6)"
# Only for a store not made yet: podman refuses a store made with another driver.
if [ ! -f "$home/.config/containers/storage.conf" ] && [ ! -d "$home/.local/share/containers/storage" ]; then
  install -d -o "$ROOTLESS_USER" -g "$ROOTLESS_USER" "$home/.config" "$home/.config/containers"
  printf '[storage]\ndriver = "overlay"\n' > "$home/.config/containers/storage.conf"
  chown "$ROOTLESS_USER:" "$home/.config/containers/storage.conf"
fi
if [ -c /dev/net/tun ] && [ "$(stat -c %a /dev/net/tun)" != 666 ]; then
  chmod 0666 /dev/net/tun
fi

echo "ci-setup-podman: $IMAGE ready (CONTAINERS_CONF=$CONTAINERS_CONF); rootless user $ROOTLESS_USER"
