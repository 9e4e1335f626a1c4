import type { ServerFrame } from '../../protocol/frames.js';
import { TestClient } from './ws-client.js';

let counter = 0;
/** A username no other test uses. */
export function uniqueName(base = 'user'): string {
  return `${base}${process.pid % 1000}_${++counter}_${Math.random().toString(36).slice(2, 6)}`;
}

export function dataOf<T>(frame: ServerFrame): T {
  return frame.data as T;
}

/** Registers a fresh user and returns a logged-in client for it. */
export async function loggedInClient(port: number, username = uniqueName(), password = 'correct-horse'): Promise<{ client: TestClient; username: string }> {
  const client = await TestClient.connect(port);
  const reg = await client.request('register', { username, password });
  if (reg.action === 'error' && (reg.data as { code: number }).code !== 409) throw new Error(`register failed: ${JSON.stringify(reg)}`);
  const login = await client.request('login', { username, password });
  if (login.action !== 'login') throw new Error(`login failed: ${JSON.stringify(login)}`);
  return { client, username };
}
