#!/usr/bin/env bash
# Our header grade against MDN HTTP Observatory 1.4.8 on sites served only over plain HTTP.
#
#   bench/observatory/peer.sh              # no root needed: everything on 127.0.0.1, ports > 1024
#
# 1. Installs the peer, `@mdn/mdn-http-observatory@1.4.8`, with `npm install --ignore-scripts` in
#    $PEER_DIR (default /tmp/observatory-peer, never inside the repository) and writes `{}` into
#    its conf/hsts-preload.json (our grader assumes an empty preload list).
# 2. Builds `lanhmang` (debug, honouring CARGO_TARGET_DIR) and starts `lanhmang fixture-web`
#    without TLS on $PORT: every site is plain HTTP. Picks one site per header profile and a few
#    with other home-page answers (peer.mjs select).
# 3. Scans each site with the peer's own scan() on "host:PORT" (peer.mjs scan; the peer then tries
#    http://host:PORT/ and https://host:PORT/, and the latter fails on the plain port), recording
#    the responses it received; then inspects the same URLs with `lanhmang inspect --json`
#    (its https counterpart on the same port, as the peer's).
# 4. Prints per site both grades and every differing test, and "agreement: N of N".
#    WRITE_CASES=FILE also writes the peer's results with their recorded inputs as ground truth
#    (the format of crates/inspect/tests/data/observatory/ground_truth.json).
#
# Exit status: 0 when every site agrees, 1 on any difference, 2 when the bench could not run.
# Variables: PEER_DIR, SITES (default 600), SEED (default 1), PORT (default 18481), WRITE_CASES.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$REPO/bench/observatory
PEER_DIR=${PEER_DIR:-/tmp/observatory-peer}
WORK=${WORK:-$PEER_DIR/work}
SITES=${SITES:-600}
SEED=${SEED:-1}
PORT=${PORT:-18481}
VERSION=1.4.8
PKG=$PEER_DIR/node_modules/@mdn/mdn-http-observatory

die() { echo "observatory/peer: $*" >&2; exit 2; }
for tool in node npm cargo timeout; do command -v "$tool" >/dev/null || die "$tool is required"; done
mkdir -p "$PEER_DIR"
PEER_DIR=$(cd "$PEER_DIR" && pwd)
case "$PEER_DIR/" in "$REPO"/*) die "PEER_DIR must be outside the repository" ;; esac
mkdir -p "$WORK"

# Only loopback traffic: no proxy for Node (axios honours these variables).
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY='*' no_proxy='*'

# ---------------------------------------------------------------- the peer, outside the repository
installed=$(node -p "require('$PKG/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$VERSION" ]; then
  echo "== installing @mdn/mdn-http-observatory@$VERSION in $PEER_DIR"
  [ -f "$PEER_DIR/package.json" ] || echo '{ "private": true }' >"$PEER_DIR/package.json"
  timeout 600 npm install --prefix "$PEER_DIR" --ignore-scripts --no-audit --no-fund --loglevel=error \
    "@mdn/mdn-http-observatory@$VERSION" || die "npm install failed"
fi
# --ignore-scripts skipped its postinstall, which downloads the HSTS preload list.
echo '{}' >"$PKG/conf/hsts-preload.json"
versions=$(cd "$PEER_DIR" && node -e '
  const fs = require("fs");
  const v = (p) => { try { return JSON.parse(fs.readFileSync("node_modules/" + p + "/package.json", "utf8")).version; } catch { return "?"; } };
  console.log(["@mdn/mdn-http-observatory", "axios", "jsdom", "tldts", "tough-cookie"].map((p) => p + " " + v(p)).join(", "));')
echo "== peer: node $(node --version), $versions"

# ---------------------------------------------------------------- our binary and the fixture web
echo "== building lanhmang (debug)"
cd "$REPO"
timeout 3600 cargo build -p lanhmang --quiet || die "cargo build failed"
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
case "$TARGET" in /*) ;; *) TARGET=$REPO/$TARGET ;; esac
BIN=$TARGET/debug/lanhmang
[ -x "$BIN" ] || die "no binary at $BIN"

FIXTURE_PID=""
stop_fixture() {
  [ -n "$FIXTURE_PID" ] || return 0
  kill -TERM "$FIXTURE_PID" 2>/dev/null || true
  wait "$FIXTURE_PID" 2>/dev/null || true
  FIXTURE_PID=""
}
trap stop_fixture EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

echo "== fixture web: $SITES sites, seed $SEED, plain HTTP on 127.0.0.1:$PORT"
rm -f "$WORK/manifest.json"
timeout 3600 "$BIN" fixture-web --sites "$SITES" --seed "$SEED" --port "$PORT" \
  --manifest "$WORK/manifest.json" >"$WORK/fixture.log" 2>&1 &
FIXTURE_PID=$!
for _ in $(seq 1 150); do
  [ -s "$WORK/manifest.json" ] && break
  kill -0 "$FIXTURE_PID" 2>/dev/null || { cat "$WORK/fixture.log" >&2; die "the fixture web did not start"; }
  sleep 0.2
done
[ -s "$WORK/manifest.json" ] || die "the fixture web did not write its manifest in 30 s"

node "$HERE/peer.mjs" select "$WORK/manifest.json" >"$WORK/sites.txt"
mapfile -t HOSTS < <(awk '{ print $1 }' "$WORK/sites.txt")
mapfile -t URLS < <(awk '{ print $2 }' "$WORK/sites.txt")
echo "== ${#HOSTS[@]} plain-HTTP sites ($(awk '{ print $3 }' "$WORK/sites.txt" | sort -u | wc -l) header profiles)"

# ---------------------------------------------------------------- both graders on the same sites
echo "== peer: scan() on each host:port"
timeout $((120 + 15 * ${#HOSTS[@]})) node --import "$HERE/localhost.mjs" "$HERE/peer.mjs" scan "$PEER_DIR" "${HOSTS[@]}" \
  >"$WORK/peer.jsonl" || die "the peer's scans did not finish"
echo "== lanhmang inspect on the same URLs"
rc=0
timeout $((120 + 15 * ${#URLS[@]})) "$BIN" inspect --json --allow-private --max-pages 1 \
  --http-port "$PORT" --https-port "$PORT" "${URLS[@]}" >"$WORK/lanhmang.jsonl" || rc=$?
# Exit status 2 means "some site has serious findings": expected here.
[ "$rc" = 0 ] || [ "$rc" = 2 ] || die "lanhmang inspect failed (exit $rc)"
stop_fixture

echo
rc=0
node "$HERE/peer.mjs" compare "$WORK/peer.jsonl" "$WORK/lanhmang.jsonl" || rc=1
if [ -n "${WRITE_CASES:-}" ]; then
  node "$HERE/peer.mjs" cases "$WORK/peer.jsonl" >"$WRITE_CASES"
  echo "ground truth: $(grep -c '"name"' "$WRITE_CASES") cases written to $WRITE_CASES"
fi
echo "files: $WORK (sites.txt, peer.jsonl, lanhmang.jsonl, manifest.json)"
exit "$rc"
