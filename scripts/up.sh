#!/usr/bin/env bash
# npm run up: installs what is missing, starts ZooKeeper, Redis and the MongoDB-compatible server
# (data in .data/local), seeds the test users and rooms, and starts zkchat under pm2 with its
# home in .pm2/ of this project. `npm run down` stops it all.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$(pwd)"
bash scripts/install.sh
npm run -s build

ZK_PORT="${ZK_PORT:-2181}" REDIS_PORT="${REDIS_PORT:-6379}" MONGO_PORT="${MONGO_PORT:-27017}" \
  node scripts/services.mjs start --dir .data/local

export ZK_CONNECT="${ZK_CONNECT:-127.0.0.1:${ZK_PORT:-2181}}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:${REDIS_PORT:-6379}}"
export MONGO_URL="${MONGO_URL:-mongodb://127.0.0.1:${MONGO_PORT:-27017}}"
node dist/src/seed.js

# The cluster port's shared secret: made once per machine, kept with the local data.
SECRET_FILE=.data/local/cluster-secret
[ -s "$SECRET_FILE" ] || (umask 077; node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))' >"$SECRET_FILE")
export CLUSTER_SECRET="${CLUSTER_SECRET:-$(cat "$SECRET_FILE")}"
# The push API's bearer token, made and kept the same way.
TOKEN_FILE=.data/local/admin-token
[ -s "$TOKEN_FILE" ] || (umask 077; node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))' >"$TOKEN_FILE")
export ADMIN_TOKEN="${ADMIN_TOKEN:-$(cat "$TOKEN_FILE")}"

export PM2_HOME="$ROOT/.pm2"
mkdir -p logs
npx pm2 startOrReload ecosystem.config.js --update-env >/dev/null
# pm2 colours its table even into a pipe or a log file; only a terminal gets the colours.
if [ -t 1 ]; then npx pm2 ls; else npx pm2 ls --no-color; fi
cat <<MSG

zkchat is up. Logs: logs/ (or PM2_HOME=$ROOT/.pm2 npx pm2 logs)
Gateway: http://127.0.0.1:${GATEWAY_PORT:-4000}/server   Connect a terminal client with:   npm run client
Push API: http://127.0.0.1:4301 (node-1; 4302, 4303 the others), token in .data/local/admin-token
Log in as alice / alice-pass, bob / bob-pass, ... (see npm run seed). Stop everything with: npm run down
MSG
