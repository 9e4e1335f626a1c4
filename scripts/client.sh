#!/usr/bin/env bash
# npm run client: starts the terminal client, building it first only when a source it is made of
# (client/, core/, protocol/, tsconfig.json) is newer than its build; a full tsc takes seconds.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ENTRY=dist/client/main.js

stale() {
  [ ! -f "$ENTRY" ] && return 0
  [ tsconfig.json -nt "$ENTRY" ] && return 0
  [ -n "$(find client core protocol -name '*.ts' -newer "$ENTRY" -print -quit 2>/dev/null)" ]
}

if stale; then
  echo "building the client (its sources changed since the last build)…" >&2
  if ! npm run -s build; then
    # tsc still writes what it could compile: errors elsewhere in the project need not stop the client.
    if stale; then echo "the client could not be built" >&2; exit 1; fi
    echo "the build reported errors (above); starting the client anyway" >&2
  fi
fi
exec node "$ENTRY"
