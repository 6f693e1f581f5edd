#!/usr/bin/env bash
# Makes podman usable on this kind of machine (hybrid cgroups, no raising RLIMIT_NOFILE/NPROC): runc as the
# runtime and lower default ulimits in /etc/containers/containers.conf. Idempotent; leaves an existing
# containers.conf that already names a runtime alone. Exits 1 when podman or runc is missing.
set -euo pipefail
conf=/etc/containers/containers.conf
command -v podman >/dev/null || { echo "podman-setup: podman is not installed (apt-get install podman runc)" >&2; exit 1; }
command -v runc >/dev/null || { echo "podman-setup: runc is not installed (apt-get install runc)" >&2; exit 1; }
if [ -f "$conf" ] && grep -q '^runtime *=' "$conf"; then exit 0; fi
if [ ! -w "$(dirname "$conf")" ]; then echo "podman-setup: cannot write $conf (run as root once)" >&2; exit 1; fi
cat >>"$conf" <<'CONF'
# written by superserve scripts/container/podman-setup.sh: crun cannot run under hybrid cgroups here
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=1000:1000"]
[engine]
runtime = "runc"
CONF
echo "podman-setup: wrote $conf (runtime runc, nofile/nproc ulimits)"
