import { ConnectionError } from './errors.js';

/**
 * Where the client connects. A gateway address (http:// or https://) is asked for a chat node
 * before every (re)connect, so a client whose node died lands on a live one; a ws:// or wss://
 * address is a chat node used as it is.
 */
export const DEFAULT_ADDRESS = 'http://127.0.0.1:4000';

const LOOKUP_TIMEOUT_MS = 5000;

export function isGatewayAddress(address: string): boolean {
  return /^https?:\/\//i.test(address);
}

/** Returns null when the address is usable, else a sentence saying what is wrong. */
export function checkAddress(value: string): string | null {
  try {
    const { protocol } = new URL(value.trim());
    return ['http:', 'https:', 'ws:', 'wss:'].includes(protocol) ? null : 'the address must start with http:// (a gateway) or ws:// (a chat node)';
  } catch {
    return 'that is not an address, e.g. http://127.0.0.1:4000 or ws://127.0.0.1:4101';
  }
}

/** The chat node URL to connect to now; rejects with a sentence a person understands. */
export async function resolveNodeUrl(address: string): Promise<string> {
  if (!isGatewayAddress(address)) return address;
  const lookup = new URL('/server', address);
  let res: Response;
  try {
    res = await fetch(lookup, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
  } catch {
    throw new ConnectionError(`the gateway at ${address} does not answer`);
  }
  const body = (await res.json().catch(() => null)) as { url?: unknown; error?: { message?: unknown } } | null;
  if (res.ok && typeof body?.url === 'string') return body.url;
  const reason = typeof body?.error?.message === 'string' ? body.error.message : `status ${res.status}`;
  throw new ConnectionError(`the gateway has no chat server for us: ${reason}`);
}
