# Shell functions the test-service scripts share (docker-env.sh, npm-registry-env.sh).
# Source it after defining `log` and STOP_TIMEOUT.

free_port() {
  python3 - <<'EOF'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
EOF
}

http_status() { # URL -> prints HTTP status code, or 000 when nothing answers
  curl --noproxy '*' -s -o /dev/null -m 2 -w '%{http_code}' "$1" 2>/dev/null || true
}

# Alive = exists and is not a zombie: the daemons are reparented to PID 1, which may reap
# them only seconds later, so `kill -0` alone would report a dead daemon as running.
pid_alive() {
  [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null || return 1
  local st
  st=$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$1/stat" 2>/dev/null || true)
  [ -n "$st" ] && [ "$st" != Z ] && [ "$st" != X ]
}
read_pid() { [ -f "$1" ] && tr -dc '0-9' <"$1" || true; }

stop_pid() { # NAME PIDFILE
  local name=$1 pidfile=$2 pid deadline
  pid=$(read_pid "$pidfile")
  if pid_alive "$pid"; then
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + STOP_TIMEOUT))
    while pid_alive "$pid" && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
    if pid_alive "$pid"; then
      log "$name (pid $pid) still alive after ${STOP_TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
    log "$name stopped"
  fi
  rm -f "$pidfile"
}
