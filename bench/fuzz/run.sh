#!/usr/bin/env bash
# The long fuzzing run: every parser target of `crates/{domain,inspect}/tests/fuzz.rs` with many
# more generated and mutated inputs than CI gives them, one target at a time, then a table of
# executions per target. A failure prints the smallest input found; keep it in
# `fuzz/corpus/<target>/crash-<what>` and fix the parser (the corpus is replayed by the tests).
#
#   bench/fuzz/run.sh                    # 20,000 cases per target, debug build (overflow checks on)
#   PROPTEST_CASES=200000 bench/fuzz/run.sh
#
# The debug build is the point: integer overflow in a parser panics there and only wraps in a
# release build, so the long run looks where CI looks, only longer.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PROPTEST_CASES="${PROPTEST_CASES:-20000}"
export RUST_BACKTRACE=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
started=$(date +%s)
for crate in lanhmang-domain lanhmang-inspect; do
  cargo test --locked -q -p "$crate" --test fuzz -- --nocapture --test-threads=1 2>&1 | tee -a "$log" \
    | grep -aE '^(fuzz |test result|minimal failing)|panicked' || true
  if grep -aq 'test result: FAILED' "$log"; then status=1; fi
done
echo
echo "cases per target: $PROPTEST_CASES (executions include shrinking after a failure)"
printf '%-12s %12s %10s %10s %16s\n' target executions seconds "exec/s" "peak alloc KiB"
grep -ao 'fuzz [a-z_]*: [0-9]* executions in .* KiB' "$log" | sed -E 's/^fuzz ([a-z_]+): ([0-9]+) executions in ([0-9.]+) s \(([0-9]+)\/s\), largest allocation peak ([0-9]+) KiB/\1 \2 \3 \4 \5/' \
  | awk '{ printf "%-12s %12d %10.1f %10d %16d\n", $1, $2, $3, $4, $5; total += $2 } END { printf "%-12s %12d\n", "total", total }'
echo "wall time: $(( $(date +%s) - started )) s"
exit $status
