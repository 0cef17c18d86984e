#!/usr/bin/env bash
# bench/notices/run.sh: issue 14's benchmark. The release `lanhmang serve` on a fresh demo
# database, on SQLite and then PostgreSQL, with an office of 2,000 schools and 500 parents per
# school (1,000,000 parent accounts, joined to their classes as the invitation sign-up writes
# them) generated in SQL. The office head sends 3 notices to the parents of all its schools
# through the API: each request's latency (goal < 200 ms), then how long the workers take to
# address the audience and write its deliveries. With 30% of the first notice's recipients
# marked read and 10% acknowledged, the sender's page (/van-ban/{id}) and GET
# /api/v1/notices/{id} are read 200 times each, beside the baseline (the same counts by
# counting the recipients) and /healthz: p50/p95/p99 and the ratios (goal: p95 < 50 ms).
# Exit status 1 when a goal is missed.
#
#   bench/notices/run.sh                                                       # both backends, full size
#   bench/notices/run.sh --backends sqlite --schools 50 --parents-per-school 100   # a quick run (--help)
#
# PostgreSQL must be running at PG (default postgres://postgres@127.0.0.1:5432/postgres, trust
# authentication); the database lanhmang_bench_notices there is dropped and created afresh.
# SQLite, the audit key and the server logs go to DATA (default /tmp/lanhmang-bench-notices).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PG=${PG:-${LANHMANG_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}
DATA=${DATA:-/tmp/lanhmang-bench-notices}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

cd "$ROOT"
cargo build --release --locked -p lanhmang -p lanhmang-bench-notices
mkdir -p "$DATA"
exec "$TARGET/release/lanhmang-bench-notices" --bin "$TARGET/release/lanhmang" --data "$DATA" --pg "$PG" "$@"
