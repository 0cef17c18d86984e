#!/usr/bin/env bash
# Agreement between `lanhmang inspect`'s security-header grading and MDN HTTP Observatory 1.4.8,
# on fixture sites covering every header profile of the fixture web (64), scanned by both tools.
#
#   sudo bench/observatory-compare/run.sh        # root: ports 80/443 and /etc/hosts
#
# Environment: LANHMANG_BENCH_DIR (default /tmp/lanhmang-bench; Observatory is installed in
# $LANHMANG_BENCH_DIR/observatory, outside the repository), SITES (fixture size, default 400),
# SEED (fixture seed, default 1), CARGO_TARGET_DIR (honoured), SEQUENTIAL_TIMING (default 1: also
# time lanhmang with --concurrency 1).
# Exit status: 0 when every score, grade and test result agrees; 1 on any disagreement; 2 when
# the bench could not run.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE=$REPO/bench/observatory-compare
BENCH_DIR=${LANHMANG_BENCH_DIR:-/tmp/lanhmang-bench}
OBS_DIR=$BENCH_DIR/observatory
WORK=$BENCH_DIR/observatory-compare
SITES=${SITES:-400}
SEED=${SEED:-1}
SEQUENTIAL_TIMING=${SEQUENTIAL_TIMING:-1}
OBS_VERSION=1.4.8
PKG=$OBS_DIR/node_modules/@mdn/mdn-http-observatory
HOSTS_FILE=/etc/hosts
MARK="# lanhmang-observatory-compare"

die() { echo "observatory-compare: $*" >&2; exit 2; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

[ "$(id -u)" = 0 ] || die "run as root (it binds ports 80/443 and edits $HOSTS_FILE for the run)"
for tool in node npm cargo timeout ss awk; do
  command -v "$tool" >/dev/null || die "$tool is required"
done
case "$BENCH_DIR/" in "$REPO"/*) die "LANHMANG_BENCH_DIR must be outside the repository" ;; esac
mkdir -p "$OBS_DIR" "$WORK"

# Only loopback traffic: no proxy for Node (axios honours these variables).
unset http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY all_proxy
export NO_PROXY='*' no_proxy='*'

# ---------------------------------------------------------------- /etc/hosts, stopped at exit
FIXTURE_PID=""
CHILD_PID=""
HOSTS_EDITED=0

# Runs a bounded command in the background and waits for it, so that a signal reaches the trap
# at once (bash defers traps while a foreground child runs). Returns the command's status.
run_child() {
  "$@" &
  CHILD_PID=$!
  local rc=0
  wait "$CHILD_PID" || rc=$?
  CHILD_PID=""
  return "$rc"
}

stop_child() {
  [ -n "$CHILD_PID" ] || return 0
  kill -TERM "$CHILD_PID" 2>/dev/null || true
  wait "$CHILD_PID" 2>/dev/null || true
  CHILD_PID=""
}

strip_marked_lines() {
  # Removes our lines only, in place (same inode: /etc/hosts may be a bind mount).
  local tmp
  tmp=$(mktemp)
  grep -vF -- "$MARK" "$HOSTS_FILE" >"$tmp" || true
  cat "$tmp" >"$HOSTS_FILE"
  rm -f "$tmp"
}

restore_hosts() {
  [ "$HOSTS_EDITED" = 1 ] || return 0
  if cmp -s "$HOSTS_FILE" "$WORK/hosts.edited"; then
    cat "$WORK/hosts.orig" >"$HOSTS_FILE"
  else
    echo "observatory-compare: $HOSTS_FILE changed during the run; removing only our lines" >&2
    strip_marked_lines
  fi
  HOSTS_EDITED=0
  if grep -qF -- "$MARK" "$HOSTS_FILE"; then
    echo "observatory-compare: WARNING: lines marked '$MARK' remain in $HOSTS_FILE" >&2
  fi
}

stop_fixture() {
  [ -n "$FIXTURE_PID" ] || return 0
  kill -TERM "$FIXTURE_PID" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$FIXTURE_PID" 2>/dev/null || break
    sleep 0.2
  done
  if kill -0 "$FIXTURE_PID" 2>/dev/null; then
    # `timeout` waits for its child: kill the child, then timeout itself.
    for child in $(pgrep -P "$FIXTURE_PID" || true); do kill -KILL "$child" 2>/dev/null || true; done
    kill -KILL "$FIXTURE_PID" 2>/dev/null || true
  fi
  wait "$FIXTURE_PID" 2>/dev/null || true
  FIXTURE_PID=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM HUP
  stop_child
  stop_fixture
  restore_hosts
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if grep -qF -- "$MARK" "$HOSTS_FILE"; then
  echo "observatory-compare: removing lines left in $HOSTS_FILE by an interrupted run" >&2
  strip_marked_lines
fi
for port in 80 443; do
  if [ -n "$(ss -Htln "sport = :$port")" ]; then die "port $port is in use"; fi
done

# ---------------------------------------------------------------- the peer, outside the repository
installed=$(node -p "require('$PKG/package.json').version" 2>/dev/null || true)
if [ "$installed" != "$OBS_VERSION" ]; then
  echo "== installing @mdn/mdn-http-observatory@$OBS_VERSION in $OBS_DIR"
  [ -f "$OBS_DIR/package.json" ] || echo '{ "private": true }' >"$OBS_DIR/package.json"
  run_child timeout 600 npm install --prefix "$OBS_DIR" --ignore-scripts --no-audit --no-fund --loglevel=error \
    "@mdn/mdn-http-observatory@$OBS_VERSION" || die "npm install failed"
fi
# --ignore-scripts skips its postinstall (which downloads the HSTS preload list): empty list,
# as our grader assumes.
echo '{}' >"$PKG/conf/hsts-preload.json"
# Its dependencies are resolved by npm at install time (ranges, no lock file): say which ran.
versions=$(cd "$OBS_DIR" && node -e '
  const fs = require("fs");
  const v = (p) => { try { return JSON.parse(fs.readFileSync("node_modules/" + p + "/package.json", "utf8")).version; } catch { return "?"; } };
  console.log(["@mdn/mdn-http-observatory", "axios", "jsdom", "tldts", "tough-cookie", "http-cookie-agent"]
    .map((p) => p.replace(/^@mdn\//, "") + " " + v(p)).join(", "));')
echo "== peer: node $(node --version), $versions"

# ---------------------------------------------------------------- our binary
echo "== building lanhmang (release)"
cd "$REPO"
run_child timeout 3600 cargo build --release -p lanhmang --quiet || die "cargo build failed"
TARGET=${CARGO_TARGET_DIR:-$REPO/target}
case "$TARGET" in /*) ;; *) TARGET=$REPO/$TARGET ;; esac
BIN=$TARGET/release/lanhmang
[ -x "$BIN" ] || die "no binary at $BIN"

# ---------------------------------------------------------------- the fixture web on 80/443
echo "== fixture web: $SITES sites, seed $SEED, ports 80/443"
rm -f "$WORK/manifest.json" "$WORK/ca.pem"
cd "$WORK"
(exec timeout 3600 "$BIN" fixture-web --sites "$SITES" --seed "$SEED" --port 80 --tls-port 443 \
  --manifest "$WORK/manifest.json" --ca-out "$WORK/ca.pem") >"$WORK/fixture.log" 2>&1 &
FIXTURE_PID=$!
for _ in $(seq 1 150); do
  [ -s "$WORK/ca.pem" ] && break
  kill -0 "$FIXTURE_PID" 2>/dev/null || { cat "$WORK/fixture.log" >&2; die "the fixture web did not start"; }
  sleep 0.2
done
[ -s "$WORK/ca.pem" ] || die "the fixture web did not write its CA in 30 s"

# One site per header profile, among sites Observatory can scan.
node "$HERE/helper.mjs" select "$WORK/manifest.json" >"$WORK/sites.txt"
count=$(awk '$6 == "profile"' "$WORK/sites.txt" | wc -l)
echo "== $count sites with distinct header profiles (of 64), $(awk '$6 != "profile"' "$WORK/sites.txt" | wc -l) extra sites"
[ "$count" -ge 30 ] || die "only $count distinct profiles among scannable sites; raise SITES"
mapfile -t HOSTS < <(awk '{ print $2 }' "$WORK/sites.txt")
mapfile -t URLS < <(awk '{ print $3 }' "$WORK/sites.txt")

# Node resolves names through /etc/hosts: point the chosen hosts at the fixture for the run.
cp -p "$HOSTS_FILE" "$WORK/hosts.orig"
{
  cat "$WORK/hosts.orig"
  if [ -s "$WORK/hosts.orig" ] && [ -n "$(tail -c 1 "$WORK/hosts.orig")" ]; then echo; fi
  # The chosen sites, and the hosts their redirects may lead to (gambling sites, the index).
  for h in "${HOSTS[@]}" fixture.localhost ext.fixture.localhost cdn.fixture.localhost \
    $(seq -f 'nhacai-%02g.fixture.localhost' 0 19); do
    echo "127.0.0.1 $h $MARK"
  done
} >"$WORK/hosts.edited"
HOSTS_EDITED=1
cat "$WORK/hosts.edited" >"$HOSTS_FILE"

# ---------------------------------------------------------------- both tools on the same sites
echo "== Observatory $OBS_VERSION: scanning ${#HOSTS[@]} hosts, one at a time"
t0=$(now)
run_child env NODE_EXTRA_CA_CERTS="$WORK/ca.pem" timeout $((120 + 15 * ${#HOSTS[@]})) \
  node "$HERE/helper.mjs" scan "$OBS_DIR" "${HOSTS[@]}" >"$WORK/observatory.jsonl" ||
  die "the Observatory scans did not finish"
t1=$(now)
obs_time=$(secs "$t0" "$t1")

echo "== lanhmang inspect: ${#URLS[@]} sites (whole inspections, default concurrency)"
run_ours() {
  # Exit status 2 means "some site has serious findings", which is expected here.
  local out=$1
  shift
  local rc=0
  run_child timeout $((120 + 15 * ${#URLS[@]})) \
    "$BIN" inspect --json --allow-private --ca-file "$WORK/ca.pem" "$@" "${URLS[@]}" >"$out" || rc=$?
  [ "$rc" = 0 ] || [ "$rc" = 2 ] || die "lanhmang inspect failed (exit $rc)"
}
t0=$(now)
run_ours "$WORK/lanhmang.jsonl"
t1=$(now)
ours_time=$(secs "$t0" "$t1")
if [ "$SEQUENTIAL_TIMING" = 1 ]; then
  echo "== lanhmang inspect --concurrency 1 (timing only)"
  t0=$(now)
  run_ours "$WORK/lanhmang-sequential.jsonl" --concurrency 1
  t1=$(now)
  seq_time=$(secs "$t0" "$t1")
fi

stop_fixture
restore_hosts

# ---------------------------------------------------------------- report
echo
rc=0
node "$HERE/helper.mjs" compare "$WORK/sites.txt" "$WORK/observatory.jsonl" "$WORK/lanhmang.jsonl" || rc=1
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }'; }
echo "time: observatory $OBS_VERSION ${obs_time} s (${#HOSTS[@]} scans one at a time, in one Node process);" \
  "lanhmang ${ours_time} s (whole inspections, --concurrency 32); observatory/lanhmang = $(ratio "$obs_time" "$ours_time")"
if [ "$SEQUENTIAL_TIMING" = 1 ]; then
  echo "time: lanhmang --concurrency 1 ${seq_time} s; observatory/lanhmang = $(ratio "$obs_time" "$seq_time")"
fi
echo "files: $WORK (sites.txt, observatory.jsonl, lanhmang.jsonl, manifest.json)"
exit "$rc"
