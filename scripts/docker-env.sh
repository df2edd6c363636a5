#!/usr/bin/env bash
# Real Docker Engine + real OCI registry for tests, on loopback only.
#
#   scripts/docker-env.sh install            apt-get install docker.io docker-registry apache2-utils skopeo (if missing)
#   scripts/docker-env.sh start STATE_DIR    start dockerd + registry, write STATE_DIR/env
#   scripts/docker-env.sh stop STATE_DIR     stop both (never fails)
#   scripts/docker-env.sh status STATE_DIR   exit 0 when both answer
#
# After `start`, `. STATE_DIR/env` exports DOCKER_HOST, GHPUBLISH_TEST_REGISTRY,
# GHPUBLISH_TEST_REGISTRY_USER and GHPUBLISH_TEST_REGISTRY_PASSWORD (see tests/real/realdocker.py).
#
# Network: dockerd listens on a unix socket under STATE_DIR only (no TCP), has no bridge,
# no iptables/NAT; the registry listens on 127.0.0.1:<free port> only. Proxy variables are
# removed from both daemons' environment so nothing is routed anywhere but loopback.
set -euo pipefail

PACKAGES=(docker.io docker-registry apache2-utils skopeo)
REGISTRY_USER=ghpublish
START_TIMEOUT=${GHPUBLISH_DOCKER_START_TIMEOUT:-60}
STOP_TIMEOUT=${GHPUBLISH_DOCKER_STOP_TIMEOUT:-20}
# Environment for the daemons: no proxies, nothing inherited that could redirect traffic.
CLEAN_ENV=(env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u all_proxy -u ALL_PROXY
  -u no_proxy -u NO_PROXY -u DOCKER_HOST -u DOCKER_CONFIG -u DOCKER_CONTEXT)

log() { printf 'docker-env: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# shellcheck source=scripts/service-lib.sh
. "$(dirname "$0")/service-lib.sh"

usage() {
  sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

need_root() { [ "$(id -u)" = 0 ] || die "$1 needs root (dockerd and apt-get do)"; }

missing_packages() {
  local p st
  for p in "${PACKAGES[@]}"; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || printf '%s\n' "$p"
  done
}

cmd_install() {
  local missing
  missing=$(missing_packages)
  if [ -z "$missing" ]; then
    log "packages already installed: ${PACKAGES[*]}"
    return 0
  fi
  need_root install
  # Keep the packages' maintainer scripts from starting the system dockerd/registry/containerd
  # (the system registry would listen on :5000 on all interfaces). Only if no policy exists.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod 755 "$policy"
    own_policy=1
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  log "installing: $(echo "$missing" | tr '\n' ' ')"
  export DEBIAN_FRONTEND=noninteractive
  local aptlog
  aptlog=$(mktemp)
  # shellcheck disable=SC2086
  if ! { apt-get update -qq && apt-get install -y -qq --no-install-recommends \
    -o Dpkg::Use-Pty=0 $missing; } >"$aptlog" 2>&1; then
    tail -n 30 "$aptlog" >&2
    rm -f "$aptlog"
    die "apt-get failed"
  fi
  rm -f "$aptlog"
  if [ "$own_policy" = 1 ]; then rm -f "$policy"; trap - EXIT; fi
  missing=$(missing_packages)
  [ -z "$missing" ] || die "still missing after apt-get install: $missing"
  log "installed: ${PACKAGES[*]}"
}

# Path of the registry binary shipped by the Debian package (/usr/bin/docker-registry).
registry_bin() {
  local b
  b=$(command -v docker-registry 2>/dev/null || true)
  if [ -z "$b" ]; then
    b=$(dpkg -L docker-registry 2>/dev/null | grep -E '/bin/[^/]*registry$' | head -n1 || true)
  fi
  [ -n "$b" ] && [ -x "$b" ] || die "docker-registry binary not found (run: $0 install)"
  printf '%s\n' "$b"
}

# Debian's own CLI (20.10, matches the engine); the machine may have a newer one first on PATH.
docker_cli() {
  if [ -x /usr/bin/docker ]; then echo /usr/bin/docker; else command -v docker; fi
}

state_paths() {
  STATE=$1
  SOCK="$STATE/docker.sock"
  DOCKERD_PID="$STATE/dockerd.pid"
  REGISTRY_PID="$STATE/registry.pid"
  EXEC_ROOT="$STATE/exec"
  DATA_ROOT="$STATE/data"
  ENV_FILE="$STATE/env"
}

docker_ok() {
  DOCKER_CONFIG="$STATE/cli-config" "${CLEAN_ENV[@]}" "$(docker_cli)" -H "unix://$SOCK" info \
    --format '{{.ServerVersion}}' >/dev/null 2>&1
}

dump_log() { # FILE
  [ -f "$1" ] || return 0
  log "last lines of $1:"
  tail -n 25 "$1" >&2 || true
}

cmd_start() {
  [ $# -eq 1 ] || usage
  need_root start
  mkdir -p "$1"
  state_paths "$(cd "$1" && pwd -P)"
  command -v dockerd >/dev/null || die "dockerd not found (run: $0 install)"
  command -v htpasswd >/dev/null || die "htpasswd not found (run: $0 install)"
  local reg_bin
  reg_bin=$(registry_bin)

  # unix socket paths are limited to 107 bytes; containerd's lives under EXEC_ROOT.
  [ ${#EXEC_ROOT} -le 60 ] || die "STATE_DIR path too long for unix sockets: $STATE (keep it short, e.g. /tmp/ghp-docker)"

  if pid_alive "$(read_pid "$DOCKERD_PID")" || pid_alive "$(read_pid "$REGISTRY_PID")"; then
    if [ -f "$ENV_FILE" ] && docker_ok; then
      # shellcheck disable=SC1090
      . "$ENV_FILE"
      if [ "$(http_status "http://$GHPUBLISH_TEST_REGISTRY/v2/")" = 401 ]; then
        log "already running; env: $ENV_FILE"
        return 0
      fi
    fi
    log "stale or half-running environment in $STATE: stopping it first"
    cmd_stop "$STATE"
  fi

  mkdir -p "$EXEC_ROOT" "$DATA_ROOT" "$STATE/registry" "$STATE/cli-config"
  rm -f "$ENV_FILE" "$SOCK"
  # Own (empty) daemon.json so /etc/docker/daemon.json cannot add TCP hosts, mirrors, etc.
  echo '{}' >"$STATE/daemon.json"

  local t0=$SECONDS
  log "starting dockerd (socket $SOCK)"
  # setsid: own session, so the daemons outlive the calling shell/job and its signals.
  setsid "${CLEAN_ENV[@]}" dockerd \
    --config-file "$STATE/daemon.json" \
    --host "unix://$SOCK" \
    --data-root "$DATA_ROOT" \
    --exec-root "$EXEC_ROOT" \
    --pidfile "$DOCKERD_PID" \
    --bridge=none --iptables=false --ip-masq=false --ip-forward=false --ip6tables=false \
    --userland-proxy=false \
    --log-level=warn \
    </dev/null >"$STATE/dockerd.log" 2>&1 &
  local dpid=$!

  local deadline=$((SECONDS + START_TIMEOUT))
  until docker_ok; do
    if ! pid_alive "$dpid"; then
      dump_log "$STATE/dockerd.log"
      die "dockerd exited during startup"
    fi
    if [ $SECONDS -ge $deadline ]; then
      dump_log "$STATE/dockerd.log"
      die "dockerd did not answer 'docker info' within ${START_TIMEOUT}s"
    fi
    sleep 0.2
  done
  # dockerd writes its pidfile itself; make sure it is there for `stop`.
  [ -s "$DOCKERD_PID" ] || echo "$dpid" >"$DOCKERD_PID"
  log "dockerd up after $((SECONDS - t0))s"

  # Pushing over plain http works only for registries dockerd considers insecure;
  # 127.0.0.0/8 is in that list by default. Check rather than assume.
  local insecure
  insecure=$(DOCKER_CONFIG="$STATE/cli-config" "$(docker_cli)" -H "unix://$SOCK" info \
    --format '{{json .RegistryConfig.InsecureRegistryCIDRs}}' 2>/dev/null || true)
  case "$insecure" in
    *'127.0.0.0/8'*) ;;
    *) die "dockerd does not treat 127.0.0.0/8 as an insecure (http) registry: $insecure" ;;
  esac

  local password port
  password=$(od -An -tx1 -N18 /dev/urandom | tr -d ' \n')
  htpasswd -Bbn "$REGISTRY_USER" "$password" >"$STATE/htpasswd" 2>/dev/null \
    || die "htpasswd failed"
  chmod 600 "$STATE/htpasswd"

  local attempt reg_ok=0
  for attempt in 1 2 3; do
    port=$(free_port)
    cat >"$STATE/registry.yml" <<EOF
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $STATE/registry
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: 127.0.0.1:$port
  secret: $(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
auth:
  htpasswd:
    realm: ghpublish-test
    path: $STATE/htpasswd
EOF
    log "starting registry $reg_bin on 127.0.0.1:$port"
    setsid "${CLEAN_ENV[@]}" "$reg_bin" serve "$STATE/registry.yml" \
      </dev/null >"$STATE/registry.log" 2>&1 &
    local rpid=$!
    echo "$rpid" >"$REGISTRY_PID"
    deadline=$((SECONDS + 20))
    while :; do
      if [ "$(http_status "http://127.0.0.1:$port/v2/")" = 401 ]; then reg_ok=1; break; fi
      if ! pid_alive "$rpid"; then break; fi
      if [ $SECONDS -ge $deadline ]; then kill "$rpid" 2>/dev/null || true; break; fi
      sleep 0.1
    done
    [ "$reg_ok" = 1 ] && break
    dump_log "$STATE/registry.log"
    log "registry did not come up (attempt $attempt)"
  done
  if [ "$reg_ok" != 1 ]; then
    cmd_stop "$STATE"
    die "registry did not answer 401 on http://127.0.0.1:$port/v2/"
  fi

  umask 077
  {
    printf '# written by scripts/docker-env.sh start; source it: . %s\n' "$ENV_FILE"
    printf 'export DOCKER_HOST=%q\n' "unix://$SOCK"
    printf 'export GHPUBLISH_TEST_REGISTRY=%q\n' "127.0.0.1:$port"
    printf 'export GHPUBLISH_TEST_REGISTRY_USER=%q\n' "$REGISTRY_USER"
    printf 'export GHPUBLISH_TEST_REGISTRY_PASSWORD=%q\n' "$password"
  } >"$ENV_FILE"
  log "ready after $((SECONDS - t0))s; env: $ENV_FILE"
}

cmd_stop() {
  [ $# -eq 1 ] || usage
  [ -d "$1" ] || { log "nothing to stop: $1 does not exist"; return 0; }
  state_paths "$(cd "$1" && pwd -P)"
  set +e
  stop_pid registry "$REGISTRY_PID"
  stop_pid dockerd "$DOCKERD_PID"
  # dockerd's own containerd normally exits with it; only if dockerd had to be killed.
  stop_pid containerd "$EXEC_ROOT/containerd/containerd.pid"
  # Leftover mounts under STATE_DIR (only after a SIGKILL), deepest first.
  local m
  awk -v s="$STATE/" 'index($2, s) == 1 { print $2 }' /proc/self/mounts 2>/dev/null | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null; done
  rm -f "$ENV_FILE" "$SOCK"
  set -e
  return 0
}

cmd_status() {
  [ $# -eq 1 ] || usage
  state_paths "$(cd "$1" 2>/dev/null && pwd -P || echo "$1")"
  [ -f "$ENV_FILE" ] || { log "no env file: $ENV_FILE"; return 1; }
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  docker_ok || { log "dockerd does not answer on $SOCK"; return 1; }
  [ "$(http_status "http://$GHPUBLISH_TEST_REGISTRY/v2/")" = 401 ] \
    || { log "registry does not answer on $GHPUBLISH_TEST_REGISTRY"; return 1; }
  log "running: DOCKER_HOST=$DOCKER_HOST registry=$GHPUBLISH_TEST_REGISTRY"
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  *) usage ;;
esac
