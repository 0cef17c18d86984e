#!/usr/bin/env bash
# bench/incidents/run.sh: issue 12's benchmark, in two parts.
#
# dataset: a department of 10,000 schools (offices of about 100) with 1,000,000 cases over three
#   years; the office's case list (page 1, overdue, by state, page 50) and coverage dashboard,
#   and the department lead's, p50/p95/p99 against a full scan of the incidents table in the
#   same run, on SQLite and PostgreSQL. Goal: the office's list and coverage p95 < 50 ms.
# flood: the release `lanhmang serve` on a fresh demo database; one address sends 1,000 public
#   reports a minute while 50 others (127.0.0.3 … 127.0.0.52) report now and then; the others
#   must all be answered 201. Their latency is compared with the same requests without the flood.
#
#   bench/incidents/run.sh                              # both parts, both backends
#   bench/incidents/run.sh --parts flood --backends sqlite --duration 30
#   bench/incidents/run.sh --help                       # every option
#
# PostgreSQL must be running at PG (default postgres://postgres@127.0.0.1:5432/postgres, trust
# authentication); the databases lanhmang_bench_incidents (kept while the generator's parameters
# stay the same) and lanhmang_bench_flood (made afresh) go there. SQLite files, the audit key and
# the server logs go to DATA (default /tmp/lanhmang-bench-incidents, about 1 GB).
# Exit status 1 when a goal is missed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PG=${PG:-postgres://postgres@127.0.0.1:5432/postgres}
DATA=${DATA:-/tmp/lanhmang-bench-incidents}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

cd "$ROOT"
cargo build --release --locked -p lanhmang -p lanhmang-bench-incidents
exec "$TARGET/release/lanhmang-bench-incidents" --bin "$TARGET/release/lanhmang" --pg "$PG" --data "$DATA" "$@"
