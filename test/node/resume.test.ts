import test from 'ava';
import type { ReplyData } from '../../protocol/actions.js';
import { startTestNode } from '../helpers/chat-node.js';
import { dataOf, loggedInClient } from '../helpers/users.js';
import { TestClient } from '../helpers/ws-client.js';

const TOKEN = 'test-admin-token-0123456789';
const codeOf = (frame: { action: string; data: unknown }) => (frame.action === 'error' ? (frame.data as { code: number }).code : 0);
const loginOf = (client: TestClient) => dataOf<ReplyData['login']>(client.frames.find((f) => f.action === 'login')!);

async function resumeOn(port: number, token: string): Promise<{ client: TestClient; frame: Awaited<ReturnType<TestClient['request']>> }> {
  const client = await TestClient.connect(port);
  return { client, frame: await client.request('resume', { token }) };
}

test('a resume token logs a device in without its password, once; the reply carries the next one', async (t) => {
  const { port } = await startTestNode(t);
  const alice = await loggedInClient(port);
  t.teardown(() => alice.client.close());
  const first = loginOf(alice.client);
  t.truthy(first.resumeToken);
  t.true(first.resumeExpiresAt > Date.now());

  const again = await resumeOn(port, first.resumeToken);
  t.teardown(() => again.client.close());
  t.is(again.frame.action, 'resume', JSON.stringify(again.frame));
  const resumed = dataOf<ReplyData['resume']>(again.frame);
  t.is(resumed.username, alice.username);
  t.deepEqual(resumed.inbox, first.inbox);
  t.not(resumed.resumeToken, first.resumeToken);
  t.is((await again.client.request('userInfo', { username: alice.username })).action, 'userInfo', 'logged in for real');

  const replay = await resumeOn(port, first.resumeToken);
  t.teardown(() => replay.client.close());
  t.is(codeOf(replay.frame), 401, 'a token is used up by its resume');
  const forged = await resumeOn(port, `${first.resumeToken.split('.')[0]}.AAAA`);
  t.teardown(() => forged.client.close());
  t.is(codeOf(forged.frame), 401);
});

test('a resume token expires, and is refused after its device logs out or its user is kicked', async (t) => {
  const { node, port } = await startTestNode(t, { RESUME_TOKEN_TTL_MS: '1500', ADMIN_TOKEN: TOKEN });
  const bob = await loggedInClient(port);
  t.teardown(() => bob.client.close());
  const expiring = loginOf(bob.client);
  // Waiting for the clock to pass the token's own expiry, then the outcome:
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiring.resumeExpiresAt - Date.now()) + 50));
  const expired = await resumeOn(port, expiring.resumeToken);
  t.teardown(() => expired.client.close());
  t.is(codeOf(expired.frame), 401);

  const carol = await loggedInClient(port);
  const carolToken = loginOf(carol.client).resumeToken;
  await carol.client.request('logout');
  carol.client.close();
  const afterLogout = await resumeOn(port, carolToken);
  t.teardown(() => afterLogout.client.close());
  t.is(codeOf(afterLogout.frame), 401, 'logout revokes the device token');

  const dave = await loggedInClient(port);
  t.teardown(() => dave.client.close());
  const daveToken = loginOf(dave.client).resumeToken;
  const res = await fetch(`http://127.0.0.1:${node.adminPort}/kick`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ username: dave.username }),
  });
  t.is(res.status, 200);
  t.is((await dave.client.closed).code, 4500);
  const afterKick = await resumeOn(port, daveToken);
  t.teardown(() => afterKick.client.close());
  t.is(codeOf(afterKick.frame), 401, 'a kick revokes every token of the user');
});
