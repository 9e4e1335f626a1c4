import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { ConfigError, envString, type Env } from '../env.js';

/**
 * Which direct peers may name the client in `X-Forwarded-For` (TRUST_PROXY): every loopback
 * address (a proxy on the same machine), or exactly the listed addresses.
 */
export type ProxyTrust = { kind: 'loopback' } | { kind: 'addresses'; addresses: ReadonlySet<string> };

/** Reads TRUST_PROXY: off (the default), on (loopback peers), or a comma-separated list of proxy addresses. */
export function loadProxyTrust(env: Env): ProxyTrust | null {
  const raw = envString(env, 'TRUST_PROXY', 'off');
  if (/^(0|false|off|no)$/i.test(raw)) return null;
  if (/^(1|true|on|yes)$/i.test(raw)) return { kind: 'loopback' };
  const addresses = raw.split(',').map((part) => bareAddress(part.trim()));
  if (addresses.some((address) => isIP(address) === 0)) {
    throw new ConfigError(`TRUST_PROXY must be off, on (loopback proxies) or a comma-separated list of proxy IP addresses, got "${raw}"`);
  }
  return { kind: 'addresses', addresses: new Set(addresses) };
}

/**
 * The address per-address limits and logs use: the peer's, or, when the peer is a trusted proxy,
 * the first `X-Forwarded-For` entry. Only the first: the proxy must set the header itself
 * (nginx: `proxy_set_header X-Forwarded-For $remote_addr;`), never append to what the client sent.
 */
export function clientAddress(request: IncomingMessage, trust: ProxyTrust | null): string {
  const peer = request.socket.remoteAddress ?? '';
  if (trust === null || !isTrusted(bareAddress(peer), trust)) return peer;
  const header = request.headers['x-forwarded-for'];
  const first = (Array.isArray(header) ? header[0] : header)?.split(',')[0]?.trim() ?? '';
  return isIP(first) !== 0 ? first : peer;
}

function isTrusted(peer: string, trust: ProxyTrust): boolean {
  return trust.kind === 'loopback' ? isLoopback(peer) : trust.addresses.has(peer);
}

function isLoopback(address: string): boolean {
  return address === '::1' || (isIP(address) === 4 && address.startsWith('127.'));
}

/** An IPv4 peer of a dual-stack socket reads `::ffff:10.0.0.5`; compare it as `10.0.0.5`. */
function bareAddress(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
}
