import WebSocket from 'ws';
import type { Logger } from '../../core/logger.js';
import { ClusterLink, type LinkLimits } from './cluster-link.js';
import { mac, macMatches, newNonce, parseChallenge, parseWelcome } from './handshake.js';

/** Connects to a peer's cluster port and runs the handshake; rejects on a wrong secret or peer. */
export function dialPeer(
  url: string,
  expectedPeerId: string,
  selfId: string,
  secret: string,
  limits: LinkLimits & { maxFrameBytes: number },
  logger: Logger,
  timeoutMs = 5000,
): Promise<ClusterLink> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, { maxPayload: limits.maxFrameBytes, handshakeTimeout: timeoutMs });
    const clientNonce = newNonce();
    let step: 'challenge' | 'welcome' = 'challenge';
    const fail = (why: string) => {
      clearTimeout(timer);
      socket.removeAllListeners('message');
      socket.terminate();
      reject(new Error(`cluster handshake with ${expectedPeerId} at ${url} failed: ${why}`));
    };
    const timer = setTimeout(() => fail('timed out'), timeoutMs);
    socket.on('error', (err) => fail(err.message));
    socket.on('close', (code) => step && fail(`closed with ${code}`));
    const onMessage = (data: WebSocket.RawData) => {
      const raw = data.toString();
      if (step === 'challenge') {
        const challenge = parseChallenge(raw);
        if (!challenge) return fail('no challenge');
        step = 'welcome';
        socket.send(JSON.stringify({ t: 'hello', nodeId: selfId, nonce: clientNonce, mac: mac(secret, 'client', challenge.nonce, selfId) }));
        return;
      }
      const welcome = parseWelcome(raw);
      if (!welcome || !macMatches(mac(secret, 'server', clientNonce, welcome.nodeId), welcome.mac)) return fail('peer did not prove the secret');
      if (welcome.nodeId !== expectedPeerId) return fail(`peer is ${welcome.nodeId}`);
      clearTimeout(timer);
      socket.off('message', onMessage);
      socket.removeAllListeners('close');
      socket.removeAllListeners('error');
      resolve(new ClusterLink(expectedPeerId, socket, limits, logger));
    };
    socket.on('message', onMessage);
  });
}
