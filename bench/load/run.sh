#!/usr/bin/env bash
# bench/load/run.sh: the deadline week (issue 11 §5). A generated department of 2,000 schools
# whose plans are due in two days, on SQLite and then PostgreSQL: the release `lanhmang serve`
# is started on it, virtual offices open dashboards and report lists, principals open, read,
# save (twice) and submit their reports, teachers log activities, with exponential think times
# offering 200 requests per second in all. Prints p50/p95/p99 per request kind, /healthz of the
# same run as the baseline, and checks afterwards that every acknowledged write is in the
# database. Exit status 1 when a goal is missed (p95 < 100 ms for every kind, no error, no
# write lost, at least 95% of the offered rate served).
#
#   bench/load/run.sh                                   # both backends, defaults
#   bench/load/run.sh --backends sqlite --duration 30   # options passed through (--help)
#
# PostgreSQL must be running at PG (default postgres://postgres@127.0.0.1:5432/postgres, trust
# authentication); the database lanhmang_bench_load there is dropped and created afresh. SQLite,
# the audit key and the server logs go to DATA (default /tmp/lanhmang-bench-load).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PG=${PG:-${LANHMANG_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}
DATA=${DATA:-/tmp/lanhmang-bench-load}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

cd "$ROOT"
cargo build --release --locked -p lanhmang -p lanhmang-bench-load
mkdir -p "$DATA"
exec "$TARGET/release/lanhmang-bench-load" --bin "$TARGET/release/lanhmang" --data "$DATA" --pg "$PG" "$@"
