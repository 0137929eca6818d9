#!/usr/bin/env bash
# Makes target/etcdj-server.jsa, the AppCDS archive bin/etcdj maps at start-up, by running one
# single-member server through bin/etcdj itself (same flags, same class path) with
# -XX:ArchiveClassesAtExit: it starts on loopback ports in a temp dir, answers one /health
# request, and is stopped with SIGTERM, when the JVM writes the archive. Run by the server
# module's package phase, after the runtime jars are copied to target/lib. Any failure only
# means no archive: bin/etcdj then starts without it.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
out="$root/server/target/etcdj-server.jsa"
rm -f "$out"
# bin/etcdj must neither rebuild (we are inside its build) nor take a caller's JVM flags or class path.
unset ETCDJ_REBUILD ETCDJ_JAVA_OPTS ETCDJ_CLASSPATH
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# Two ports from the kernel's free ones, released just before the server binds them.
read -r client peer < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
for x in s: x.bind(("127.0.0.1", 0))
print(*(x.getsockname()[1] for x in s))' 2>/dev/null || echo "$((20000 + RANDOM % 20000)) $((40000 + RANDOM % 20000))")
ETCDJ_CDS_DUMP="$out" "$root/bin/etcdj" --name cds --data-dir "$tmp/data" \
  --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
  --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
  --initial-cluster "cds=http://127.0.0.1:$peer" >"$tmp/log" 2>&1 &
pid=$!
for _ in $(seq 300); do
  grep -q 'etcdmain: etcdj .* ready' "$tmp/log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
if exec 3<>"/dev/tcp/127.0.0.1/$client" 2>/dev/null; then
  printf 'GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
  timeout 5 cat <&3 >/dev/null
  exec 3>&-
fi
kill -TERM "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
if [[ -f "$out" ]]; then
  echo "etcdj: class-data-sharing archive $out ($(du -k "$out" | cut -f1) KiB)"
else
  echo "etcdj: no class-data-sharing archive made (bin/etcdj still works, starting slower)" >&2
  tail -5 "$tmp/log" >&2
fi
exit 0
