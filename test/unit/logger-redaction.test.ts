import test from 'ava';
import { createLogger, REDACTED } from '../../core/logger.js';

test('passwords and tokens never reach a log line, at any depth; other fields do', (t) => {
  const lines: string[] = [];
  const logger = createLogger('info', { token: 'base-secret' }, (line) => lines.push(line)).child({ conn: 'c1' });
  logger.warn('login failed', {
    user: 'alice',
    password: 'hunter22',
    data: { username: 'alice', newPassword: 'n3w-pass', nested: [{ resumeToken: 'rt-1' }] },
  });
  const [line] = lines;
  for (const secret of ['base-secret', 'hunter22', 'n3w-pass', 'rt-1']) t.false(line!.includes(secret), secret);
  t.deepEqual(JSON.parse(line!), {
    time: JSON.parse(line!).time,
    level: 'warn',
    msg: 'login failed',
    token: REDACTED,
    conn: 'c1',
    user: 'alice',
    password: REDACTED,
    data: { username: 'alice', newPassword: REDACTED, nested: [{ resumeToken: REDACTED }] },
  });
});
