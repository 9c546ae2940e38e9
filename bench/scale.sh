#!/usr/bin/env bash
# Quorum at scale: the same cluster with 10,000 and with 1,000,000 keys of 256 bytes.
#
#   bench/scale.sh [--keys 1000000] [--duration 10s] [--rounds 3] [-- serve flags...]
#
# Loads each key count once into its own 3-node cluster (Release build, loopback, default settings
# unless serve flags are given after --; quorum-bench's read workloads write every key first), then
# measures linearizable get and put at 64 clients in alternating rounds: the small cluster, the large
# one, the small one again... each restarted from its data directory for its turn, so that the
# machine's drift falls on both alike; the slowdown is the median of the per-round ratios, of
# throughput and of the servers' CPU time per operation (a second view; both scatter on a noisy
# host). After the last round, for the large store only: resident memory (RSS) per node against
# the raw data size, the snapshot times the nodes logged, a follower's restart time (SIGTERM,
# start, until it is ready and has applied everything committed before it came back) and a new
# fourth node's catch-up time (--join, until it has applied everything committed when it joined).
# Prints a markdown report.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

keys=1000000
duration=10s
rounds=3
serve_args=()
while [ $# -gt 0 ]; do
  case "$1" in
    --keys) keys=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --) shift; serve_args=("$@"); break ;;
    *) echo "usage: $0 [--keys N] [--duration 10s] [--rounds 3] [-- serve flags...]" >&2; exit 2 ;;
  esac
done
value_size=256
# A restart replays up to a snapshot's worth of log: allow a minute, plus a second per 50,000 keys.
wait_seconds=$(( 60 + keys / 50000 ))


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

cpu_ticks() { # user + system clock ticks of the three servers so far
  local total=0 pid
  for pid in "${pids[@]:0:3}"; do total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat") )); done
  echo "$total"
}
measure() { # workload count : "ops/s cpu-µs-per-op" at 64 clients; the CPU is the three servers' own
  # The keys are there from loading, so reads do not write them again (that would measure a store
  # still collecting the garbage of a million overwrites); the warm-up is a run of its own so that
  # the CPU counted is the measured run's alone.
  local run=($bench --endpoints "$endpoints" --workload "$1" --keys "$2" --value-size "$value_size"
    --clients 64 --no-populate --no-progress --json --warmup 0s)
  "${run[@]}" --duration 5s >/dev/null
  local before json after
  before=$(cpu_ticks)
  json=$("${run[@]}" --duration "$duration")
  after=$(cpu_ticks)
  python3 -c "import json, os, sys; j = json.loads(sys.argv[1]); ticks = int(sys.argv[3]) - int(sys.argv[2]); print(f\"{j['throughput']:.0f} {ticks / os.sysconf('SC_CLK_TCK') * 1e6 / j['operations']:.1f}\")" \
    "$json" "$before" "$after"
}

start_cluster() { # count [fresh] : the cluster of that many keys, from its data directories
  rm -rf "$work/quorum"
  if [ -d "$work/q-$1" ]; then mv "$work/q-$1" "$work/quorum"; else mkdir -p "$work/quorum"; fi
  endpoints="http://127.0.0.1:28001,http://127.0.0.1:28002,http://127.0.0.1:28003"
  if [ "${2:-}" = fresh ]; then
    start_quorum_node 1 "${serve_args[@]}"
    wait_for curl -sf http://127.0.0.1:28001/ready
    for i in 2 3; do start_quorum_node "$i" --join http://127.0.0.1:28001 "${serve_args[@]}"; done
    wait_for has_members http://127.0.0.1:28001 3
  else
    for i in 1 2 3; do start_quorum_node "$i" "${serve_args[@]}"; done
  fi
  for i in 1 2 3; do wait_for curl -sf "http://127.0.0.1:2800$i/ready"; done
  # Ready does not mean caught up: measure only once every node has applied all that is committed.
  wait_for leader_url
  local target
  target=$(status_field "$(leader_url)" commitIndex)
  for i in 1 2 3; do wait_for applied_at_least "http://127.0.0.1:2800$i" "$target"; done
}
leader_url() { # : the leader's HTTP URL, as node 1 knows it; fails while there is none
  local leader
  leader=$(status_field http://127.0.0.1:28001 leader)
  [ -n "$leader" ] && [ "$leader" != None ] && echo "http://127.0.0.1:2800${leader#n}"
}
park_cluster() { # count : stop it and keep its data directories for its next turn
  stop_cluster
  mv "$work/quorum" "$work/q-$1"
}
ratio() { python3 -c "print(f'{$2 / $1:.2f}')"; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

for count in 10000 "$keys"; do
  echo "== loading $count keys" >&2
  started=$(now_ms)
  start_cluster "$count" fresh
  $bench --endpoints "$endpoints" --workload get --keys "$count" --value-size "$value_size" --clients 64 \
    --duration 1s --warmup 0s --no-progress --json >/dev/null
  echo "   loaded in $(( ($(now_ms) - started) / 1000 ))s" >&2
  park_cluster "$count"
done

report=(); get_ratios=(); put_ratios=(); get_cpu_ratios=(); put_cpu_ratios=()
for round in $(seq 1 "$rounds"); do
  declare -A got=() put=() got_cpu=() put_cpu=()
  for count in 10000 "$keys"; do
    start_cluster "$count"
    read -r got[$count] got_cpu[$count] < <(measure get "$count")
    read -r put[$count] put_cpu[$count] < <(measure put "$count")
    echo "   round $round, $count keys: get x64 ${got[$count]} (${got_cpu[$count]} µs CPU/op), put x64 ${put[$count]} (${put_cpu[$count]} µs CPU/op)" >&2
    [ "$round" = "$rounds" ] && [ "$count" = "$keys" ] || park_cluster "$count"
  done
  get_ratios+=("$(ratio "${got[10000]}" "${got[$keys]}")"); put_ratios+=("$(ratio "${put[10000]}" "${put[$keys]}")")
  get_cpu_ratios+=("$(ratio "${got_cpu[10000]}" "${got_cpu[$keys]}")"); put_cpu_ratios+=("$(ratio "${put_cpu[10000]}" "${put_cpu[$keys]}")")
  report+=("| $round | ${got[10000]} / ${got_cpu[10000]} | ${got[$keys]} / ${got_cpu[$keys]} | ${get_ratios[-1]} / ${get_cpu_ratios[-1]} | ${put[10000]} / ${put_cpu[10000]} | ${put[$keys]} / ${put_cpu[$keys]} | ${put_ratios[-1]} / ${put_cpu_ratios[-1]} |")
done

# The large cluster is still running: measure what only it has.
count=$keys
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

# A new node joins and catches up from nothing, if the machine has the memory for a fourth copy
# (with 10M keys it may not: four nodes of ~6 GiB each on a 24 GiB host).
largest_rss=0
for pid in "${pids[@]}"; do
  [ -e "/proc/$pid" ] || continue # the follower restarted above runs under a new PID, at the end of pids
  rss=$(rss_mb "$pid"); [ "$rss" -gt "$largest_rss" ] && largest_rss=$rss
done
available_mb=$(( $(awk '/MemAvailable/ {print $2}' /proc/meminfo) / 1024 ))
if [ "$available_mb" -gt $(( largest_rss * 3 / 2 )) ]; then
  target=$(status_field http://127.0.0.1:28001 commitIndex)
  t0=$(now_ms)
  start_quorum_node 4 --join http://127.0.0.1:28001 "${serve_args[@]}"
  wait_for curl -sf http://127.0.0.1:28004/ready
  wait_for applied_at_least http://127.0.0.1:28004 "$target"
  catchup_ms=$(( $(now_ms) - t0 ))
  installed=$(grep -h "Installed snapshot" "$work/quorum/n4.log" | tail -1 | sed 's/^.*Installed/Installed/' || true)
  catchup="${catchup_ms} ms until ready and caught up ($installed); its RSS then $(rss_mb "${pids[-1]}") MiB"
else
  catchup="skipped: a fourth node needs about ${largest_rss} MiB and ${available_mb} MiB are available"
fi
stop_cluster

echo "# $(date -u +%Y-%m-%d) · $(nproc) cores · $count keys of $value_size bytes (raw ~${raw_mb} MiB) · serve flags: ${serve_args[*]:-defaults}"
echo
echo "Each cell: ops/s at 64 clients / CPU µs per operation of the three servers together; each ratio: $count keys against 10k."
echo
echo "| round | get x64, 10k keys | get x64, $count keys | ratio | put x64, 10k keys | put x64, $count keys | ratio |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${report[@]}"
echo
echo "Median ratio ($count keys against 10k): throughput get $(median "${get_ratios[@]}"), put $(median "${put_ratios[@]}"); CPU per operation get $(median "${get_cpu_ratios[@]}"), put $(median "${put_cpu_ratios[@]}")."
echo
echo "$memory"
echo
echo "- snapshots (the last three logged):"
echo "$snapshots" | sed 's/^/  - /'
echo "- follower restart: ${restart_ms} ms until ready and caught up ($restored)"
echo "- new node catch-up: $catchup"
