# Sourced (not run) by the bench-* scripts that compare etcdj with real etcd side by side: both servers
# started on free loopback ports, every load run checked, the servers' CPU read around each run, and
# the rounds summed up as medians with their spread.
#
# The sourcing script sets, before calling anything here:
#   bench_name   its name, for messages ("bench-lease")
#   work         a temporary directory it owns (logs, data dirs, the raw results)
#   root         the repository root
# and calls stop_servers from its EXIT trap.

started_pids=() # what was started here: single servers and cluster launchers
member_pids=()  # cluster members (their launchers stop them; SIGKILL only as a last resort)
declare -A endpoints server_pids

stop_servers() {
  local p alive
  for p in ${started_pids[@]+"${started_pids[@]}"}; do kill -TERM "$p" 2>/dev/null || true; done
  # A cluster launcher gives its members up to 15 s (an etcd leader tries to hand over).
  for _ in $(seq 1 200); do
    alive=0
    for p in ${started_pids[@]+"${started_pids[@]}"} ${member_pids[@]+"${member_pids[@]}"}; do
      kill -0 "$p" 2>/dev/null && alive=1
    done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for p in ${started_pids[@]+"${started_pids[@]}"} ${member_pids[@]+"${member_pids[@]}"}; do
    kill -9 "$p" 2>/dev/null || true
  done
  started_pids=()
  member_pids=()
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

wait_healthy() { # kind what log
  for _ in $(seq 1 150); do
    if ETCDCTL_API=3 etcdctl --endpoints "${endpoints[$1]}" endpoint health >/dev/null 2>&1; then
      return 0
    fi
    sleep 0.2
  done
  echo "$bench_name: $1 ($2) did not start; log:" >&2
  tail -30 "$3" >&2
  exit 1
}

# start_cluster KIND: a three-member cluster of KIND (etcd or etcdj) under bin/etcdj-cluster; sets
# endpoints[KIND] and server_pids[KIND] (the three members). etcdj members log their GC pauses to
# $work/etcdj-gc-cluster-<pid>.log (logging only, no tuning).
start_cluster() {
  local kind="$1" cports=() pports=() i bin="$root/bin/etcdj" log="$work/$kind-cluster.log" ms
  for i in 0 1 2; do cports+=("$(free_port)"); pports+=("$(free_port)"); done
  # BENCH_BASELINE: the "etcd" side runs another etcdj checkout instead (a before/after comparison).
  [ "$kind" = etcd ] && bin="${BENCH_BASELINE:+$BENCH_BASELINE/bin/etcdj}" && bin="${bin:-/usr/bin/etcd}"
  ETCDJ_JAVA_OPTS="${ETCDJ_JAVA_OPTS:-} -Xlog:gc:file=$work/etcdj-gc-cluster-%p.log" \
    ETCDJ_CLUSTER_BIN="$bin" ETCDJ_CLUSTER_CLIENT_PORTS="${cports[*]}" \
    ETCDJ_CLUSTER_PEER_PORTS="${pports[*]}" ETCDJ_CLUSTER_TOKEN="$bench_name-$kind-${cports[0]}" \
    "$root/bin/etcdj-cluster" --data-root "$work/$kind-cluster" >"$log" 2>&1 &
  started_pids+=("$!")
  endpoints[$kind]="127.0.0.1:${cports[0]},127.0.0.1:${cports[1]},127.0.0.1:${cports[2]}"
  wait_healthy "$kind" cluster "$log"
  # The launcher logs "started infraN (pid P)" for each member; bin/etcdj exec's java.
  server_pids[$kind]="$(sed -n 's/^etcdj-cluster: started infra[0-9] (pid \([0-9]*\)).*/\1/p' "$log" |
    xargs)"
  read -r -a ms <<<"${server_pids[$kind]}"
  if [ "${#ms[@]}" -ne 3 ]; then
    echo "$bench_name: could not read the member pids of the $kind cluster from $log" >&2
    exit 1
  fi
  member_pids+=("${ms[@]}")
  echo "$bench_name: $kind (three members) are pids ${server_pids[$kind]} on ${endpoints[$kind]}" >&2
}

cpu_ticks() { # pids... -> utime + stime summed
  local p sum=0
  for p in "$@"; do sum=$((sum + $(awk '{print $14 + $15}' "/proc/$p/stat"))); done
  echo "$sum"
}
ticks_per_s=$(getconf CLK_TCK)

# bench KIND WHAT ARGS... -> the tool's output (stdout and stderr) in $out. The endpoints are KIND's
# unless ARGS start with --endpoints. A failed run (exit code not 0, or the timeout) stops the
# script.
bench() {
  local kind="$1" what="$2" rc=0 target=(--endpoints "${endpoints[$1]}")
  [ "${3:-}" = --endpoints ] && target=()
  out="$(timeout 300 "$root/bin/benchmark" "${target[@]}" "${@:3}" 2>&1)" || rc=$?
  if [ "$rc" != 0 ]; then
    echo "$bench_name: $what failed on $kind, exit code $rc: bin/benchmark ${*:3}" >&2
    grep -E '^(benchmark|target-leader|lease-)|Error distribution|rpc error' <<<"$out" | head -10 >&2 ||
      tail -10 <<<"$out" >&2
    exit 1
  fi
}

# measured KIND WHAT ARGS...: one run, measured -> $line: "server_cpu_s=<CPU of KIND's server
# processes over the run> <the RESULT line's fields>".
measured() {
  local kind="$1" t0 t1 pids_of
  read -r -a pids_of <<<"${server_pids[$kind]}"
  t0=$(cpu_ticks "${pids_of[@]}")
  bench "$kind" "$2" "${@:3}"
  t1=$(cpu_ticks "${pids_of[@]}")
  line="server_cpu_s=$(python3 -c "print(round(($t1-$t0)/$ticks_per_s,2))")"
  line="$line $(grep '^RESULT' <<<"$out" | tail -1 | sed 's/^RESULT op=[^ ]* //')"
}

# round_order R: the kinds in the order round R runs them (etcd first in odd rounds, etcdj first in
# even ones, so both see the same machine state) -> $order
round_order() {
  order=("${kinds[@]}")
  if (( $1 % 2 == 0 )) && [ "${#kinds[@]}" = 2 ]; then order=("${kinds[1]}" "${kinds[0]}"); fi
}

# gc_summary: one line per etcdj GC log in $work: pauses, their sum, the longest.
gc_summary() {
  shopt -s nullglob
  local gc_logs=("$work"/etcdj-gc-*.log)
  shopt -u nullglob
  [ "${#gc_logs[@]}" -gt 0 ] || return 0
  python3 - "${gc_logs[@]}" <<'EOF'
import re, sys
for path in sys.argv[1:]:
    pauses = []
    for line in open(path):
        m = re.search(r"Pause [A-Za-z]+.* ([0-9.]+)ms$", line.strip())
        if m:
            pauses.append(float(m.group(1)))
    name = path.rsplit("/", 1)[1]
    long = [p for p in pauses if p >= 50]
    print(f"{name}: {len(pauses)} GC pauses, {sum(pauses):.0f} ms in all, longest"
          f" {max(pauses, default=0):.1f} ms, {len(long)} of 50 ms or more")
EOF
  echo
}

# summarize RAW SCALE GROUP=TITLE...: RAW holds lines "group round kind workload key=value..."; prints
# per group (in the order given) a Markdown table of medians (min-max over rounds) of etcd and etcdj
# side by side, then any run with failed requests.
summarize() {
  python3 - "$@" <<'EOF'
import statistics, sys
raw, scale, titles = sys.argv[1], sys.argv[2], dict(a.split("=", 1) for a in sys.argv[3:])
rows, order = {}, []
for line in open(raw):
    parts = line.split()
    group, r, kind, w = parts[:4]
    fields = dict(p.split("=", 1) for p in parts[4:])
    if (group, w) not in order:
        order.append((group, w))
    rows.setdefault((group, w, kind), []).append(fields)

def stat(group, w, kind, field):
    vals = [float(f[field]) for f in rows.get((group, w, kind), []) if field in f]
    if not vals:
        return None, "n/a"
    med = statistics.median(vals)
    fmt = (lambda v: f"{v:,.0f}") if med >= 100 else (lambda v: f"{v:.3f}")
    return med, f"{fmt(med)} ({fmt(min(vals))}–{fmt(max(vals))})"

metrics = [("requests/s", "requests_per_sec"), ("p50 ms", "p50_ms"), ("p99 ms", "p99_ms"),
           ("p99.9 ms", "p999_ms"), ("server CPU s", "server_cpu_s")]
for group, title in titles.items():
    ws = [w for g, w in order if g == group]
    if not ws:
        continue
    print(f"### {title} (scale {scale}; median (min–max) over rounds)")
    print()
    import os
    base = os.environ.get("BENCH_BASELINE")
    left = f"baseline etcdj ({base})" if base else "etcd 3.4.23"
    print(f"| workload | metric | {left} | etcdj | etcdj / {'baseline' if base else 'etcd'} |")
    print("|---|---|---:|---:|---:|")
    for w in ws:
        for label, field in metrics:
            e, es = stat(group, w, "etcd", field)
            j, js = stat(group, w, "etcdj", field)
            ratio = f"{j / e:.2f}" if e and j is not None else "n/a"
            print(f"| {w} | {label} | {es} | {js} | {ratio} |")
    print()

print("Failed requests (should be none):")
bad = 0
for (group, w, kind), fs in sorted(rows.items()):
    for f in fs:
        if float(f.get("errors", "0")) != 0:
            print(f"  {group} {w} {kind}: errors={f['errors']} of {f.get('requests', '?')}")
            bad += 1
print("  none" if not bad else "")
EOF
}
