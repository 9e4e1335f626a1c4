#!/usr/bin/env bash
# npm run bench: saturation benchmark of zkchat against a raw `ws` relay in the same run, with
# services it starts itself on loopback: private chats in pairs (one node; three nodes relaying
# through the leader) and one room's fan-out to 1,000 members over three nodes.
# BENCH_USERS (300), BENCH_ROOM_MEMBERS (1000), BENCH_ROOM_SENDERS, BENCH_SECONDS (30),
# BENCH_GENERATORS size it; BENCH_SCENARIOS picks scenarios (raw,same-node,cross-node for the pairs,
# raw-room,room-cross-node for the room); see bench/main.ts.
#
# The servers (ZooKeeper, Redis, the MongoDB-compatible server, chat nodes, raw relay) all run on
# CPU 0 and the load generators on CPU 1, so the client's work never competes with the servers'.
# The MongoDB-compatible server runs at nice 19, and under SCHED_IDLE during each measurement window
# (bench/archive-priority.ts; BENCH_MONGO_IDLE=0 turns that off): the archive is background work (MongoDB has its own
# machines in production), so it gets what the chat path leaves and drains after the load; the
# report shows the backlog and the drain time. BENCH_NODE_ARGS passes Node.js options to the chat
# nodes and the raw relay, BENCH_GENERATOR_ARGS to the load generators (e.g. --cpu-prof
# --cpu-prof-dir=/tmp/prof).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/install.sh
npm run -s build

pin=()
if ! command -v taskset >/dev/null 2>&1; then
  export BENCH_PIN=0 BENCH_PIN_NOTE="taskset not found (Debian package util-linux)"
elif [ "$(nproc)" -lt 2 ] || ! taskset -c 1 true 2>/dev/null || ! taskset -c 0 true 2>/dev/null; then
  export BENCH_PIN=0 BENCH_PIN_NOTE="fewer than two usable CPUs (nproc: $(nproc))"
else
  export BENCH_PIN=1
  pin=(taskset -c 0)
fi
export ZKCHAT_MONGO_NICE="${ZKCHAT_MONGO_NICE:-19}"
# Test services start the JVM with C1 only (faster start); the drain after the load wants C2 too.
export ZKCHAT_MONGO_JAVA_OPTS="${ZKCHAT_MONGO_JAVA_OPTS:--XX:TieredStopAtLevel=4}"
exec "${pin[@]}" node scripts/services.mjs run -- node dist/bench/main.js
