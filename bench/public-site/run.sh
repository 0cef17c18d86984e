#!/usr/bin/env bash
# bench/public-site/run.sh: issue 15's benchmark. The release `lanhmang serve` on a fresh demo
# database, on SQLite and then PostgreSQL, with 10,000 stories published on the demo office's
# public page (written at its schools over a year, generated in SQL). Measured, one request at a
# time and then with a few clients at once, every kind in turn: the office's home page
# (/trang/VHXH-ANBINH), its page 50 and a story's page, each beside the very same bytes served
# as a static file by a minimal server inside the bench, in the same run: p50/p95/p99, requests
# per second and the ratio page ÷ static file. Goal: the home page's p95 under 20 ms. Exit
# status 1 when it is missed or an answer is not the page.
#
#   bench/public-site/run.sh                                      # both backends, 10,000 stories
#   bench/public-site/run.sh --backends sqlite --elsewhere 90000  # with other offices' stories (--help)
#
# PostgreSQL must be running at PG (default postgres://postgres@127.0.0.1:5432/postgres, trust
# authentication); the database lanhmang_bench_public_site there is dropped and created afresh.
# SQLite, the audit key and the server logs go to DATA (default /tmp/lanhmang-bench-public-site).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PG=${PG:-${LANHMANG_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}
DATA=${DATA:-/tmp/lanhmang-bench-public-site}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

cd "$ROOT"
cargo build --release --locked -p lanhmang -p lanhmang-bench-public-site
mkdir -p "$DATA"
exec "$TARGET/release/lanhmang-bench-public-site" --bin "$TARGET/release/lanhmang" --data "$DATA" --pg "$PG" "$@"
