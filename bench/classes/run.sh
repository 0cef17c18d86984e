#!/usr/bin/env bash
# bench/classes/run.sh: issue 13's benchmark. The release `lanhmang serve` on a fresh demo
# database, on SQLite and then PostgreSQL; the demo teacher starts 100 class sessions of a
# pupils' lesson, then 100 classes of 40 pupils run at once from 127.0.0.1: each class's pupils
# join within its first 30 s and send their answers after a think time, all within 2 minutes.
# /healthz is sent at the pupils' average rate in the same run as the baseline. Prints
# p50/p95/p99 of joins, answers and /healthz (latency from when a request was due) and the
# ratios to /healthz; afterwards every session is read back through the teacher's API (joined,
# answered, the tally of every choice against what the pupils were told was counted) and
# closed. Exit status 1 when a goal is missed (p95 < 100 ms for joins and answers, every
# request answered 2xx, no answer lost).
#
#   bench/classes/run.sh                                   # both backends, defaults
#   bench/classes/run.sh --backends sqlite --duration 60   # options passed through (--help)
#
# PostgreSQL must be running at PG (default postgres://postgres@127.0.0.1:5432/postgres, trust
# authentication); the database lanhmang_bench_classes there is dropped and created afresh.
# SQLite, the audit key and the server logs go to DATA (default /tmp/lanhmang-bench-classes).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PG=${PG:-${LANHMANG_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}
DATA=${DATA:-/tmp/lanhmang-bench-classes}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

cd "$ROOT"
cargo build --release --locked -p lanhmang -p lanhmang-bench-classes
mkdir -p "$DATA"
exec "$TARGET/release/lanhmang-bench-classes" --bin "$TARGET/release/lanhmang" --data "$DATA" --pg "$PG" "$@"
