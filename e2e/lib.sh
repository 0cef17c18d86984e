# Shared by e2e/run and e2e/api/run: start a lanhmang binary on a fresh demo database on a free
# port; sets E2E_BASE and E2E_WORK, and stops the server when the calling script exits.
start_demo() {
  local binary="$1"
  E2E_WORK="$(mktemp -d)"
  local port
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  LANHMANG_LOG=warn "$binary" serve --demo --data-dir "$E2E_WORK/data" --bind "127.0.0.1:$port" >"$E2E_WORK/server.log" 2>&1 &
  E2E_SERVER=$!
  trap 'kill "$E2E_SERVER" 2>/dev/null || true; wait "$E2E_SERVER" 2>/dev/null || true' EXIT
  E2E_BASE="http://127.0.0.1:$port"
  local healthy="import urllib.request,sys; urllib.request.urlopen(sys.argv[1], timeout=2)"
  for _ in $(seq 1 120); do
    python3 -c "$healthy" "$E2E_BASE/healthz" 2>/dev/null && break
    kill -0 "$E2E_SERVER" 2>/dev/null || { cat "$E2E_WORK/server.log"; exit 1; }
    sleep 1
  done
  python3 -c "$healthy" "$E2E_BASE/healthz" 2>/dev/null || { echo "lanhmang did not start:"; cat "$E2E_WORK/server.log"; exit 1; }
  export E2E_BASE E2E_WORK
}
