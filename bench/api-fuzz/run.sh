#!/usr/bin/env bash
# The API under fuzzing, longer than CI: e2e/api/run with more examples per operation and a fresh
# random seed each run (printed, so a failure can be replayed with SEED=…). Builds the debug
# binary first. Usage: bench/api-fuzz/run.sh [examples per operation, default 300]
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build -p lanhmang --locked
EXAMPLES="${1:-300}" SEED="${SEED:-$RANDOM$RANDOM}" \
  e2e/api/run "${CARGO_TARGET_DIR:-target}/debug/lanhmang"
