import test from 'ava';
import {
  decodeWordList,
  MAX_WORD_COUNT,
  MAX_WORD_LENGTH,
  MAX_WORD_LIST_BYTES,
  parseWordList,
  WordListError,
} from '../../src/text/word-list.js';

test('one word per line: trimmed, comments and blank lines ignored, repeats counted once', (t) => {
  const text = '# header\n\n  spam  \nfree money\r\n   # indented comment\nspam\n垃圾广告\n\t\n';
  const parsed = parseWordList(text);
  t.deepEqual(parsed.words, ['spam', 'free money', '垃圾广告']);
  t.deepEqual(parsed.skipped, []);
});

test('a # inside a line is part of the word; a byte-order mark is not', (t) => {
  t.deepEqual(parseWordList('\uFEFFfirst\nc#\nold\rmac').words, ['first', 'c#', 'old', 'mac']);
});

test('a word longer than the limit is skipped with its line number, the rest loads', (t) => {
  const parsed = parseWordList(`ok\n${'x'.repeat(11)}\n${'😀'.repeat(10)}\nfine`, { maxWordLength: 10 });
  t.deepEqual(parsed.words, ['ok', '😀'.repeat(10), 'fine'], 'length is counted in code points');
  t.deepEqual(parsed.skipped, [{ line: 2, reason: 'longer than 10 characters' }]);
});

test('a list with more words than the limit is rejected whole', (t) => {
  t.is(parseWordList('a\nb\nc\na', { maxWords: 3 }).words.length, 3, 'repeats do not count');
  const error = t.throws(() => parseWordList('a\nb\nc\nd', { maxWords: 3 }));
  t.true(error instanceof WordListError);
});

test('an empty file is an empty list', (t) => {
  t.deepEqual(parseWordList(''), { words: [], skipped: [] });
  t.deepEqual(parseWordList('# only comments\n\n').words, []);
});

test('bytes that are not UTF-8, or too many of them, are not a word list', (t) => {
  t.is(decodeWordList(new TextEncoder().encode('\uFEFF脏话\n')), '脏话\n');
  t.throws(() => decodeWordList(Uint8Array.from([0x66, 0xff, 0xfe, 0x00])), { instanceOf: WordListError });
  t.throws(() => decodeWordList(new Uint8Array(11), 10), { instanceOf: WordListError });
});

test('the limits have sensible defaults', (t) => {
  t.true(MAX_WORD_LENGTH >= 32);
  t.true(MAX_WORD_COUNT >= 10_000);
  t.true(MAX_WORD_LIST_BYTES >= MAX_WORD_COUNT * 16);
});
