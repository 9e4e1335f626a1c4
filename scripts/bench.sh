#!/usr/bin/env bash
# npm run bench: 1:1 chat throughput of one node versus three nodes relaying through the leader,
# against services it starts itself. BENCH_PAIRS and BENCH_MESSAGES size the run.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install.sh
npm run -s build
exec node scripts/services.mjs run -- node dist/bench/throughput.js
