/**
 * A load generator process, forked by run-scenario.ts with an IPC channel (pinned to CPU 1 when
 * BENCH_PIN=1). It drives whole pairs of users, or a whole room: setup → ready, start → result,
 * close → exit; or pairs at fixed rates (open-loop-load.ts): open-setup → ready, open-window → open-result.
 * The push measures' kinds (measures/push-ipc.ts) go to measures/push-load.ts.
 */
import { isToGenerator, type FromGenerator, type ToGenerator } from './ipc.js';
import { Load } from './load.js';
import { OpenLoopLoad } from './open-loop-load.js';
import { isPushToGenerator } from './measures/push-ipc.js';
import { PushLoad } from './measures/push-load.js';
import { OpsWorker } from './measures/ops-worker.js';
import { toData } from './stats.js';

if (!process.send) {
  process.stderr.write('bench/generator.js is started by bench/main.js (npm run bench), not by hand\n');
  process.exit(2);
}

function send(message: FromGenerator): Promise<void> {
  return new Promise((resolve) => process.send!(message, undefined, {}, () => resolve()));
}

let failed = false;
function fail(message: string): void {
  if (failed) return;
  failed = true;
  void send({ type: 'error', message }).finally(() => process.exit(1));
}

const load = new Load(fail);
const openLoop = new OpenLoopLoad(fail);
const pushLoad = new PushLoad(fail);
const ops = new OpsWorker();

async function handle(message: ToGenerator): Promise<void> {
  if (isPushToGenerator(message)) return send(await pushLoad.handle(message));
  switch (message.type) {
    case 'setup': {
      const started = performance.now();
      await load.setup(message.users, message.loginConcurrency, message.traffic);
      await send({ type: 'ready', loginMs: performance.now() - started });
      return;
    }
    case 'start': {
      const result = await load.run(message.warmupAt, message.startAt, message.endAt);
      await send({ type: 'result', result: toData(result) });
      return;
    }
    case 'open-setup': {
      const started = performance.now();
      await openLoop.setup(message.users, message.loginConcurrency);
      await send({ type: 'ready', loginMs: performance.now() - started });
      return;
    }
    case 'open-window':
      await send({ type: 'open-result', ...(await openLoop.window(message.startAt, message.endAt, message.ratePerSec)) });
      return;
    case 'ops':
      await send({ type: 'ops-reply', reply: await ops.handle(message.request) });
      return;
    case 'close':
      load.close();
      openLoop.close();
      pushLoad.close();
      ops.close();
      // Give the close frames a moment to go out.
      setTimeout(() => process.exit(0), 300);
      return;
  }
}

process.on('message', (message: unknown) => {
  if (!isToGenerator(message)) return fail(`unexpected IPC message ${JSON.stringify(message)}`);
  handle(message).catch((err: unknown) => fail(err instanceof Error ? err.message : String(err)));
});
// main is gone (crashed or killed): no one wants the load any more.
process.on('disconnect', () => {
  if (!failed) process.exit(0);
});
process.on('uncaughtException', (err) => fail(`uncaught: ${err.stack ?? err.message}`));
