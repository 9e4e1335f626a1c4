/**
 * The generator side of the operations measures (bench/generator.ts hands it the `ops` messages):
 * holds this generator's users between requests and answers each request when it is done.
 */
import { nowMs } from '../ipc.js';
import { progress, withConcurrency } from '../login.js';
import { FailoverTraffic } from './ops-failover-traffic.js';
import type { OpsReply, OpsRequest } from './ops-protocol.js';
import { tallyReconnects } from './ops-tally.js';
import { OpsUserConnection } from './ops-user.js';

const POLL_MS = 50;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class OpsWorker {
  #users: OpsUserConnection[] = [];
  #traffic: FailoverTraffic | null = null;

  async handle(request: OpsRequest): Promise<OpsReply> {
    switch (request.kind) {
      case 'connect': {
        this.close();
        this.#users = request.users.map((spec) => new OpsUserConnection(spec, request.gateway));
        const report = progress(request.auth === 'login' ? 'logged in' : 'connected', this.#users.length);
        let done = 0;
        const startedAt = nowMs();
        await withConcurrency(this.#users, request.concurrency, async (user) => {
          if (request.auth === 'login') await user.logIn();
          else await user.open();
          report(++done);
        });
        const loggedIn = this.#users.filter((u) => u.ready !== null).length;
        return { kind: 'connect', opened: this.#users.length, loggedIn, startedAt, doneAt: nowMs() };
      }
      case 'resume': {
        for (const user of this.#users) user.disconnect();
        let passwordLogins = 0;
        const startedAt = nowMs();
        await withConcurrency(this.#users, request.concurrency, async (user) => {
          if ((await user.resume()) === 'password') passwordLogins++;
        });
        return { kind: 'resume', resumed: this.#users.length - passwordLogins, passwordLogins, startedAt, doneAt: nowMs() };
      }
      case 'back': {
        const deadline = nowMs() + request.timeoutMs;
        const allBack = () => this.#users.every((u) => u.drops > 0 && u.ready !== null && u.backAt !== null);
        while (!allBack() && nowMs() < deadline) await sleep(POLL_MS);
        return { kind: 'back', tally: tallyReconnects(this.#users), complete: allBack() };
      }
      case 'failover': {
        this.#traffic = new FailoverTraffic(this.#users, request.plan);
        return { kind: 'failover', result: await this.#traffic.run() };
      }
      case 'disconnect':
        this.close();
        return { kind: 'disconnect' };
    }
  }

  close(): void {
    this.#traffic?.close();
    this.#traffic = null;
    for (const user of this.#users) user.close();
    this.#users = [];
  }
}
