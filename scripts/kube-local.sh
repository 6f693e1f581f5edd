#!/usr/bin/env bash
# Runs deploy/kubernetes on this machine with `podman kube play`: NATS, the router and 2 workers as pods on
# the host network, from local images (no registry), on free loopback ports. Prints the router's URL.
# KUBE_LOCAL_WORKERS sets the worker replicas (default 2), KUBE_LOCAL_TIMEOUT the wait for ready (900 s).
#   scripts/kube-local.sh up [--build]   build what is missing (--build: rebuild the superserve image), play, wait until ready
#   scripts/kube-local.sh down           stop and remove the pods
#   scripts/kube-local.sh status         the pods and the router's URL
# What differs from a cluster is listed in scripts/kube/kube-local.ts. Needs root, podman, runc, debootstrap.
set -euo pipefail
cd "$(dirname "$0")/.."
state=${KUBE_LOCAL_STATE:-tmp/kube-local}
image=localhost/superserve:dev
nats_image=localhost/superserve-nats:local
base=localhost/superserve-base:node20
timeout_s=${KUBE_LOCAL_TIMEOUT:-900}
replicas=${KUBE_LOCAL_WORKERS:-2}

free_port() { node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

up() {
  if [ -f "$state/kube.yaml" ]; then
    echo "kube-local: already up ($state/kube.yaml); 'scripts/kube-local.sh down' first" >&2
    return 1
  fi
  bash scripts/container/podman-setup.sh
  bash scripts/container/local-base.sh
  if [ "${1:-}" = "--build" ] || ! podman image exists "$image"; then
    echo "kube-local: building $image"
    podman build --format docker --network host --build-arg BASE="$base" -t "$image" -f Containerfile . >"${TMPDIR:-/tmp}/kube-local-build.log" 2>&1 \
      || { tail -30 "${TMPDIR:-/tmp}/kube-local-build.log" >&2; return 1; }
  fi
  if ! podman image exists "$nats_image"; then
    echo "kube-local: building $nats_image"
    podman build --network host --build-arg BASE="$base" -t "$nats_image" -f scripts/container/nats.Containerfile scripts/container >/dev/null
  fi
  mkdir -p "$state"
  local http grpc nats monitor
  http=$(free_port); grpc=$(free_port); nats=$(free_port); monitor=$(free_port)
  node --import tsx scripts/kube/kube-local.ts --http-port "$http" --grpc-port "$grpc" --nats-port "$nats" --monitor-port "$monitor" \
    --image "$image" --nats-image "$nats_image" --workers "$replicas" >"$state/kube.yaml.tmp"
  mv "$state/kube.yaml.tmp" "$state/kube.yaml"
  printf 'HTTP_PORT=%s\nGRPC_PORT=%s\nNATS_PORT=%s\n' "$http" "$grpc" "$nats" >"$state/ports"
  local t0=$SECONDS
  podman kube play "$state/kube.yaml" >"$state/play.log" 2>&1 || { cat "$state/play.log" >&2; return 1; }
  echo "kube-local: pods started; waiting for the router to be ready (NATS + router + workers loading the supernet)"
  # Ready: the router answers /v2/health/ready and every worker replica has joined it.
  until curl -sf -o /dev/null "http://127.0.0.1:$http/v2/health/ready" \
      && [ "$(curl -sf "http://127.0.0.1:$http/metrics" | sed -n 's/^superserve_workers{state="alive"} //p')" = "$replicas" ]; do
    if [ $((SECONDS - t0)) -gt "$timeout_s" ]; then
      echo "kube-local: router not ready after ${timeout_s} s; router log:" >&2
      podman logs --tail 30 superserve-router-pod-0-router >&2 || true
      return 1
    fi
    sleep 1
  done
  echo "kube-local: ready in $((SECONDS - t0)) s (podman kube play to /v2/health/ready 200 with $replicas workers joined)"
  echo "SUPERSERVE_URL=http://127.0.0.1:$http"
  echo "SUPERSERVE_GRPC=127.0.0.1:$grpc"
}

down() {
  if [ ! -f "$state/kube.yaml" ]; then echo "kube-local: not up"; return 0; fi
  podman kube down "$state/kube.yaml" >/dev/null
  rm -rf "$state"
  echo "kube-local: down"
}

status() {
  if [ ! -f "$state/kube.yaml" ]; then echo "kube-local: not up"; return 0; fi
  podman pod ps --filter "name=superserve|nats"
  # shellcheck disable=SC1091
  . "$state/ports"
  echo "SUPERSERVE_URL=http://127.0.0.1:$HTTP_PORT"
}

case "${1:-}" in
  up) shift; up "$@" ;;
  down) down ;;
  status) status ;;
  *) echo "usage: scripts/kube-local.sh up [--build] | down | status" >&2; exit 2 ;;
esac
