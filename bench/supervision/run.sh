#!/usr/bin/env bash
# bench/supervision/run.sh: benchmarks of website supervision and sector news.
#
#   bench/supervision/run.sh news_search                        # both backends
#   bench/supervision/run.sh news_search --backends postgres    # one backend
#   bench/supervision/run.sh news_search --help                 # every option
#
# news_search generates 1,000,000 news entries (10,000 schools' sites, three years) into a
# temporary SQLite file and into a fresh PostgreSQL database lanhmang_bench_news on the server of
# PG (default postgres://postgres@127.0.0.1:5432/postgres, or LANHMANG_BENCH_POSTGRES_URL), then
# measures 200 searches against a full scan of the folded text in the same run.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PG=${PG:-${LANHMANG_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=${1:?which benchmark: news_search}
shift

cd "$ROOT"
cargo build --release --locked -p lanhmang-bench-supervision --bin "$BIN"
exec "$TARGET/release/$BIN" --pg "$PG" "$@"
