/** The main side of the generator processes: fork them (pinned to CPU 1 when asked), talk over IPC. */
import { fileURLToPath } from 'node:url';
import { isFromGenerator, type FromGenerator, type ToGenerator } from './ipc.js';
import { describeExit, spawnTracked, stopProcess, type Tracked } from './processes.js';

const GENERATOR_MAIN = fileURLToPath(new URL('./generator.js', import.meta.url));

type Reply<T extends FromGenerator['type']> = Extract<FromGenerator, { type: T }>;

export class GeneratorProcess {
  readonly #proc: Tracked;
  readonly #inbox: FromGenerator[] = [];
  #wake: () => void = () => undefined;
  #failure: Error | null = null;

  constructor(readonly name: string, pin: boolean) {
    // `taskset -c 1 node …` keeps the load off CPU 0, where the servers run (and which main
    // inherited from scripts/bench.sh); unpinned otherwise.
    const node = [process.execPath, ...generatorArgs(), GENERATOR_MAIN];
    const [command, args] = pin ? ['taskset', ['-c', '1', ...node]] : [node[0]!, node.slice(1)];
    // BENCH_GENERATOR_NAME: the name its progress lines carry.
    this.#proc = spawnTracked(name, command, args, { env: { ...process.env, BENCH_GENERATOR_NAME: name }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#proc.child.on('message', (message: unknown) => {
      if (!isFromGenerator(message)) this.#fail(new Error(`${name} sent ${JSON.stringify(message)}`));
      else if (message.type === 'error') this.#fail(new Error(`${name}: ${message.message}`));
      else this.#inbox.push(message);
      this.#wake();
    });
    void this.#proc.exited.then((info) => {
      this.#fail(new Error(`${name} ${describeExit(info)}`));
      this.#wake();
    });
  }

  get pid(): number | undefined {
    return this.#proc.child.pid;
  }

  send(message: ToGenerator): void {
    if (this.#proc.running && this.#proc.child.connected) this.#proc.child.send(message);
  }

  /** The next message of this type; rejects if the generator fails first or `timeoutMs` passes. */
  async expect<T extends FromGenerator['type']>(type: T, timeoutMs: number): Promise<Reply<T>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.#inbox.findIndex((m) => m.type === type);
      if (i >= 0) return this.#inbox.splice(i, 1)[0] as Reply<T>;
      if (this.#failure) throw this.#failure;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.name}: no "${type}" within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => (clearTimeout(timer), resolve());
      });
    }
  }

  /** Asks it to close its sockets and exit; kills it if it does not within a few seconds. */
  async close(): Promise<void> {
    this.send({ type: 'close' });
    const quick = await Promise.race([this.#proc.exited.then(() => true), new Promise((r) => setTimeout(r, 3000, false))]);
    if (!quick) await stopProcess(this.#proc, 2000);
  }

  #fail(err: Error): void {
    this.#failure ??= err;
  }
}

/** BENCH_GENERATOR_ARGS: extra Node.js options for the generators, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`. */
function generatorArgs(): string[] {
  return (process.env.BENCH_GENERATOR_ARGS ?? '').split(/\s+/).filter((arg) => arg !== '');
}
