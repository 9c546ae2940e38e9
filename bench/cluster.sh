# Shared by the bench scripts: build, start and stop local 3-node clusters on loopback.
# Source it from the repository root after setting $work (a scratch directory). build_release sets
# $quorum and $bench (the commands that run them); start_* set $endpoints (the cluster's client
# URLs) and keep the processes in $pids.

pids=()

build_release() {
  echo "building Quorum and quorum-bench (Release)..." >&2
  dotnet build src/Quorum -c Release -nologo -v quiet >/dev/null
  dotnet build bench/Quorum.Bench -c Release -nologo -v quiet >/dev/null
  quorum="dotnet $PWD/src/Quorum/bin/Release/net10.0/quorum.dll"
  bench="dotnet $PWD/bench/Quorum.Bench/bin/Release/net10.0/quorum-bench.dll"
}

stop_cluster() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  pids=()
}

wait_for() { # command... : poll until it succeeds, for at most 60 s
  for _ in $(seq 1 600); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "timed out waiting for: $*" >&2
  return 1
}

has_members() { # url n : the node at url knows n members, each with an HTTP address
  [ "$(curl -sf "$1/raft/members" | grep -o '"http":"http' | wc -l)" -eq "$2" ]
}

start_quorum_node() { # i [serve args...] : node ni, HTTP 2800i, Raft 2900i, data in $work/quorum/ni
  local i=$1; shift
  $quorum serve --node-id "n$i" --data-dir "$work/quorum/n$i" --http-port "2800$i" --raft-port "2900$i" "$@" \
    >>"$work/quorum/n$i.log" 2>&1 &
  pids+=($!)
}

start_quorum() { # a fresh 3-node Quorum
  rm -rf "$work/quorum"; mkdir -p "$work/quorum"
  start_quorum_node 1
  wait_for curl -sf http://127.0.0.1:28001/ready
  for i in 2 3; do start_quorum_node "$i" --join http://127.0.0.1:28001; done
  endpoints="http://127.0.0.1:28001,http://127.0.0.1:28002,http://127.0.0.1:28003"
  wait_for has_members http://127.0.0.1:28001 3
  for i in 1 2 3; do wait_for curl -sf "http://127.0.0.1:2800$i/ready"; done
}

start_etcd() { # a fresh 3-node etcd
  local dir="$work/etcd" initial="e1=http://127.0.0.1:23801,e2=http://127.0.0.1:23802,e3=http://127.0.0.1:23803"
  rm -rf "$dir"; mkdir -p "$dir"
  for i in 1 2 3; do
    etcd --name "e$i" --data-dir "$dir/e$i" \
      --listen-client-urls "http://127.0.0.1:2379$i" --advertise-client-urls "http://127.0.0.1:2379$i" \
      --listen-peer-urls "http://127.0.0.1:2380$i" --initial-advertise-peer-urls "http://127.0.0.1:2380$i" \
      --initial-cluster "$initial" --initial-cluster-state new --initial-cluster-token compare \
      --log-level error >"$dir/e$i.log" 2>&1 &
    pids+=($!)
  done
  endpoints="http://127.0.0.1:23791,http://127.0.0.1:23792,http://127.0.0.1:23793"
  wait_for env ETCDCTL_API=3 etcdctl --endpoints="$endpoints" endpoint health
}
