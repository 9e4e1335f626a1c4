import test from 'ava';
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createLogger, type Logger } from '../../core/logger.js';
import { foldCase, WordFilter } from '../../src/text/word-filter.js';
import { DEFAULT_WORD_LIST_PATH, WordFilterSource, type ReloadInfo } from '../../src/text/word-filter-source.js';
import { parseWordList } from '../../src/text/word-list.js';

// ---- masking ---------------------------------------------------------------------------------

test('an empty list changes nothing', (t) => {
  const text = 'anything at all 😀';
  t.is(WordFilter.EMPTY.mask(text), text);
  t.is(new WordFilter(['', '']).size, 0);
  t.is(new WordFilter([]).mask(text), text);
});

test('words are masked one * per character, in any case, every occurrence', (t) => {
  const filter = new WordFilter(['spam', 'Free Money']);
  t.is(filter.mask('SPAM and Spam and spam'), '**** and **** and ****');
  t.is(filter.mask('get FREE MONEY now'), 'get ********** now');
  t.is(filter.mask('nothing here'), 'nothing here');
  t.is(filter.size, 2);
});

test('Chinese words are masked, inside longer text too', (t) => {
  const filter = new WordFilter(['傻逼', '他妈的']);
  t.is(filter.mask('你这个傻逼，他妈的！'), '你这个**，***！');
  t.is(filter.mask('北京欢迎你'), '北京欢迎你');
});

test('overlapping matches are all masked', (t) => {
  const filter = new WordFilter(['abc', 'cde']);
  t.is(filter.mask('xabcdex'), 'x*****x');
  t.is(new WordFilter(['aa']).mask('aaaa b aaa'), '**** b ***');
});

test('nested matches are all masked, whichever is listed', (t) => {
  const filter = new WordFilter(['he', 'she', 'his', 'hers']);
  t.is(filter.mask('ushers'), 'u*****');
  t.deepEqual(
    filter.matches('ushers').map((m) => m.word).sort(),
    ['he', 'hers', 'she'],
  );
  const swear = new WordFilter(['fuck', 'motherfucker']);
  t.is(swear.mask('MotherFucker!'), '************!');
  t.is(swear.mask('fuckers'), '****ers');
});

test('emoji next to or inside words stay whole', (t) => {
  const filter = new WordFilter(['spam', '😈x']);
  t.is(filter.mask('😀spam😀'), '😀****😀');
  t.is(filter.mask('😀😈X😀'), '😀**😀', 'an emoji is one character, masked by one *');
  t.is(filter.mask('a😈😈'), 'a😈😈');
  t.is(filter.mask('\ud800spam\udc00'), '\ud800****\udc00', 'lone surrogates pass through');
});

test('a character whose lowercase is longer still maps back onto the original text', (t) => {
  t.is([...foldCase('İ')].length, 2, "'İ' folds to i + combining dot");
  const filter = new WordFilter(['stan', 'İstanbul']);
  t.is(filter.mask('İstanbul'), '********');
  t.is(filter.mask('xİSTANBULx'), 'x********x');
  t.is(filter.mask('İİstan!'), 'İİ****!', 'positions after the longer folds are right');
  t.deepEqual(filter.matches('İİstan'), [{ start: 2, end: 6, word: 'stan' }]);
});

test('matches gives UTF-16 offsets into the original text', (t) => {
  const filter = new WordFilter(['spam', '广告']);
  t.deepEqual(filter.matches('😀SPAM 广告'), [
    { start: 2, end: 6, word: 'spam' },
    { start: 7, end: 9, word: '广告' },
  ]);
  t.true(filter.test('buy 广告'));
  t.false(filter.test('buy'));
});

test('a list of 10,000 words masks a megabyte of text', (t) => {
  const words = Array.from({ length: 10_000 }, (_, i) => `w${i.toString(36)}q${((i * 7919) % 10_007).toString(36)}`);
  const chinese = Array.from({ length: 1000 }, (_, i) => `脏${String.fromCodePoint(0x4e00 + i)}话`);
  const filter = new WordFilter([...words, ...chinese]);
  t.is(filter.size, 11_000);
  const chunk = `hello ${words[123]!.toUpperCase()} 你好${chinese[7]}世界 ${words[9_999]}😀 `;
  const maskedChunk = `hello ${'*'.repeat(words[123]!.length)} 你好***世界 ${'*'.repeat(words[9_999]!.length)}😀 `;
  const repeats = Math.ceil(1_000_000 / chunk.length);
  const text = chunk.repeat(repeats);
  t.true(text.length >= 1_000_000);
  t.is(filter.mask(text), maskedChunk.repeat(repeats));
  const clean = 'nothing to see here, 没有脏字 '.repeat(40_000);
  t.is(filter.mask(clean), clean);
});

test('the shipped list parses to a small list that masks English and Chinese', async (t) => {
  const { words, skipped } = parseWordList(await readFile(DEFAULT_WORD_LIST_PATH, 'utf8'));
  t.deepEqual(skipped, []);
  t.true(words.length >= 20 && words.length <= 40, `${words.length} words`);
  const filter = new WordFilter(words);
  t.is(filter.mask('Oh SHIT, 你个傻逼'), 'Oh ****, 你个**');
  const innocent = 'a classic hello from Scunthorpe, 妈妈的书, assess the grass';
  t.is(filter.mask(innocent), innocent);
});

// ---- the list file ---------------------------------------------------------------------------

interface Logged {
  level: string;
  msg: string;
  [field: string]: unknown;
}

function recordingLogger(): { logger: Logger; lines: Logged[] } {
  const lines: Logged[] = [];
  return { logger: createLogger('debug', {}, (line) => lines.push(JSON.parse(line) as Logged)), lines };
}

async function listFile(t: { teardown(fn: () => Promise<void>): void }, content: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'zkchat-words-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'words.txt');
  await writeFile(file, content);
  return file;
}

// The events are what the tests wait for; the timer only turns a missed event into a clear failure.
function nextEvent<T>(subscribe: (listener: (value: T) => void) => () => void, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`no ${what} within 10 s`));
    }, 10_000);
    const stop = subscribe((value) => {
      clearTimeout(timer);
      stop();
      resolve(value);
    });
  });
}

const nextReload = (source: WordFilterSource) => nextEvent<ReloadInfo>((l) => source.onReload(l), 'reload');
const nextFailure = (source: WordFilterSource) => nextEvent<Error>((l) => source.onFailure(l), 'failed reload');

test('the source loads the file and reloads it when it changes', async (t) => {
  const file = await listFile(t, 'spam\n');
  const { logger, lines } = recordingLogger();
  const source = await WordFilterSource.open({ path: file, logger, settleMs: 20 });
  t.teardown(() => source.close());
  t.is(source.mask('spam and eggs'), '**** and eggs');
  t.true(lines.some((l) => l.level === 'info' && l.words === 1));

  const reloaded = nextReload(source);
  await writeFile(file, '# now\neggs\n鸡蛋\n');
  t.deepEqual(await reloaded, { path: file, words: 2, skipped: 0 });
  t.is(source.mask('spam and eggs, 鸡蛋'), 'spam and ****, **');
});

test('a file replaced by renaming another over it is picked up, again and again', async (t) => {
  const file = await listFile(t, 'one\n');
  const source = await WordFilterSource.open({ path: file, logger: recordingLogger().logger, settleMs: 20 });
  t.teardown(() => source.close());
  for (const word of ['two', 'three']) {
    const reloaded = nextReload(source);
    const temp = `${file}.tmp`;
    await writeFile(temp, `${word}\n`);
    await rename(temp, file);
    await reloaded;
    t.is(source.mask(`one two three`), `one two three`.replace(word, '*'.repeat(word.length)));
  }
});

test('reload() (what SIGHUP calls) reads the file again and says whether it changed', async (t) => {
  const file = await listFile(t, 'alpha\n');
  const source = await WordFilterSource.open({ path: file, logger: recordingLogger().logger, watch: false });
  t.teardown(() => source.close());
  t.is(await source.reload(), 'unchanged');
  await writeFile(file, 'beta\n');
  const reloaded = nextReload(source);
  t.is(await source.reload(), 'reloaded');
  t.is((await reloaded).words, 1);
  t.is(source.mask('alpha beta'), 'alpha ****');
  // Calls made during a load share one more load after it.
  await writeFile(file, 'gamma\n');
  const outcomes = await Promise.all([source.reload(), source.reload(), source.reload()]);
  t.deepEqual(outcomes, ['reloaded', 'unchanged', 'unchanged']);
  t.is(source.mask('beta gamma'), 'beta *****');
});

test('a file that cannot be read or is not a word list keeps the old list and warns', async (t) => {
  const file = await listFile(t, 'secret\n');
  const { logger, lines } = recordingLogger();
  const source = await WordFilterSource.open({ path: file, logger, watch: false });
  t.teardown(() => source.close());
  const warnings = () => lines.filter((l) => l.level === 'warn');

  await rm(file);
  t.is(await source.reload(), 'failed', 'missing');
  t.is(source.mask('a secret'), 'a ******');
  t.is(warnings().length, 1);
  t.is(warnings()[0]!.path, file);
  t.is((warnings()[0]!.err as { code?: string }).code, 'ENOENT');

  await mkdir(file);
  t.is(await source.reload(), 'failed', 'a directory');
  await rm(file, { recursive: true });

  await writeFile(file, Buffer.from([0x73, 0xff, 0xfe, 0x0a]));
  const failed = nextFailure(source);
  t.is(await source.reload(), 'failed', 'not UTF-8');
  t.regex((await failed).message, /UTF-8/);
  t.is(warnings().length, 3);
  t.is(source.mask('a secret'), 'a ******');

  await writeFile(file, 'other\n');
  t.is(await source.reload(), 'reloaded');
  t.is(source.mask('a secret other'), 'a secret *****');
});

test('a watched file that disappears keeps the old list until a new one appears', async (t) => {
  const file = await listFile(t, 'secret\n');
  const { logger, lines } = recordingLogger();
  const source = await WordFilterSource.open({ path: file, logger, settleMs: 20 });
  t.teardown(() => source.close());
  const failed = nextFailure(source);
  await rm(file);
  await failed;
  t.true(lines.some((l) => l.level === 'warn' && l.path === file));
  t.is(source.mask('a secret'), 'a ******');
  const reloaded = nextReload(source);
  await writeFile(file, 'other\n');
  await reloaded;
  t.is(source.mask('a secret other'), 'a secret *****');
});

test('a list that cannot be loaded at start fails open(), unless it is optional', async (t) => {
  const file = await listFile(t, 'x\n');
  const missing = path.join(path.dirname(file), 'missing.txt');
  await t.throwsAsync(WordFilterSource.open({ path: missing, logger: recordingLogger().logger }), { message: /missing\.txt/ });

  const { logger, lines } = recordingLogger();
  const source = await WordFilterSource.open({ path: missing, logger, required: false, settleMs: 20 });
  t.teardown(() => source.close());
  t.is(source.filter.size, 0);
  t.true(lines.some((l) => l.level === 'warn'));
  const reloaded = nextReload(source);
  await writeFile(missing, 'late\n');
  await reloaded;
  t.is(source.mask('too late'), 'too ****');
});

test('close() stops watching', async (t) => {
  const file = await listFile(t, 'one\n');
  const source = await WordFilterSource.open({ path: file, logger: recordingLogger().logger, settleMs: 20 });
  source.close();
  let reloads = 0;
  source.onReload(() => reloads++);
  await writeFile(file, 'two\n');
  // The filter and an explicit reload still work after close.
  t.is(await source.reload(), 'reloaded');
  t.is(reloads, 1);
  t.is(source.mask('one two'), 'one ***');
});
