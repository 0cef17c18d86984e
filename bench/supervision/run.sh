#!/usr/bin/env bash
# bench/supervision/run.sh: website supervision and sector news at scale.
#
#   sites_overview   the office overview, the site list (unfiltered, by grade, status=down,
#                    problem=cert) and the findings list over 50,000 registered websites with
#                    about 1 million stored runs, on SQLite and PostgreSQL, against a baseline
#                    computed from the stored runs in the same run (goal: p95 < 100 ms).
#   inspection_queue a queue of 10,000 full inspections against the fixture web (served by the
#                    benchmark on 127.0.0.1), run by 1 and then 2 worker processes sharing one
#                    PostgreSQL queue, and a kill test (SIGKILL to one of 2 workers mid-run);
#                    throughput, ratio, duplicates (must be 0).
#   news_search      1,000,000 news entries (10,000 schools' sites, three years) in a temporary
#                    SQLite file and a fresh PostgreSQL database lanhmang_bench_news; 200 searches
#                    against a full scan of the folded text in the same run.
#
#   bench/supervision/run.sh                                     # all three, defaults
#   bench/supervision/run.sh sites_overview --backends postgres  # one, options passed through
#   bench/supervision/run.sh inspection_queue --sites 2000 --no-kill-test
#   bench/supervision/run.sh news_search --help                  # every option
#
# It starts nothing but the fixture web and its own worker processes: PostgreSQL must be
# running at PG (default postgres://postgres@127.0.0.1:5432/postgres, trust authentication).
# Databases there: lanhmang_bench_sites (kept and reused while the generator's parameters stay the
# same; --regenerate rebuilds it), lanhmang_bench_queue (created afresh for every queue run) and
# lanhmang_bench_news. The SQLite sites dataset is kept in DATA (default
# /tmp/lanhmang-bench-supervision, about 0.5 GB). Exit status 1 when a goal is missed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PG=${PG:-${LANHMANG_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}}
DATA=${DATA:-/tmp/lanhmang-bench-supervision}
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}

cd "$ROOT"
cargo build --release --locked -p lanhmang-bench-supervision
BIN="$TARGET/release"

case "${1:-all}" in
  sites_overview)
    shift
    exec "$BIN/sites_overview" --pg "$PG" --data "$DATA" "$@"
    ;;
  inspection_queue)
    shift
    exec "$BIN/inspection_queue" --pg "$PG" "$@"
    ;;
  news_search)
    shift
    exec "$BIN/news_search" --pg "$PG" "$@"
    ;;
  all)
    [ $# -gt 0 ] && shift
    status=0
    "$BIN/sites_overview" --pg "$PG" --data "$DATA" || status=1
    "$BIN/inspection_queue" --pg "$PG" || status=1
    "$BIN/news_search" --pg "$PG" || status=1
    exit $status
    ;;
  *)
    echo "usage: $0 [sites_overview|inspection_queue|news_search|all] [options…]" >&2
    exit 2
    ;;
esac
