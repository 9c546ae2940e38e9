#!/usr/bin/env bash
# A long fault-injection run, e.g.:  tests/chaos/run.sh --nodes 5 --minutes 10
#
# Builds Quorum and the chaos runner (Release) and runs it. The runner needs root: it creates a
# private network namespace (deleted at the end, also on Ctrl-C), iptables rules inside it, and runs
# each node under its own uid. It prints one summary line; the history (history.jsonl), the run's
# log (run.log) and every node's log stay in the work directory named on that line.
# Options: see `quorum-chaos --help` (--nodes, --minutes, --seed, --nemesis (or --faults) a,b,... or
# all, --clock-skew (needs the faketime package; so does the clock-skew kind, skipped without it),
# --verbose, ...). The slow-disk kind needs strace (skipped without it); lose-unsynced builds and
# mounts tests/faultfs (fuse3, libfuse3-dev, gcc, make, pkg-config), and disk-full mounts a tmpfs
# per node.
set -euo pipefail
cd "$(dirname "$0")/../.."

if [ "$(id -u)" -ne 0 ]; then
  echo "run.sh: must run as root (network namespaces, iptables, per-node uids)" >&2
  exit 1
fi
for tool in ip iptables setpriv; do
  command -v "$tool" >/dev/null 2>&1 || { echo "run.sh: '$tool' is missing: apt-get install iproute2 iptables util-linux" >&2; exit 1; }
done

dotnet build tests/Quorum.Chaos -c Release -nologo -v quiet >/dev/null
exec dotnet tests/Quorum.Chaos/bin/Release/net10.0/quorum-chaos.dll "$@"
