import { readFileSync } from 'node:fs';
import test from 'ava';
import { CLIENT_SETTING_SPECS, DEFAULT_CLIENT_SETTINGS, loadClientSettings } from '../../client/settings.js';
import { MESSAGE_MAX } from '../../protocol/actions.js';

const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');

test('a hung node is given up on well within 10 s by default, after several pings', (t) => {
  t.true(DEFAULT_CLIENT_SETTINGS.pongTimeoutMs < 10_000);
  t.true(DEFAULT_CLIENT_SETTINGS.pingIntervalMs * 2 <= DEFAULT_CLIENT_SETTINGS.pongTimeoutMs);
});

test('the input limit leaves room for "/to USERNAME " in front of the longest message', (t) => {
  t.true(DEFAULT_CLIENT_SETTINGS.inputMaxChars >= MESSAGE_MAX + '/to  '.length + 32);
});

test('settings are read from the environment, and a bad value is refused with its name', (t) => {
  t.is(loadClientSettings({ ZKCHAT_PONG_TIMEOUT_MS: '5000' }).pongTimeoutMs, 5000);
  t.deepEqual(loadClientSettings({}), DEFAULT_CLIENT_SETTINGS);
  t.throws(() => loadClientSettings({ ZKCHAT_PING_INTERVAL_MS: 'often' }), { message: /^ZKCHAT_PING_INTERVAL_MS must be an integer between 100 and/ });
  t.throws(() => loadClientSettings({ ZKCHAT_INPUT_MAX_CHARS: '5' }), { message: /ZKCHAT_INPUT_MAX_CHARS/ });
});

test('README names every client setting with its default', (t) => {
  for (const spec of Object.values(CLIENT_SETTING_SPECS)) t.regex(readme, new RegExp(`\\| \`${spec.env}\` \\| \`${spec.default}\` \\|`), spec.env);
});
