#!/usr/bin/env bash
# Makes target/etcdctl.jsa, the AppCDS archive bin/etcdctl maps at start-up, by running one
# command through bin/etcdctl (same flags, same class path) with -XX:ArchiveClassesAtExit. The
# training command gets a key from a closed loopback port, so it loads the client, the stubs and
# the printers without a server; it fails, as intended. Run by the etcdctl module's package phase.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)"
out="$root/etcdctl/target/etcdctl.jsa"
rm -f "$out"
ETCDCTL_CDS_DUMP="$out" "$root/bin/etcdctl" --endpoints 127.0.0.1:1 --dial-timeout 300ms \
  --command-timeout 300ms -w json get cds-training >/dev/null 2>&1
if [[ -f "$out" ]]; then
  echo "etcdctl: class-data-sharing archive $out ($(du -k "$out" | cut -f1) KiB)"
else
  echo "etcdctl: no class-data-sharing archive made (bin/etcdctl still works, starting slower)" >&2
fi
exit 0
