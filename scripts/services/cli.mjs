// CLI entry: argument parsing, usage text and dispatch to start/stop/status/run.

import path from 'node:path';

import { ROOT } from './common.mjs';
import { cliStart, cliStatus, cliStop } from './local.mjs';
import { cliRun } from './run.mjs';

function parseArgs(argv) {
  const flags = {};
  const rest = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      if (eq > 0) flags[a.slice(2, eq)] = a.slice(eq + 1);
      else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags[a.slice(2)] = argv[++i];
      else flags[a.slice(2)] = true;
    } else rest.push(a);
  }
  return { flags, rest };
}

function usage() {
  return `usage:
  node scripts/services.mjs start  [--dir DIR] [--zk PORT] [--redis PORT] [--mongo PORT] [--timeout SECONDS]
  node scripts/services.mjs stop   [--dir DIR]
  node scripts/services.mjs status [--dir DIR]
  node scripts/services.mjs run -- COMMAND [ARGS...]

  DIR defaults to .data/local; ports default to 2181 / 6379 / 27017 (env ZK_PORT, REDIS_PORT, MONGO_PORT).
  start prints ZK_CONNECT=..., REDIS_URL=..., MONGO_URL=... on stdout.
  run starts all three on free ports under .data/test-PID, runs COMMAND with those
  variables set, then stops them and removes the directory; if ZK_CONNECT, REDIS_URL
  and MONGO_URL are already all set, it only runs COMMAND.
`;
}

export async function main(argv) {
  const [cmd, ...tail] = argv;
  if (cmd === 'run') {
    const dd = tail.indexOf('--');
    return cliRun(dd >= 0 ? tail.slice(dd + 1) : tail);
  }
  const { flags } = parseArgs(tail);
  const dir = path.resolve(typeof flags.dir === 'string' ? flags.dir : path.join(ROOT, '.data', 'local'));
  switch (cmd) {
    case 'start':
      return cliStart(dir, flags);
    case 'stop':
      return cliStop(dir);
    case 'status':
      return cliStatus(dir, flags);
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(usage());
      return 0;
    default:
      process.stderr.write(usage());
      return 2;
  }
}
