import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test, { type ExecutionContext } from 'ava';
import { distPath } from '../helpers/spawn.js';

// scripts/client.sh (`npm run client`) in a throwaway project whose "build" only records that it
// ran and writes a stand-in client, so the test sees when the launcher builds and when it does not.

const OLD = new Date('2020-01-01T00:00:00Z');
const BUILT = new Date('2021-01-01T00:00:00Z');
const EDITED = new Date('2022-01-01T00:00:00Z');

function project(t: ExecutionContext, build = 'ok'): string {
  const dir = mkdtempSync(join(tmpdir(), 'zkchat-launcher-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const sub of ['scripts', 'client', 'core', 'protocol', 'src', 'dist/client']) mkdirSync(join(dir, sub), { recursive: true });
  copyFileSync(distPath('scripts/client.sh'), join(dir, 'scripts/client.sh'));
  const buildScript =
    build === 'ok'
      ? `require('fs').appendFileSync('build.log', 'built\\n'); require('fs').writeFileSync('dist/client/main.js', 'console.log("client started")');`
      : `require('fs').appendFileSync('build.log', 'failed\\n'); process.exit(2);`;
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'launcher-test', private: true, scripts: { build: `node -e "${buildScript.replaceAll('"', '\\"')}"` } }));
  for (const file of ['tsconfig.json', 'client/main.ts', 'core/net.ts', 'protocol/frames.ts', 'src/limits.ts']) {
    writeFileSync(join(dir, file), '');
    utimesSync(join(dir, file), OLD, OLD);
  }
  writeFileSync(join(dir, 'dist/client/main.js'), 'console.log("client started")');
  utimesSync(join(dir, 'dist/client/main.js'), BUILT, BUILT);
  return dir;
}

function launch(dir: string): Promise<{ code: number | null; stdout: string; stderr: string; builds: string[] }> {
  return new Promise((resolve) => {
    const child = spawn('bash', [join(dir, 'scripts/client.sh')], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => {
      const log = join(dir, 'build.log');
      resolve({ code, stdout, stderr, builds: existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [] });
    });
  });
}

const touch = (dir: string, file: string) => utimesSync(join(dir, file), EDITED, EDITED);

test('with the build newer than every client source, the client starts without building', async (t) => {
  const dir = project(t);
  const run = await launch(dir);
  t.is(run.stdout, 'client started\n');
  t.is(run.stderr, '');
  t.deepEqual(run.builds, []);
});

test('a source of the client newer than the build is built first, with a message saying so, and only once', async (t) => {
  for (const file of ['client/main.ts', 'core/net.ts', 'protocol/frames.ts', 'tsconfig.json']) {
    const dir = project(t);
    touch(dir, file);
    const first = await launch(dir);
    t.regex(first.stderr, /^building the client/, file);
    t.is(first.stdout, 'client started\n');
    t.deepEqual(first.builds, ['built']);
    const second = await launch(dir);
    t.deepEqual(second.builds, ['built'], `${file}: no second build`);
  }
});

test('a change outside the client (src/) does not rebuild it; a missing build does', async (t) => {
  const dir = project(t);
  touch(dir, 'src/limits.ts');
  t.deepEqual((await launch(dir)).builds, []);
  rmSync(join(dir, 'dist/client/main.js'));
  const run = await launch(dir);
  t.deepEqual(run.builds, ['built']);
  t.is(run.stdout, 'client started\n');
});

test('a build that fails and leaves the client out of date stops with a message', async (t) => {
  const dir = project(t, 'fails');
  touch(dir, 'client/main.ts');
  const run = await launch(dir);
  t.is(run.code, 1);
  t.regex(run.stderr, /the client could not be built/);
  t.is(run.stdout, '');
});
