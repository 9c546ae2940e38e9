#!/usr/bin/env bash
# Quorum at scale: the same cluster with 10,000 and with 1,000,000 keys of 256 bytes.
#
#   bench/scale.sh [--keys 1000000] [--duration 10s] [-- serve flags...]
#
# For each key count, on a fresh 3-node cluster (Release build, loopback, default settings unless
# serve flags are given after --): writes every key
# (quorum-bench's read workloads populate first), measures linearizable get and put at 64 clients;
# then, for the large store only: resident memory (RSS) per node against the raw data size, the
# snapshot times the nodes logged, a follower's restart time (SIGTERM, start, until it is ready and
# has applied everything committed before it came back) and a new fourth node's catch-up time
# (--join, until it has applied everything committed when it joined). Prints a markdown report.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

keys=1000000
duration=10s
serve_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) keys=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --) shift; serve_args=("$@"); break ;;
    *) echo "usage: $0 [--keys N] [--duration 10s] [-- serve flags...]" >&2; exit 2 ;;
  esac
done
value_size=256


work=$(mktemp -d /tmp/quorum-scale.XXXXXX)
source "$root/bench/cluster.sh"
build_release
trap 'stop_cluster; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

json_field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
status_field() { curl -sf "$1/status" | json_field "$2"; }
applied_at_least() { [ "$(status_field "$1" appliedIndex)" -ge "$2" ]; }
now_ms() { date +%s%3N; }
rss_mb() { echo $(( $(awk '/VmRSS/ {print $2}' "/proc/$1/status") / 1024 )); }

measure() { # workload count : ops/s at 64 clients
  $bench --endpoints "$endpoints" --workload "$1" --keys "$2" --value-size "$value_size" --clients 64 \
    --duration "$duration" --warmup 5s --no-progress --json | json_field throughput
}

report=()
for count in 10000 "$keys"; do
  echo "== $count keys" >&2
  rm -rf "$work/quorum"; mkdir -p "$work/quorum"
  start_quorum_node 1 "${serve_args[@]}"
  wait_for curl -sf http://127.0.0.1:28001/ready
  for i in 2 3; do start_quorum_node "$i" --join http://127.0.0.1:28001 "${serve_args[@]}"; done
  endpoints="http://127.0.0.1:28001,http://127.0.0.1:28002,http://127.0.0.1:28003"
  wait_for has_members http://127.0.0.1:28001 3
  for i in 1 2 3; do wait_for curl -sf "http://127.0.0.1:2800$i/ready"; done

  started=$(now_ms)
  get=$(measure get "$count")   # writes every key first
  put=$(measure put "$count")
  report+=("| $count | $(printf '%.0f' "$get") | $(printf '%.0f' "$put") |")
  echo "   get x64 $get, put x64 $put ($(( ($(now_ms) - started) / 1000 ))s with loading)" >&2

  if [ "$count" = "$keys" ]; then
    leader=$(curl -sf http://127.0.0.1:28001/status | json_field leader)
    raw_mb=$(( count * (value_size + 14) / 1024 / 1024 ))
    memory="| node | RSS MiB | RSS / raw data | data directory |"$'\n'"|---|---|---|---|"
    for i in 1 2 3; do
      rss=$(rss_mb "${pids[$((i - 1))]}")
      memory+=$'\n'"| n$i$([ "n$i" = "$leader" ] && echo ' (leader)') | $rss | $(python3 -c "print(f'{$rss / $raw_mb:.2f}x')") | $(du -sh "$work/quorum/n$i" | cut -f1) |"
    done
    snapshots=$(grep -h "Snapshot taken" "$work"/quorum/n*.log | tail -3 | sed 's/^.*\[\(n[0-9]\)\].*Snapshot taken/\1: snapshot taken/' || true)

    # Restart a follower: stop it cleanly, start it again, time until it serves everything committed.
    follower=3; [ "$leader" = "n3" ] && follower=2
    kill "${pids[$((follower - 1))]}"; wait "${pids[$((follower - 1))]}" 2>/dev/null || true
    target=$(status_field http://127.0.0.1:28001 commitIndex)
    t0=$(now_ms)
    start_quorum_node "$follower" "${serve_args[@]}"
    wait_for curl -sf "http://127.0.0.1:2800$follower/ready"
    wait_for applied_at_least "http://127.0.0.1:2800$follower" "$target"
    restart_ms=$(( $(now_ms) - t0 ))
    restored=$(grep -h "Restored snapshot" "$work/quorum/n$follower.log" | tail -1 | sed 's/^.*Restored/Restored/' || true)

    # A new node joins and catches up from nothing.
    target=$(status_field http://127.0.0.1:28001 commitIndex)
    t0=$(now_ms)
    start_quorum_node 4 --join http://127.0.0.1:28001 "${serve_args[@]}"
    wait_for curl -sf http://127.0.0.1:28004/ready
    wait_for applied_at_least http://127.0.0.1:28004 "$target"
    catchup_ms=$(( $(now_ms) - t0 ))
    installed=$(grep -h "Installed snapshot" "$work/quorum/n4.log" | tail -1 | sed 's/^.*Installed/Installed/' || true)
    catchup_rss=$(rss_mb "${pids[3]}")
  fi
  stop_cluster
done

echo "# $(date -u +%Y-%m-%d) · $(nproc) cores · $count keys of $value_size bytes (raw ~${raw_mb} MiB) · serve flags: ${serve_args[*]:-defaults}"
echo
echo "| keys | linearizable get x64 ops/s | put x64 ops/s |"
echo "|---|---|---|"
printf '%s\n' "${report[@]}"
echo
echo "$memory"
echo
echo "- snapshots (the last three logged):"
echo "$snapshots" | sed 's/^/  - /'
echo "- follower restart: ${restart_ms} ms until ready and caught up ($restored)"
echo "- new node catch-up: ${catchup_ms} ms until ready and caught up ($installed); its RSS then ${catchup_rss} MiB"
