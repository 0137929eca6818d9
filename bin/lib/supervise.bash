# Sourced (not run) by the bin/ scripts that start several processes: servers, cluster launchers, load tools.
#
# `supervise "$0" "$@"` re-runs the calling script as a child and waits for it with the wait builtin, so that SIGINT
# or SIGTERM sent to the script's own pid is handled at once: bash runs a trap only after the foreground command
# ends, and a script in the middle of a two-minute load run would otherwise leave its servers running, or stop them
# minutes late. On either signal every process under the child (collected before any is signalled, so none is lost
# to re-parenting) gets SIGTERM, then SIGKILL if still running after ETCDJ_STOP_GRACE seconds (default 20; an etcd
# leader stopped with its followers takes ~7 s); the script exits 130 for SIGINT, 143 for SIGTERM. Otherwise it
# exits with the child's status. In the child, supervise returns at once and the script runs as written.

# usage_header FILE: the comment block at the top of FILE (after the #! line), without the leading "# ".
usage_header() {
  sed -n '2,/^[^#]/ s/^# \{0,1\}//p' "$1"
}

# descendants PID: every process below PID, parents first.
descendants() {
  local c
  for c in $(cat /proc/"$1"/task/*/children 2>/dev/null); do
    echo "$c"
    descendants "$c"
  done
}

supervise() {
  if [ -n "${ETCDJ_SUPERVISED:-}" ]; then
    unset ETCDJ_SUPERVISED # a supervised script started from here supervises itself
    return 0
  fi
  local self="$1" rc=0
  shift
  ETCDJ_SUPERVISED=1 bash "$self" "$@" &
  _supervised_pid=$!
  _supervised_name="${self##*/}"
  trap '_stop_supervised INT 130' INT
  trap '_stop_supervised TERM 143' TERM
  wait "$_supervised_pid" || rc=$?
  exit "$rc"
}

_alive() { # pids... -> those still running
  local p
  for p in "$@"; do
    if kill -0 "$p" 2>/dev/null; then echo "$p"; fi
  done
}

_stop_supervised() {
  local sig="$1" code="$2" grace="${ETCDJ_STOP_GRACE:-20}" waited=0 p
  local -a pids left
  trap '' INT TERM
  read -r -a pids <<<"$_supervised_pid $(descendants "$_supervised_pid" | xargs)"
  echo "$_supervised_name: SIG$sig, stopping the ${#pids[@]} processes it started" >&2
  kill -TERM "${pids[@]}" 2>/dev/null || true
  while [ "$waited" -lt $((grace * 10)) ]; do
    read -r -a left <<<"$(_alive "${pids[@]}" | xargs)"
    [ "${#left[@]}" -eq 0 ] && break
    sleep 0.1
    waited=$((waited + 1))
  done
  read -r -a left <<<"$(_alive "${pids[@]}" | xargs)"
  if [ "${#left[@]}" -gt 0 ]; then
    # Anything started meanwhile under a survivor goes too.
    for p in "${left[@]}"; do read -r -a left <<<"${left[*]} $(descendants "$p" | xargs)"; done
    echo "$_supervised_name: ${left[*]} still running after ${grace}s, sending SIGKILL" >&2
    kill -KILL "${left[@]}" 2>/dev/null || true
  fi
  wait 2>/dev/null || true
  exit "$code"
}
