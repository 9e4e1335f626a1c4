import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isPlainObject } from '../../protocol/schema.js';

/**
 * Mutual challenge-response on the cluster port, so that only holders of CLUSTER_SECRET
 * can relay messages and a node never relays to an impostor:
 *   server → client  {t:'challenge', nonce}
 *   client → server  {t:'hello', nodeId, nonce: clientNonce, mac: HMAC(secret, 'client|'+nonce+'|'+nodeId)}
 *   server → client  {t:'welcome', nodeId, mac: HMAC(secret, 'server|'+clientNonce+'|'+serverNodeId)}
 * The secret itself never crosses the wire; fresh nonces stop replays.
 */
export interface Challenge { t: 'challenge'; nonce: string }
export interface Hello { t: 'hello'; nodeId: string; nonce: string; mac: string }
export interface Welcome { t: 'welcome'; nodeId: string; mac: string }

export const newNonce = () => randomBytes(16).toString('base64');

export function mac(secret: string, role: 'client' | 'server', nonce: string, nodeId: string): string {
  return createHmac('sha256', secret).update(`${role}|${nonce}|${nodeId}`).digest('base64');
}

export function macMatches(expected: string, given: string): boolean {
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parse(raw: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(raw);
    return isPlainObject(value) ? value : null;
  } catch {
    return null;
  }
}

const str = (v: unknown, max = 128): v is string => typeof v === 'string' && v.length > 0 && v.length <= max;

export function parseChallenge(raw: string): Challenge | null {
  const m = parse(raw);
  return m && m.t === 'challenge' && str(m.nonce) ? { t: 'challenge', nonce: m.nonce } : null;
}

export function parseHello(raw: string): Hello | null {
  const m = parse(raw);
  return m && m.t === 'hello' && str(m.nodeId) && str(m.nonce) && str(m.mac) ? { t: 'hello', nodeId: m.nodeId, nonce: m.nonce, mac: m.mac } : null;
}

export function parseWelcome(raw: string): Welcome | null {
  const m = parse(raw);
  return m && m.t === 'welcome' && str(m.nodeId) && str(m.mac) ? { t: 'welcome', nodeId: m.nodeId, mac: m.mac } : null;
}
