#!/usr/bin/env bash
# A real npm registry (Verdaccio) for tests, on loopback only.
#
#   scripts/npm-registry-env.sh install            npm ci of the pinned Verdaccio (scripts/verdaccio/)
#   scripts/npm-registry-env.sh start STATE_DIR    start Verdaccio on 127.0.0.1, write STATE_DIR/env
#   scripts/npm-registry-env.sh stop STATE_DIR     stop it (never fails)
#   scripts/npm-registry-env.sh status STATE_DIR   exit 0 when it answers
#
# After `start`, `. STATE_DIR/env` exports GHPUBLISH_TEST_NPM_REGISTRY (http://127.0.0.1:PORT/)
# and one token per access level, GHPUBLISH_TEST_NPM_{WRITE,READ,NONE}_TOKEN (tests/real/realnpm.py).
#
# The registry stands in for GitHub Packages: no uplinks (nothing is ever fetched from the
# public registry), no self-registration, every package readable by `ghp-read` and `ghp-write`
# only and publishable by `ghp-write` only, the way GITHUB_TOKEN's `packages: read`/`write` work;
# `ghp-none` authenticates but may do nothing (a token without `packages`).
#
# Verdaccio 6.8.0 is the newest release whose `engines` accept Node.js 20 (6.9+ need 22).
# Its verdaccio-audit asks for `node-fetch@cjs`, a dist-tag some registry mirrors lack:
# package.json overrides it with 2.7.0, the version that tag names on registry.npmjs.org.
set -euo pipefail

HERE="$(cd "$(dirname "$0")" && pwd -P)"
PREFIX="$HERE/verdaccio"
VERDACCIO="$PREFIX/node_modules/verdaccio/bin/verdaccio"
USERS=(ghp-write ghp-read ghp-none)
START_TIMEOUT=${GHPUBLISH_NPM_START_TIMEOUT:-60}
STOP_TIMEOUT=${GHPUBLISH_NPM_STOP_TIMEOUT:-20}
CLEAN_ENV=(env -u http_proxy -u https_proxy -u HTTP_PROXY -u HTTPS_PROXY -u all_proxy -u ALL_PROXY
  -u no_proxy -u NO_PROXY -u NODE_OPTIONS -u VERDACCIO_PUBLIC_URL -u VERDACCIO_STORAGE_PATH)

log() { printf 'npm-registry-env: %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
# shellcheck source=scripts/service-lib.sh
. "$HERE/service-lib.sh"

usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

installed_version() {
  node -p "require('$PREFIX/node_modules/verdaccio/package.json').version" 2>/dev/null || true
}
pinned_version() {
  node -p "require('$PREFIX/package-lock.json').packages['node_modules/verdaccio'].version"
}

cmd_install() {
  command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed"
  local want stamp="$PREFIX/node_modules/.ghpublish-lock" sum
  want=$(pinned_version)
  sum=$(sha256sum "$PREFIX/package-lock.json" | cut -d' ' -f1)
  if [ "$(installed_version)" = "$want" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
    log "verdaccio $want already installed in $PREFIX"
    return 0
  fi
  log "installing verdaccio $want (npm ci, lockfile $PREFIX/package-lock.json)"
  # No install scripts (none is needed), no audit/fund calls, the user's npmrc ignored.
  NPM_CONFIG_USERCONFIG=/dev/null npm ci --prefix "$PREFIX" --ignore-scripts --no-audit \
    --no-fund --loglevel=error >&2 || die "npm ci failed"
  [ "$(installed_version)" = "$want" ] || die "verdaccio $want not installed"
  echo "$sum" >"$stamp"
  log "installed verdaccio $want"
}

state_paths() {
  STATE=$1
  PID_FILE="$STATE/verdaccio.pid"
  ENV_FILE="$STATE/env"
}

# bcrypt hashes with the bcryptjs Verdaccio itself checks them with.
htpasswd_line() { # USER PASSWORD
  GHP_USER="$1" GHP_PASSWORD="$2" node -e "
    const b = require('$PREFIX/node_modules/bcryptjs');
    process.stdout.write(process.env.GHP_USER + ':' + b.hashSync(process.env.GHP_PASSWORD, 10) + '\n');"
}

# Log in as npm does (PUT /-/user/org.couchdb.user:NAME with basic auth) and print the token
# Verdaccio issues. Credentials travel in the environment, never on a command line.
token_for() { # URL USER PASSWORD
  GHP_URL="$1" GHP_USER="$2" GHP_PASSWORD="$3" node -e "
    const {URL} = require('url'); const http = require('http');
    const {GHP_URL: base, GHP_USER: name, GHP_PASSWORD: password} = process.env;
    const url = new URL('-/user/org.couchdb.user:' + encodeURIComponent(name), base);
    if (url.hostname !== '127.0.0.1') process.exit(1);
    const body = JSON.stringify({name, password});
    const req = http.request(url, {method: 'PUT', timeout: 10000, headers: {
      'content-type': 'application/json', 'content-length': Buffer.byteLength(body),
      authorization: 'Basic ' + Buffer.from(name + ':' + password).toString('base64')}},
      res => { let s = ''; res.on('data', d => s += d).on('end', () => {
        let t; try { t = JSON.parse(s).token; } catch (e) {}
        if (res.statusCode !== 201 || !t) { console.error(res.statusCode + ' ' + s); process.exit(1); }
        process.stdout.write(t); }); });
    req.on('error', e => { console.error(e.message); process.exit(1); });
    req.end(body);"
}

cmd_start() {
  [ $# -eq 1 ] || usage
  mkdir -p "$1"
  state_paths "$(cd "$1" && pwd -P)"
  [ -x "$VERDACCIO" ] || die "verdaccio not installed (run: $0 install)"
  if pid_alive "$(read_pid "$PID_FILE")"; then
    if [ -f "$ENV_FILE" ]; then
      # shellcheck disable=SC1090
      . "$ENV_FILE"
      if [ "$(http_status "${GHPUBLISH_TEST_NPM_REGISTRY}-/ping")" = 200 ]; then
        log "already running; env: $ENV_FILE"
        return 0
      fi
    fi
    log "stale environment in $STATE: stopping it first"
    cmd_stop "$STATE"
  fi
  rm -f "$ENV_FILE"
  mkdir -p "$STATE/storage"
  local t0=$SECONDS user
  declare -A passwords=()
  umask 077
  : >"$STATE/htpasswd"
  for user in "${USERS[@]}"; do
    passwords[$user]=$(od -An -tx1 -N18 /dev/urandom | tr -d ' \n')
    htpasswd_line "$user" "${passwords[$user]}" >>"$STATE/htpasswd"
  done

  local attempt port url ok=0 pid deadline
  for attempt in 1 2 3; do
    port=$(free_port)
    url="http://127.0.0.1:$port/"
    cat >"$STATE/config.yaml" <<EOF
# written by scripts/npm-registry-env.sh start
storage: $STATE/storage
listen: 127.0.0.1:$port
web:
  enable: false
auth:
  htpasswd:
    file: $STATE/htpasswd
    max_users: -1
uplinks: {}
packages:
  '@*/*':
    access: ghp-read ghp-write
    publish: ghp-write
    unpublish: ghp-write
  '**':
    access: ghp-read ghp-write
    publish: ghp-write
    unpublish: ghp-write
server:
  keepAliveTimeout: 60
log:
  type: stdout
  format: pretty
  level: warn
EOF
    log "starting verdaccio on 127.0.0.1:$port"
    # Own session (setsid), so it outlives the calling shell; cwd is the state directory.
    (cd "$STATE" && exec setsid "${CLEAN_ENV[@]}" node "$VERDACCIO" \
      --config "$STATE/config.yaml" </dev/null >"$STATE/verdaccio.log" 2>&1) &
    pid=$!
    echo "$pid" >"$PID_FILE"
    deadline=$((SECONDS + START_TIMEOUT))
    while :; do
      if [ "$(http_status "${url}-/ping")" = 200 ]; then ok=1; break; fi
      if ! pid_alive "$pid"; then break; fi
      if [ $SECONDS -ge $deadline ]; then kill "$pid" 2>/dev/null || true; break; fi
      sleep 0.2
    done
    [ "$ok" = 1 ] && break
    tail -n 25 "$STATE/verdaccio.log" >&2 || true
    log "verdaccio did not come up (attempt $attempt)"
  done
  [ "$ok" = 1 ] || { cmd_stop "$STATE"; die "verdaccio did not answer on ${url}-/ping"; }

  declare -A tokens=()
  for user in "${USERS[@]}"; do
    tokens[$user]=$(token_for "$url" "$user" "${passwords[$user]}") \
      || { cmd_stop "$STATE"; die "verdaccio issued no token for $user"; }
  done
  {
    printf '# written by scripts/npm-registry-env.sh start; source it: . %s\n' "$ENV_FILE"
    printf 'export GHPUBLISH_TEST_NPM_REGISTRY=%q\n' "$url"
    printf 'export GHPUBLISH_TEST_NPM_WRITE_TOKEN=%q\n' "${tokens[ghp-write]}"
    printf 'export GHPUBLISH_TEST_NPM_READ_TOKEN=%q\n' "${tokens[ghp-read]}"
    printf 'export GHPUBLISH_TEST_NPM_NONE_TOKEN=%q\n' "${tokens[ghp-none]}"
  } >"$ENV_FILE"
  log "ready after $((SECONDS - t0))s; env: $ENV_FILE"
}

cmd_stop() {
  [ $# -eq 1 ] || usage
  [ -d "$1" ] || { log "nothing to stop: $1 does not exist"; return 0; }
  state_paths "$(cd "$1" && pwd -P)"
  set +e
  stop_pid verdaccio "$PID_FILE"
  rm -f "$PID_FILE" "$ENV_FILE"
  set -e
  return 0
}

cmd_status() {
  [ $# -eq 1 ] || usage
  state_paths "$(cd "$1" 2>/dev/null && pwd -P || echo "$1")"
  [ -f "$ENV_FILE" ] || { log "no env file: $ENV_FILE"; return 1; }
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  [ "$(http_status "${GHPUBLISH_TEST_NPM_REGISTRY}-/ping")" = 200 ] \
    || { log "verdaccio does not answer on $GHPUBLISH_TEST_NPM_REGISTRY"; return 1; }
  log "running: $GHPUBLISH_TEST_NPM_REGISTRY"
}

case "${1:-}" in
  install) shift; cmd_install "$@" ;;
  start) shift; cmd_start "$@" ;;
  stop) shift; cmd_stop "$@" ;;
  status) shift; cmd_status "$@" ;;
  *) usage ;;
esac
