import test from 'ava';
import { COMMAND_HELP, parseCommand, type Command, type ParserState } from '../../client/command-parser.js';
import { MESSAGE_MAX } from '../../protocol/actions.js';

const noDefault = (): ParserState => ({ defaultRecipient: null });
const toBob = (): ParserState => ({ defaultRecipient: 'bob' });

function reasonOf(command: Command): string {
  if (command.kind !== 'invalid') throw new Error(`expected an invalid command, got ${JSON.stringify(command)}`);
  return command.reason;
}

// Blank input ----------------------------------------------------------------

test('blank lines are empty, with or without a default recipient', (t) => {
  for (const line of ['', '   ', '\t', ' \t  ']) {
    t.deepEqual(parseCommand(line, noDefault()), { kind: 'empty' });
    t.deepEqual(parseCommand(line, toBob()), { kind: 'empty' });
  }
});

// /to ------------------------------------------------------------------------

test('/to USER MESSAGE sends to USER and makes USER the default', (t) => {
  t.deepEqual(parseCommand('/to alice hello there', noDefault()), { kind: 'chat', to: 'alice', message: 'hello there', setDefault: 'alice' });
});

test('/to overrides an existing default recipient', (t) => {
  t.deepEqual(parseCommand('/to carol hi', toBob()), { kind: 'chat', to: 'carol', message: 'hi', setDefault: 'carol' });
});

test('/to keeps the spacing inside the message but trims its ends', (t) => {
  t.deepEqual(parseCommand('  /to   alice    a  b   c   ', noDefault()), { kind: 'chat', to: 'alice', message: 'a  b   c', setDefault: 'alice' });
});

test('/to accepts a tab between the name and the message', (t) => {
  t.deepEqual(parseCommand('/to alice\thi', noDefault()), { kind: 'chat', to: 'alice', message: 'hi', setDefault: 'alice' });
});

test('command names are case-insensitive, user names are kept as typed', (t) => {
  t.deepEqual(parseCommand('/TO Alice hi', noDefault()), { kind: 'chat', to: 'Alice', message: 'hi', setDefault: 'Alice' });
});

test('/to without anything explains the usage', (t) => {
  t.is(reasonOf(parseCommand('/to', noDefault())), 'usage: /to USER MESSAGE');
  t.is(reasonOf(parseCommand('/to    ', toBob())), 'usage: /to USER MESSAGE');
});

test('/to USER without a message is invalid, and says what is missing', (t) => {
  const reason = reasonOf(parseCommand('/to alice', noDefault()));
  t.regex(reason, /alice/);
  t.regex(reason, /\/to alice MESSAGE/);
  t.is(parseCommand('/to alice   ', noDefault()).kind, 'invalid');
});

test('/to rejects user names that break the protocol pattern', (t) => {
  for (const bad of ['al', 'a'.repeat(33), 'bad!name', 'émile', 'a/b']) {
    const reason = reasonOf(parseCommand(`/to ${bad} hi`, noDefault()));
    t.true(reason.includes(`"${bad}" is not a valid username`), reason);
    t.regex(reason, /3-32 letters/);
  }
});

test('/to accepts every character class of the user name pattern', (t) => {
  for (const good of ['abc', 'a'.repeat(32), 'A_b.c-9', '123']) {
    t.like(parseCommand(`/to ${good} hi`, noDefault()), { kind: 'chat', to: good });
  }
});

test('/to checks the user name before complaining about a missing message', (t) => {
  t.regex(reasonOf(parseCommand('/to x!', noDefault())), /not a valid username/);
});

// Plain lines ----------------------------------------------------------------

test('a plain line goes to the default recipient without changing it', (t) => {
  t.deepEqual(parseCommand('  hello bob  ', toBob()), { kind: 'chat', to: 'bob', message: 'hello bob', setDefault: null });
});

test('a plain line with no default recipient asks who to', (t) => {
  t.is(reasonOf(parseCommand('hello', noDefault())), 'who to? use /to USER MESSAGE first');
});

test('a slash inside a plain line is just text', (t) => {
  t.like(parseCommand('either/or', toBob()), { kind: 'chat', message: 'either/or' });
});

test('"//" sends a message that starts with "/"', (t) => {
  t.deepEqual(parseCommand('//shrug', toBob()), { kind: 'chat', to: 'bob', message: '/shrug', setDefault: null });
  t.deepEqual(parseCommand('//to alice hi', toBob()), { kind: 'chat', to: 'bob', message: '/to alice hi', setDefault: null });
  t.is(reasonOf(parseCommand('//shrug', noDefault())), 'who to? use /to USER MESSAGE first');
});

// Message length -------------------------------------------------------------

test('a message of exactly MESSAGE_MAX characters is fine', (t) => {
  const longest = 'x'.repeat(MESSAGE_MAX);
  t.like(parseCommand(`/to alice ${longest}`, noDefault()), { kind: 'chat', message: longest });
  t.like(parseCommand(longest, toBob()), { kind: 'chat', message: longest });
});

test('a message longer than MESSAGE_MAX is invalid, through /to and as a plain line', (t) => {
  const tooLong = 'x'.repeat(MESSAGE_MAX + 1);
  for (const command of [parseCommand(`/to alice ${tooLong}`, noDefault()), parseCommand(tooLong, toBob())]) {
    const reason = reasonOf(command);
    t.regex(reason, /too long/);
    t.true(reason.includes(String(MESSAGE_MAX)), reason);
    t.true(reason.includes(String(MESSAGE_MAX + 1)), reason);
  }
});

test('the length limit counts the message, not the surrounding spaces', (t) => {
  t.like(parseCommand(`   ${'x'.repeat(MESSAGE_MAX)}   `, toBob()), { kind: 'chat' });
});

// /who -----------------------------------------------------------------------

test('/who USER asks about USER', (t) => {
  t.deepEqual(parseCommand('/who alice', noDefault()), { kind: 'who', username: 'alice' });
  t.deepEqual(parseCommand('  /Who   alice  ', toBob()), { kind: 'who', username: 'alice' });
});

test('/who needs exactly one user name', (t) => {
  t.is(reasonOf(parseCommand('/who', noDefault())), 'usage: /who USER');
  t.is(reasonOf(parseCommand('/who alice bob', noDefault())), 'usage: /who USER');
});

test('/who rejects an invalid user name', (t) => {
  t.regex(reasonOf(parseCommand('/who a!', noDefault())), /"a!" is not a valid username/);
});

// /help, /quit, room commands -------------------------------------------------

test('/help and /quit, with or without trailing words', (t) => {
  t.deepEqual(parseCommand('/help', noDefault()), { kind: 'help' });
  t.deepEqual(parseCommand('/HELP me', toBob()), { kind: 'help' });
  t.deepEqual(parseCommand('/quit', noDefault()), { kind: 'quit' });
  t.deepEqual(parseCommand(' /quit now ', toBob()), { kind: 'quit' });
});

test('room and history commands are available (their details: client-rooms.test.ts)', (t) => {
  t.deepEqual(parseCommand('/join lobby', noDefault()), { kind: 'join', room: 'lobby' });
  t.deepEqual(parseCommand('/leave', toBob()), { kind: 'leave', room: null });
  t.deepEqual(parseCommand('/rooms', noDefault()), { kind: 'rooms' });
  t.deepEqual(parseCommand('/hot', noDefault()), { kind: 'hot', count: 10 });
  t.deepEqual(parseCommand('/history', toBob()), { kind: 'history', count: 20 });
});

// Unknown commands -----------------------------------------------------------

test('an unknown slash command is invalid and points to /help', (t) => {
  const reason = reasonOf(parseCommand('/frobnicate now', toBob()));
  t.true(reason.includes('"/frobnicate"'), reason);
  t.regex(reason, /\/help/);
});

test('a very long unknown command is cut short in the reason', (t) => {
  const reason = reasonOf(parseCommand(`/${'z'.repeat(500)}`, toBob()));
  t.true(reason.length < 120, reason);
  t.true(reason.includes('z'.repeat(20)), reason);
});

test('names that exist on Object.prototype are not commands', (t) => {
  for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    t.is(parseCommand(`/${name}`, toBob()).kind, 'invalid', name);
  }
});

test('a lone "/" is invalid and suggests /help', (t) => {
  t.regex(reasonOf(parseCommand('/', toBob())), /\/help/);
  t.is(parseCommand('/   ', toBob()).kind, 'invalid');
});

// Purity and help ------------------------------------------------------------

test('parsing never changes the state it is given', (t) => {
  const state = toBob();
  parseCommand('/to alice hi', state);
  parseCommand('hello', state);
  t.deepEqual(state, { defaultRecipient: 'bob' });
  t.notThrows(() => parseCommand('/to carol hi', Object.freeze({ defaultRecipient: null })));
});

test('every slash command listed by /help is one the parser knows', (t) => {
  const listed = COMMAND_HELP.map((entry) => entry.usage).filter((usage) => /^\/\w/.test(usage));
  t.true(listed.length >= 4);
  for (const usage of listed) {
    const line = usage.replace('USER', 'alice').replace('MESSAGE', 'hi');
    const command = parseCommand(line, noDefault());
    t.not(command.kind, 'invalid', `${line} → ${JSON.stringify(command)}`);
  }
});
