import { readFileSync } from 'node:fs';
import test from 'ava';
import { ClusterCloseCode, CloseCode, ErrorCode } from '../../protocol/codes.js';
import { loadNodeConfig } from '../../src/config.js';
import { DEFAULT_LIMITS, limitVariables, loadLimits } from '../../src/limits.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

/** The text of the README section under `heading`, up to the next heading. */
function section(heading: string): string {
  const start = readme.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const next = readme.slice(start + heading.length + 2).search(/\n#{2,3} /);
  return next < 0 ? readme.slice(start) : readme.slice(start, start + heading.length + 2 + next);
}

const tableCodes = (text: string) => new Set([...text.matchAll(/^\| (\d{3,4}) \|/gm)].map((m) => Number(m[1])));

for (const [name, catalog] of [['error', ErrorCode], ['close', CloseCode], ['cluster close', ClusterCloseCode]] as const) {
  test(`${name} codes are unique`, (t) => {
    const codes = Object.values(catalog);
    t.is(new Set(codes).size, codes.length);
  });
}

test('every error code and client close code is in its README table, and the tables list no others', (t) => {
  t.deepEqual(tableCodes(section('### Error codes')), new Set(Object.values(ErrorCode)));
  t.deepEqual(tableCodes(section('### Close codes')), new Set(Object.values(CloseCode)));
});

test('every cluster close code is documented in the README cluster section', (t) => {
  const cluster = section('## Cluster');
  for (const [name, code] of Object.entries(ClusterCloseCode)) t.regex(cluster, new RegExp(`\\b${code}\\b`), name);
});

test('every limit has its variable and default in the README configuration table', (t) => {
  const configuration = section('## Configuration');
  for (const variable of limitVariables()) t.true(configuration.includes(`\`${variable}\``), variable);
  t.true(configuration.includes(`\`${DEFAULT_LIMITS.inbox.maxEvents}\``));
  t.true(configuration.includes(`\`${DEFAULT_LIMITS.link.maxFrameBytes}\``));
});

test('a limit out of its range stops start-up with its name', (t) => {
  t.throws(() => loadLimits({ INBOX_MAX_EVENTS: '3' }), { message: /INBOX_MAX_EVENTS must be an integer between 10 and/ });
  t.throws(() => loadLimits({ ARCHIVE_BATCH_SIZE: 'lots' }), { message: /ARCHIVE_BATCH_SIZE/ });
  t.is(loadLimits({ RELAY_TIMEOUT_MS: '2500' }).relay.timeoutMs, 2500);
});

test('ARCHIVE_WRITER is on unless turned off, and a value that is neither stops start-up with its name', (t) => {
  const secret = { CLUSTER_SECRET: 'a-secret-of-enough-length' };
  t.true(loadNodeConfig(secret).archiveWriter);
  t.false(loadNodeConfig({ ...secret, ARCHIVE_WRITER: 'off' }).archiveWriter);
  t.false(loadNodeConfig({ ...secret, ARCHIVE_WRITER: '0' }).archiveWriter);
  t.throws(() => loadNodeConfig({ ...secret, ARCHIVE_WRITER: 'maybe' }), { message: /ARCHIVE_WRITER must be on or off/ });
});

test('a NODE_ID that cannot name a znode and a session field stops start-up with its name', (t) => {
  const secret = { CLUSTER_SECRET: 'a-secret-of-enough-length' };
  t.is(loadNodeConfig({ ...secret, NODE_ID: 'eu-west.node_2' }).nodeId, 'eu-west.node_2');
  t.is(loadNodeConfig({ ...secret, CLIENT_PORT: '4107' }).nodeId, 'node-4107');
  for (const bad of ['node 1', 'a/b', 'x,y', 'n'.repeat(65)]) {
    t.throws(() => loadNodeConfig({ ...secret, NODE_ID: bad }), { message: /NODE_ID must be 1-64 letters/ }, bad);
  }
});
