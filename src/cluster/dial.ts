import { get } from 'node:http';
import WebSocket from 'ws';
import type { Logger } from '../../core/logger.js';
import { ClusterLink, type LinkLimits } from './cluster-link.js';
import { CHALLENGE_PATH, Header, LINK_PATH, LINK_PROTOCOL, mac, macMatches, newNonce } from './handshake.js';

/**
 * Connects to a peer's cluster port (`ws://host:port`) and runs the handshake of handshake.ts;
 * rejects on a wrong secret, a wrong peer, or no answer within `timeoutMs`.
 */
export async function dialPeer(url: string, expectedPeerId: string, selfId: string, secret: string, limits: LinkLimits, logger: Logger, timeoutMs = 5000): Promise<ClusterLink> {
  const failure = (why: string) => new Error(`cluster handshake with ${expectedPeerId} at ${url} failed: ${why}`);
  const nonce = await fetchChallenge(url.replace(/^ws/, 'http') + CHALLENGE_PATH, timeoutMs).catch((err: unknown) => {
    throw failure((err as Error).message);
  });
  const clientNonce = newNonce();
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url + LINK_PATH, {
      maxPayload: limits.maxFrameBytes,
      handshakeTimeout: timeoutMs,
      headers: { [Header.LINK_PROTOCOL]: LINK_PROTOCOL, [Header.NODE]: selfId, [Header.NONCE]: nonce, [Header.CLIENT_NONCE]: clientNonce, [Header.MAC]: mac(secret, 'client', nonce, selfId) },
    });
    let peerProved = false;
    let peerProtocol: string | undefined;
    const fail = (why: string) => {
      socket.removeAllListeners();
      socket.on('error', () => undefined);
      socket.terminate();
      reject(failure(why));
    };
    socket.once('upgrade', (response) => {
      const peer = response.headers[Header.NODE];
      const proof = response.headers[Header.MAC];
      peerProved = peer === expectedPeerId && typeof proof === 'string' && macMatches(mac(secret, 'server', clientNonce, expectedPeerId), proof);
      const protocol = response.headers[Header.LINK_PROTOCOL];
      peerProtocol = typeof protocol === 'string' ? protocol : undefined;
    });
    socket.once('unexpected-response', (_request, response) => fail(`refused with HTTP ${response.statusCode ?? '?'}`));
    socket.once('error', (err) => fail(err.message));
    socket.once('open', () => {
      if (!peerProved) return fail('peer did not prove the secret, or is another node');
      if (peerProtocol !== LINK_PROTOCOL) return fail(`peer speaks link protocol ${peerProtocol ?? '1'}, this node ${LINK_PROTOCOL}: run one version on every node`);
      socket.removeAllListeners();
      resolve(new ClusterLink(expectedPeerId, socket, limits, logger));
    });
  });
}

/** GET the one-use challenge nonce. */
function fetchChallenge(url: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const request = get(url, { timeout: timeoutMs, headers: { connection: 'close' } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length + chunk.length > 1024) request.destroy(new Error('challenge answer too large'));
        else body += chunk;
      });
      response.on('end', () => {
        if (response.statusCode !== 200) return reject(new Error(`challenge refused with HTTP ${response.statusCode ?? '?'}`));
        try {
          const { nonce } = JSON.parse(body) as { nonce?: unknown };
          if (typeof nonce === 'string' && nonce.length > 0) return resolve(nonce);
        } catch {
          // fall through
        }
        reject(new Error('no challenge in the answer'));
      });
    });
    request.on('timeout', () => request.destroy(new Error('timed out')));
    request.on('error', reject);
  });
}
