#!/usr/bin/env bash
# npm test: installs what is missing, builds, starts its own ZooKeeper, Redis and MongoDB-compatible
# server on free loopback ports, runs every test against them, and stops them again.
# Extra arguments go to ava, e.g. `npm test -- dist/test/unit/`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install.sh
npm run -s build
exec node scripts/services.mjs run -- npx ava "$@"
