#!/usr/bin/env bash
# Quorum vs etcd, side by side on this machine, with one load generator and one workload.
#
#   bench/compare-etcd.sh [--rounds N] [--duration 10s] [--warmup 5s] [--cells "put 64,get 64"] [--routing leader,any] [--tls] [--auth] [--out FILE]
#
# --routing says where the load generator sends requests, for both stores alike: leader (writes to
# the leader, reads spread over the members by client) or any (every request to the next member in
# turn, as a plain HTTP client or a load balancer would; a follower passes a write on to its leader).
# The default runs every cell both ways and prints one table per routing.
#
# --tls runs both stores with TLS on client and peer traffic, certificates checked on both ends
# (etcd: --client-cert-auth and --peer-client-cert-auth; Quorum: --client-cert-auth and peer mTLS).
# --auth turns auth on in both, with the load generator speaking as a non-root user whose role may
# read and write the benchmark's keys (etcd: a token from Authenticate; Quorum: Basic, cached).
#
# Installs etcd-server/etcd-client from Debian if missing, builds Quorum and the load generator
# (Release), then for every cell runs Quorum and etcd alternately, N rounds (Quorum, etcd, Quorum,
# etcd, ... to cancel drift), each on a fresh 3-node cluster on loopback; the two are never running
# at once. Prints a table of the medians and the ratios, and writes every run's JSON to FILE.
# Host noise is part of every result: each run records the steal time during it, and an idle probe
# before it (the share of the CPUs busy while nothing of ours runs, taken over 2 s). Compare ratios
# only from runs whose noise figures are alike.
# Cleans up its clusters and data on exit, also on Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

rounds=3
duration=10s
warmup=5s
out=""
routings=(leader any)
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --warmup) warmup=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --cells) IFS=, read -r -a only <<< "$2"; shift 2 ;;
    --routing) IFS=, read -r -a routings <<< "$2"; shift 2 ;;
    --tls) tls=1; shift ;;
    --auth) auth=1; shift ;;
    *) echo "usage: $0 [--rounds N] [--duration 10s] [--warmup 5s] [--cells \"put 64,get 64\"] [--routing leader,any] [--tls] [--auth] [--out FILE]" >&2; exit 2 ;;
  esac
done
for routing in "${routings[@]}"; do
  case "$routing" in leader|any) ;; *) echo "$0: --routing takes leader, any, or leader,any; got '$routing'" >&2; exit 2 ;; esac
done

# The cells: workload and clients.
cells=("put 1" "put 64" "get 1" "get 64" "get-stale 64" "mixed 64")
[ -n "${only+x}" ] && cells=("${only[@]}")

if ! command -v etcd >/dev/null 2>&1 || ! command -v etcdctl >/dev/null 2>&1; then
  echo "installing etcd-server and etcd-client from Debian..." >&2
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq etcd-server etcd-client >/dev/null
fi


work=$(mktemp -d /tmp/quorum-compare.XXXXXX)
results="$work/results.jsonl"
: > "$results"
source "$root/bench/cluster.sh"
build_release

cleanup() {
  stop_cluster
  [ -n "$out" ] && cp "$results" "$out"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# /proc/stat's first line as "busy steal total" jiffies; busy leaves out idle, iowait and steal.
cpu_ticks() {
  awk '/^cpu /{ busy=$2+$3+$4+$7+$8; print busy, $9, busy+$5+$6+$9 }' /proc/stat
}
# Percent of the CPUs that went to $1 ("busy" or "steal") between two cpu_ticks readings.
cpu_share() {
  local b1 s1 t1 b2 s2 t2
  read -r b1 s1 t1 <<< "$2"; read -r b2 s2 t2 <<< "$3"
  if [ "$1" = busy ]; then awk -v a="$b1" -v b="$b2" -v t="$((t2 - t1))" 'BEGIN{ printf "%.1f", t ? 100*(b-a)/t : 0 }'
  else awk -v a="$s1" -v b="$s2" -v t="$((t2 - t1))" 'BEGIN{ printf "%.1f", t ? 100*(b-a)/t : 0 }'; fi
}
idle_probe() { # busy share of the host over 2 s while nothing of ours runs
  local before after
  before=$(cpu_ticks); sleep 2; after=$(cpu_ticks)
  cpu_share busy "$before" "$after"
}

failed=0
run_cell() { # target workload clients routing : one measured run; a run that fails is reported and not counted
  local idle before after out status=0
  idle=$(idle_probe)
  "start_$1"
  before=$(cpu_ticks)
  # shellcheck disable=SC2046 # the security flags are words on purpose
  out=$($bench --target "$1" --endpoints "$endpoints" --routing "$4" --workload "$2" --clients "$3" $(bench_security_args) \
    --duration "$duration" --warmup "$warmup" --no-progress --json) || status=$?
  after=$(cpu_ticks)
  stop_cluster
  if [ "$status" -eq 0 ]; then
    local steal; steal=$(cpu_share steal "$before" "$after")
    printf '%s\n' "$(printf '%s' "$out" | tr -d '\n' | sed "s/}\$/, \"idleProbeBusyPct\": $idle, \"stealPct\": $steal}/")" >> "$results"
    echo "  $1 $2 x$3 ($4): $(tail -1 "$results" | grep -o '"throughput": [0-9.]*') (idle probe $idle% busy, steal $steal%)" >&2
  else
    failed=$((failed + 1))
    echo "  $1 $2 x$3 ($4): FAILED (exit $status), not counted" >&2
  fi
}

for routing in "${routings[@]}"; do
  for cell in "${cells[@]}"; do
    set -- $cell
    for round in $(seq 1 "$rounds"); do
      echo "cell $1 x$2, routing $routing, round $round/$rounds" >&2
      run_cell quorum "$1" "$2" "$routing"
      run_cell etcd "$1" "$2" "$routing"
    done
  done
done

python3 - "$results" "$rounds" "$failed" "${tls:-0}" "${auth:-0}" <<'PY'
import json, statistics, sys, platform, os, datetime
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def med(xs): return statistics.median(xs)
mode = " · ".join(m for m, on in (("TLS on both (client and peer, certificates checked on both ends)", sys.argv[4] == "1"), ("auth on both (a non-root user)", sys.argv[5] == "1")) if on) or "plain HTTP, no auth"
print(f"# {datetime.date.today()} · {os.cpu_count()} cores · {platform.platform()} · median of {sys.argv[2]} alternating runs per cell · {mode}")
routings = []
for r in rows:
    if r.get("routing", "leader") not in routings: routings.append(r.get("routing", "leader"))
for routing in routings:
    where = "writes to the leader, reads spread over the members by client" if routing == "leader" else "every request to the next member in turn"
    print(f"\n**routing {routing}** ({where})\n")
    print("| workload | clients | Quorum ops/s | etcd ops/s | ratio | Quorum p50 / p99 ms | etcd p50 / p99 ms |")
    print("|---|---|---|---|---|---|---|")
    these = [r for r in rows if r.get("routing", "leader") == routing]
    seen = []
    for r in these:
        cell = (r["workload"], r["clients"])
        if cell not in seen: seen.append(cell)
    for workload, clients in seen:
        q = [r for r in these if r["target"] == "quorum" and (r["workload"], r["clients"]) == (workload, clients)]
        e = [r for r in these if r["target"] == "etcd" and (r["workload"], r["clients"]) == (workload, clients)]
        if not q or not e:
            print(f"| {workload} | {clients} | {len(q)} runs | {len(e)} runs | n/a | | |")
            continue
        qt, et = med([r["throughput"] for r in q]), med([r["throughput"] for r in e])
        pairs = ", ".join(f"{a['throughput']/b['throughput']:.2f}" for a, b in zip(q, e))
        print(f"| {workload} | {clients} | {qt:,.0f} | {et:,.0f} | {qt/et:.2f}x (pairs {pairs}) | {med([r['p50Ms'] for r in q]):.2f} / {med([r['p99Ms'] for r in q]):.2f} | {med([r['p50Ms'] for r in e]):.2f} / {med([r['p99Ms'] for r in e]):.2f} |")
errors = sum(r["errors"] for r in rows)
probe = [r["idleProbeBusyPct"] for r in rows if "idleProbeBusyPct" in r]
steal = [r["stealPct"] for r in rows if "stealPct" in r]
if probe:
    print(f"\nhost noise: idle probe (CPUs busy before a run, nothing of ours running) median {med(probe):.1f}%, max {max(probe):.1f}%;"
          f" steal during runs median {med(steal):.1f}%, max {max(steal):.1f}%")
print(f"\n{len(rows)} runs, {errors} errors in all" + (f"; {sys.argv[3]} runs failed and are not counted" if sys.argv[3] != "0" else ""))
PY
