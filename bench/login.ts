/** Setup work of a generator: users registered and logged in, a few at a time, with progress on stdout. */
import { Connection, errorOf } from './connection.js';
import { nowMs, type UserSpec } from './ipc.js';

/** Progress lines at most this often (setup of 1,000 zkchat users takes minutes: two scrypts each). */
const PROGRESS_EVERY_MS = 10_000;

/** Prints `<generator>: <label> done/total` now and then, and once when all are done. */
export function progress(label: string, total: number): (done: number) => void {
  const name = process.env.BENCH_GENERATOR_NAME ?? 'generator';
  const started = nowMs();
  let last = started;
  return (done) => {
    const now = nowMs();
    if (done < total && now - last < PROGRESS_EVERY_MS) return;
    last = now;
    console.log(`bench: ${name}: ${label} ${done}/${total} (${((now - started) / 1000).toFixed(0)} s)`);
  };
}

/** Runs `work` over `items` with at most `limit` at a time; the first failure rejects. */
export async function withConcurrency<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** `register`: false when the account exists already (bench/cheap-users.ts): registering costs a scrypt even then. */
async function logIn(user: UserSpec, register: boolean): Promise<Connection> {
  const conn = await Connection.open(user.url);
  const credentials = { username: user.username, password: user.password };
  const registered = register ? await conn.requestAsync('register', credentials) : null;
  const regError = registered && errorOf(registered);
  // 409: the name exists already (a rerun with the same tag); its password is ours all the same.
  if (regError && regError.code !== 409) throw new Error(`register ${user.username}: ${regError.code} ${regError.message}`);
  const login = await conn.requestAsync('login', credentials);
  const loginError = errorOf(login);
  if (loginError) throw new Error(`login ${user.username}: ${loginError.code} ${loginError.message}`);
  return conn;
}

/** Logs every user in, `concurrency` at a time (each login costs the server a scrypt); by user index. */
export async function logInAll(
  users: readonly UserSpec[],
  concurrency: number,
  onClose: (user: UserSpec, code: number, reason: string) => void,
  register = true,
): Promise<Map<number, Connection>> {
  const conns = new Map<number, Connection>();
  const report = progress('logged in', users.length);
  await withConcurrency(users, concurrency, async (user) => {
    const conn = await logIn(user, register);
    conn.onClose = (code, reason) => onClose(user, code, reason);
    conns.set(user.index, conn);
    report(conns.size);
  });
  return conns;
}
