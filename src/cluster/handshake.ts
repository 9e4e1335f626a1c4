import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Mutual authentication on the cluster port, done in HTTP before any WebSocket exists, so an
 * unauthenticated peer can never send a frame:
 *   1. dialer:  GET /cluster/challenge            → {"nonce": N}   (one use, short-lived)
 *   2. dialer:  GET /cluster/link (upgrade) with  x-zkchat-node: D, x-zkchat-nonce: N,
 *               x-zkchat-client-nonce: C, x-zkchat-mac: HMAC(secret, "client|N|D")
 *   3. server:  101 with x-zkchat-node: S, x-zkchat-mac: HMAC(secret, "server|C|S"), or 401
 * The secret never crosses the wire; fresh nonces on both sides stop replays in either direction.
 * Both sides also send x-zkchat-link-protocol (LINK_PROTOCOL); a mismatch is refused (426).
 */
export const CHALLENGE_PATH = '/cluster/challenge';
export const LINK_PATH = '/cluster/link';

/**
 * The format of link frames (link-messages.ts). Both sides send theirs in the handshake and refuse a
 * peer with another, so a cluster of mixed versions fails at once and says why, instead of closing
 * every link on its first frame. 3: a relay to one user carries the client frame encoded by its
 * origin; 2: every relay carried a JSON delivery; both one message per line (1: a JSON array, which
 * sent no header).
 */
export const LINK_PROTOCOL = '3';

export const Header = {
  LINK_PROTOCOL: 'x-zkchat-link-protocol',
  NODE: 'x-zkchat-node',
  NONCE: 'x-zkchat-nonce',
  CLIENT_NONCE: 'x-zkchat-client-nonce',
  MAC: 'x-zkchat-mac',
} as const;

export const newNonce = () => randomBytes(16).toString('base64url');

export function mac(secret: string, role: 'client' | 'server', nonce: string, nodeId: string): string {
  return createHmac('sha256', secret).update(`${role}|${nonce}|${nodeId}`).digest('base64url');
}

export function macMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Node ids and nonces as they may appear in a header: short, no spaces or control characters. */
export function headerToken(value: string | string[] | undefined, max = 128): string | undefined {
  return typeof value === 'string' && value.length > 0 && value.length <= max && /^[\x21-\x7e]+$/.test(value) ? value : undefined;
}

/**
 * The challenges handed out and not used yet. Each works once and only for `ttlMs`; at most
 * `capacity` are outstanding, so asking for challenges cannot grow memory.
 */
export class Challenges {
  readonly #issued = new Map<string, number>();

  constructor(private readonly ttlMs: number, private readonly capacity: number) {}

  /** A fresh nonce, or null when too many are outstanding. */
  issue(now = Date.now()): string | null {
    for (const [nonce, expiresAt] of this.#issued) {
      if (expiresAt > now) break; // insertion order: the rest expire later
      this.#issued.delete(nonce);
    }
    if (this.#issued.size >= this.capacity) return null;
    const nonce = newNonce();
    this.#issued.set(nonce, now + this.ttlMs);
    return nonce;
  }

  /** Uses up `nonce`; true if it was issued here and has not expired or been used. */
  redeem(nonce: string, now = Date.now()): boolean {
    const expiresAt = this.#issued.get(nonce);
    this.#issued.delete(nonce);
    return expiresAt !== undefined && expiresAt > now;
  }
}
