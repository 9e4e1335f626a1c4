#!/usr/bin/env bash
# Installs everything zkchat needs to run its real services on a fresh Debian
# machine, and does nothing (silently, in well under a second) when all is there:
#   - Debian packages: zookeeper, redis-server (+ maven, default-jdk-headless if
#     mvn / javac are missing)
#   - node_modules (npm ci) when missing or older than package-lock.json
#   - the MongoDB-compatible server launcher (scripts/mongo/) built into .cache/mongo/
# Usage: bash scripts/install.sh        (as root, or as a user with sudo)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

say() { printf 'install.sh: %s\n' "$*" >&2; }
die() { printf 'install.sh: ERROR: %s\n' "$*" >&2; exit 1; }

# run a command with its output in a log; show the log only if it fails
quietly() {
  local what="$1"; shift
  local log
  log="$(mktemp "${TMPDIR:-/tmp}/zkchat-install.XXXXXX")"
  local rc=0
  "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -ne 0 ]; then
    say "$what failed (exit code $rc); last lines of its output:"
    tail -n 60 "$log" | cut -c1-400 >&2 || true
    rm -f "$log"
    die "$what failed"
  fi
  rm -f "$log"
}

# ---------------------------------------------------------------- apt packages
pkg_installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

missing=()
pkg_installed zookeeper || missing+=(zookeeper)
pkg_installed redis-server || missing+=(redis-server)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
if ! command -v javac >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then
  missing+=(default-jdk-headless)
fi

if [ "${#missing[@]}" -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 || die "missing ${missing[*]} and no apt-get (this script expects Debian)"
  SUDO=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "missing ${missing[*]}: run this script as root (no sudo here)"
    SUDO=(sudo)
  fi
  say "installing Debian packages: ${missing[*]}"
  quietly "apt-get update" "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  quietly "apt-get install" "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends "${missing[@]}"

  # zkchat runs its own ZooKeeper/Redis (scripts/services.mjs). On a machine with
  # systemd the packages start system-wide instances on 2181/6379, which would
  # collide with the local cluster's default ports: stop and disable the ones
  # this run just installed (set ZKCHAT_KEEP_SYSTEM_SERVICES=1 to keep them).
  if [ -z "${ZKCHAT_KEEP_SYSTEM_SERVICES:-}" ] && [ -d /run/systemd/system ] && command -v systemctl >/dev/null 2>&1; then
    for unit in zookeeper redis-server; do
      case " ${missing[*]} " in *" $unit "*) ;; *) continue ;; esac
      if systemctl is-enabled --quiet "$unit" 2>/dev/null || systemctl is-active --quiet "$unit" 2>/dev/null; then
        say "disabling the system-wide $unit service (zkchat starts its own)"
        "${SUDO[@]}" systemctl disable --now "$unit" >/dev/null 2>&1 || say "could not disable $unit; stop it by hand if its port is needed"
      fi
    done
  fi
fi

for f in /usr/share/java/zookeeper.jar /usr/share/java/slf4j-simple.jar; do
  [ -f "$f" ] || die "$f is missing although the zookeeper package is installed"
done
command -v redis-server >/dev/null 2>&1 || [ -x /usr/bin/redis-server ] || die "redis-server not found after install"

# ---------------------------------------------------------------- node modules
command -v node >/dev/null 2>&1 || die "node is not installed (Node >= 20.19 is required)"
command -v npm >/dev/null 2>&1 || die "npm is not installed"
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' \
  || die "Node $(node --version) is too old: zkchat needs >= 20.19"

need_npm=0
if [ ! -d node_modules ]; then
  need_npm=1
elif [ -f package-lock.json ]; then
  # npm rewrites node_modules/.package-lock.json on every install
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    need_npm=1
  fi
elif [ package.json -nt node_modules ]; then
  need_npm=1
fi
if [ "$need_npm" -eq 1 ]; then
  if [ -f package-lock.json ]; then
    say "installing node modules (npm ci)"
    quietly "npm ci" npm ci --no-audit --no-fund --loglevel=error
  else
    say "installing node modules (npm install)"
    quietly "npm install" npm install --no-audit --no-fund --loglevel=error
  fi
fi

# ---------------------------------------------------------------- mongo launcher
SRC_DIR="$ROOT/scripts/mongo"
OUT="$ROOT/.cache/mongo"
CLASS="$OUT/classes/ZkchatMongo.class"
CPFILE="$OUT/classpath.txt"

launcher_fresh() {
  [ -f "$CLASS" ] && [ -f "$CPFILE" ] || return 1
  [ "$CLASS" -nt "$SRC_DIR/ZkchatMongo.java" ] && [ "$CLASS" -nt "$SRC_DIR/pom.xml" ] || return 1
  [ "$CPFILE" -nt "$SRC_DIR/pom.xml" ] || return 1
  # the jars live in the Maven cache (~/.m2), which may have been wiped
  local jar
  IFS=':' read -r -a jars <"$CPFILE"
  [ "${#jars[@]}" -gt 0 ] || return 1
  for jar in "${jars[@]}"; do
    [ -f "$jar" ] || return 1
  done
}

if ! launcher_fresh; then
  say "building the MongoDB-compatible server launcher into .cache/mongo/"
  mkdir -p "$OUT"
  rm -rf "$OUT/classes.tmp" "$CPFILE.tmp"
  quietly "resolving mongo-java-server with Maven" \
    mvn -B -q -Dstyle.color=never -f "$SRC_DIR/pom.xml" \
      dependency:build-classpath -Dmdep.outputFile="$CPFILE.tmp"
  [ -s "$CPFILE.tmp" ] || die "Maven produced an empty classpath ($CPFILE.tmp)"
  mkdir -p "$OUT/classes.tmp"
  quietly "compiling ZkchatMongo.java" \
    javac -nowarn -d "$OUT/classes.tmp" -cp "$(cat "$CPFILE.tmp")" "$SRC_DIR/ZkchatMongo.java"
  rm -rf "$OUT/classes"
  mv "$OUT/classes.tmp" "$OUT/classes"
  mv "$CPFILE.tmp" "$CPFILE"
  touch "$CLASS" "$CPFILE"
fi
