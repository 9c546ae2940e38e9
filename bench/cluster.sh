# Shared by the bench scripts: build, start and stop local 3-node clusters on loopback.
# Source it from the repository root after setting $work (a scratch directory). build_release sets
# $quorum and $bench (the commands that run them); start_* set $endpoints (the cluster's client
# URLs) and keep the processes in $pids.

pids=()

# TLS and auth, for both stores alike (compare-etcd.sh --tls / --auth): set tls=1 and/or auth=1.
# With tls, client and peer traffic is TLS with certificates on both ends (a CA made in $work/tls);
# with auth, the load generator speaks as user "bench", whose role may read and write "bench/".
tls=${tls:-0}
auth=${auth:-0}

make_certs() { # a CA, a certificate every node uses (server, client, peer) and a client certificate
  local d="$work/tls"
  [ -f "$d/client.pem" ] && return 0
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj '/CN=bench CA' \
    -keyout "$d/ca-key.pem" -out "$d/ca.pem" 2>/dev/null
  for name in node client; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=bench-$name" \
      -keyout "$d/$name-key.pem" -out "$d/$name.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' > "$d/$name.ext"
    openssl x509 -req -in "$d/$name.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -CAcreateserial -days 30 \
      -extfile "$d/$name.ext" -out "$d/$name.pem" 2>/dev/null
  done
}

scheme() { if [ "$tls" = 1 ]; then echo https; else echo http; fi; }

curl_as_client() { # curl with the client certificate and the CA when tls is on
  if [ "$tls" = 1 ]; then
    curl --cacert "$work/tls/ca.pem" --cert "$work/tls/client.pem" --key "$work/tls/client-key.pem" "$@"
  else
    curl "$@"
  fi
}

bench_security_args() { # the load generator's flags for the mode
  if [ "$tls" = 1 ]; then make_certs; echo "--cacert $work/tls/ca.pem --cert $work/tls/client.pem --key $work/tls/client-key.pem"; fi
  if [ "$auth" = 1 ]; then echo "--user bench:bench-password"; fi
}

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

wait_for() { # command... : poll until it succeeds, for at most $wait_seconds (60 s unless set)
  local deadline=$((SECONDS + ${wait_seconds:-60}))
  while [ "$SECONDS" -lt "$deadline" ]; do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "timed out waiting for: $*" >&2
  return 1
}

has_members() { # url n : the node at url knows n members, each with an HTTP address
  [ "$(curl_as_client -sf "$1/raft/members" | grep -o '"http":"http' | wc -l)" -eq "$2" ]
}

start_quorum_node() { # i [serve args...] : node ni, HTTP 2800i, Raft 2900i, data in $work/quorum/ni
  local i=$1; shift
  local secure=()
  if [ "$tls" = 1 ]; then
    make_certs
    local d="$work/tls"
    secure=(--cert-file "$d/node.pem" --key-file "$d/node-key.pem" --trusted-ca-file "$d/ca.pem" --client-cert-auth true
      --peer-cert-file "$d/node.pem" --peer-key-file "$d/node-key.pem" --peer-trusted-ca-file "$d/ca.pem")
  fi
  $quorum serve --node-id "n$i" --data-dir "$work/quorum/n$i" --http-port "2800$i" --raft-port "2900$i" "${secure[@]}" "$@" \
    >>"$work/quorum/n$i.log" 2>&1 &
  pids+=($!)
}

enable_quorum_auth() { # url : root, role bench (readwrite on bench/), user bench, then auth on
  curl_as_client -sf -X PUT "$1/auth/users/root" -d '{"password":"root-password"}' >/dev/null
  curl_as_client -sf -X PUT "$1/auth/roles/bench" -d '{"permissions":[{"prefix":"bench/","access":"readwrite"}]}' >/dev/null
  curl_as_client -sf -X PUT "$1/auth/users/bench" -d '{"password":"bench-password","roles":["bench"]}' >/dev/null
  curl_as_client -sf -X POST "$1/auth/enable" >/dev/null
}

start_quorum() { # a fresh 3-node Quorum
  rm -rf "$work/quorum"; mkdir -p "$work/quorum"
  local s; s=$(scheme)
  start_quorum_node 1
  wait_for curl_as_client -sf "$s://127.0.0.1:28001/ready"
  for i in 2 3; do start_quorum_node "$i" --join "$s://127.0.0.1:28001"; done
  endpoints="$s://127.0.0.1:28001,$s://127.0.0.1:28002,$s://127.0.0.1:28003"
  wait_for has_members "$s://127.0.0.1:28001" 3
  for i in 1 2 3; do wait_for curl_as_client -sf "$s://127.0.0.1:2800$i/ready"; done
  if [ "$auth" = 1 ]; then enable_quorum_auth "$s://127.0.0.1:28001"; fi
}

start_etcd() { # a fresh 3-node etcd
  local s; s=$(scheme)
  local dir="$work/etcd" initial="e1=$s://127.0.0.1:23801,e2=$s://127.0.0.1:23802,e3=$s://127.0.0.1:23803"
  local secure=() ctl=()
  if [ "$tls" = 1 ]; then
    make_certs
    local d="$work/tls"
    secure=(--cert-file "$d/node.pem" --key-file "$d/node-key.pem" --trusted-ca-file "$d/ca.pem" --client-cert-auth
      --peer-cert-file "$d/node.pem" --peer-key-file "$d/node-key.pem" --peer-trusted-ca-file "$d/ca.pem" --peer-client-cert-auth)
    ctl=(--cacert "$d/ca.pem" --cert "$d/client.pem" --key "$d/client-key.pem")
  fi
  rm -rf "$dir"; mkdir -p "$dir"
  for i in 1 2 3; do
    etcd --name "e$i" --data-dir "$dir/e$i" \
      --listen-client-urls "$s://127.0.0.1:2379$i" --advertise-client-urls "$s://127.0.0.1:2379$i" \
      --listen-peer-urls "$s://127.0.0.1:2380$i" --initial-advertise-peer-urls "$s://127.0.0.1:2380$i" \
      --initial-cluster "$initial" --initial-cluster-state new --initial-cluster-token compare \
      "${secure[@]}" --log-level error >"$dir/e$i.log" 2>&1 &
    pids+=($!)
  done
  endpoints="$s://127.0.0.1:23791,$s://127.0.0.1:23792,$s://127.0.0.1:23793"
  wait_for env ETCDCTL_API=3 etcdctl --endpoints="$endpoints" "${ctl[@]}" endpoint health
  if [ "$auth" = 1 ]; then
    local etcdctl=(env ETCDCTL_API=3 etcdctl --endpoints="$endpoints" "${ctl[@]}")
    "${etcdctl[@]}" user add root:root-password --interactive=false >/dev/null
    "${etcdctl[@]}" user grant-role root root >/dev/null
    "${etcdctl[@]}" role add bench >/dev/null
    "${etcdctl[@]}" role grant-permission bench readwrite bench/ --prefix=true >/dev/null
    "${etcdctl[@]}" user add bench:bench-password --interactive=false >/dev/null
    "${etcdctl[@]}" user grant-role bench bench >/dev/null
    "${etcdctl[@]}" auth enable >/dev/null
  fi
}
