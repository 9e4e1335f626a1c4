import { performance } from 'node:perf_hooks';
import type { Command, Redis } from 'ioredis';

/**
 * Times every command of `redis`, auto-pipelined or not, from the moment ioredis takes it to its
 * answer. ioredis has no per-command hook, but every command, pipelines and scripts included, goes
 * through the instance's `sendCommand`, so that is wrapped on this instance only (the blocking
 * connections are left alone: their reads wait on purpose). Scripts are named by their
 * `defineCommand` name instead of `evalsha`.
 */
export function timeRedisCommands(redis: Redis, observe: (command: string, seconds: number) => void): void {
  const send = redis.sendCommand.bind(redis);
  // A command queued while Redis was down is sent again on reconnect: time it once.
  const timing = new WeakSet<Command>();
  const scriptNames = new Map<string, string>();
  const nameOf = (command: Command): string => {
    if (command.name !== 'evalsha') return command.name;
    const sha = String(command.args[0] ?? '');
    let name = scriptNames.get(sha);
    if (name === undefined) {
      name = scriptName(redis, sha) ?? command.name;
      scriptNames.set(sha, name);
    }
    return name;
  };
  redis.sendCommand = (command, stream) => {
    if (!timing.has(command)) {
      timing.add(command);
      // Named now: a script's first run on a connection is rewritten to `eval` with the Lua text when written.
      const name = nameOf(command);
      const started = performance.now();
      const done = () => observe(name, (performance.now() - started) / 1000);
      command.promise.then(done, done);
    }
    return send(command, stream);
  };
}

/** The `defineCommand` name of the script with this SHA-1, if this client defined it. */
function scriptName(redis: Redis, sha: string): string | undefined {
  const scripts = redis.scriptsSet as Record<string, { sha?: unknown } | undefined>;
  for (const [name, script] of Object.entries(scripts)) if (script?.sha === sha) return name;
  return undefined;
}
