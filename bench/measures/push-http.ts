/** A small HTTP JSON client for the push API (zkchat's admin port, or the raw relay in push mode). */
import { Agent, request } from 'node:http';

export interface HttpAnswer {
  status: number;
  body: string;
}

/** POSTs `body` as JSON to `url`, with a bearer token when one is given; rejects on a network error or after `timeoutMs`. */
export function postJson(url: string, body: unknown, token: string, agent: Agent | undefined, timeoutMs: number): Promise<HttpAnswer> {
  const payload = Buffer.from(JSON.stringify(body));
  const headers: Record<string, string | number> = { 'content-type': 'application/json', 'content-length': payload.length };
  if (token !== '') headers.authorization = `Bearer ${token}`;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A keep-alive agent for a closed loop of `sockets` requests in flight to one server. */
export function keepAliveAgent(sockets: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: sockets });
}
