#!/usr/bin/env bash
# npm run down: stops the pm2-managed zkchat processes and the local services started by `npm run up`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export PM2_HOME="$(pwd)/.pm2"
if [ -d "$PM2_HOME" ] && [ -x node_modules/.bin/pm2 ]; then
  npx pm2 kill >/dev/null 2>&1 || true
fi
node scripts/services.mjs stop --dir .data/local
echo "zkchat is down."
