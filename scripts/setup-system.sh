#!/usr/bin/env bash
# The machine-level set-up the test suite and the demo need, idempotent and quick when done:
# Debian packages (nginx for the local deploy target, podman and friends for container builds and
# rootless podman, wrk/hey for benchmarks, git for the pre-commit tests) and, for the tests, the local
# podman base image and the rootless podman user (scripts/ci-setup-podman.sh).
# Usage: scripts/setup-system.sh test|demo
set -euo pipefail
cd "$(dirname "$0")/.."
purpose="${1:-test}"

packages=(nginx-light git)
if [ "$purpose" = test ]; then
  packages+=(podman buildah debootstrap runc uidmap slirp4netns wrk hey)
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query --show --showformat='${db:Status-Status}' "$package" 2>/dev/null | grep -qx installed \
    || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "setup-system: missing Debian packages: ${missing[*]}" >&2
    echo "setup-system: install them with: sudo apt-get install ${missing[*]}" >&2
    exit 3
  fi
  echo "setup-system: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ "$purpose" = test ]; then
  bash scripts/ci-setup-podman.sh
fi
