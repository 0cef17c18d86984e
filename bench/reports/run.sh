#!/usr/bin/env bash
# bench/reports/run.sh: the office dashboard, the office's list of missing reports and a
# 10,000-school department rollup over a national-scale dataset (45,000 schools in offices of
# about 100, five school years, about 4.5 million activities and 4.7 million report values), on
# SQLite and PostgreSQL, each against a full scan of the activities table in the same run.
#
#   bench/reports/run.sh                          # both backends
#   bench/reports/run.sh --backends postgres      # one backend
#   bench/reports/run.sh --regenerate             # throw the cached datasets away first
#   bench/reports/run.sh --help                   # every option
#
# It starts nothing: PostgreSQL must be running at PG (default
# postgres://postgres@127.0.0.1:5432/postgres, trust authentication); the dataset goes into the
# database lanhmang_bench_reports there (dropped and created again when regenerated). The SQLite
# dataset is kept in DATA (default /tmp/lanhmang-bench-reports, about 3 GB). Generating both takes
# minutes; later runs reuse them while the generator's parameters stay the same.
# Exit status 1 when a goal is missed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PG=${PG:-postgres://postgres@127.0.0.1:5432/postgres}
DATA=${DATA:-/tmp/lanhmang-bench-reports}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

cd "$ROOT"
cargo build --release --locked -p lanhmang-bench-reports
exec "$TARGET/release/lanhmang-bench-reports" --pg "$PG" --data "$DATA" "$@"
