import test from 'ava';
import {
  hotWordsPeriodKey,
  MAX_HOT_WORD_LENGTH,
  MAX_HOT_WORDS_PER_MESSAGE,
  MAX_HOT_WORDS_SCAN_CHARS,
  msUntilNextHotWordsPeriod,
  normalizeHotWord,
  wordsOf,
} from '../../src/text/hot-words.js';
import { isStopWord } from '../../src/text/stop-words.js';
import { WordFilter } from '../../src/text/word-filter.js';

test('Chinese text is split into words', (t) => {
  t.deepEqual(wordsOf('我们今天去北京天安门'), ['今天', '北京', '天安门'], '我们 and 去 are stop words');
  t.deepEqual(wordsOf('我们今天去北京天安门', 'zh'), ['今天', '北京', '天安门']);
});

test('English words are lowercased; Chinese and English in one message both count', (t) => {
  t.deepEqual(wordsOf('Redis ZooKeeper 集群 WebSocket 北京'), ['redis', 'zookeeper', '集群', 'websocket', '北京']);
});

test('stop words, punctuation, emoji and numbers are left out', (t) => {
  t.deepEqual(wordsOf('The cat is on the mat, and it’s 3.14 or 2024! 😀 …'), ['cat', 'mat']);
  t.deepEqual(wordsOf('我的猫咪是白色的，但是它很可爱。'), ['猫咪', '白色', '可爱']);
  t.true(isStopWord('the'));
  t.true(isStopWord('的'));
});

test('single Latin letters are left out, a single Chinese character is a word', (t) => {
  t.deepEqual(wordsOf('x y z b c go'), ['go']);
  t.deepEqual(wordsOf('猫'), ['猫']);
});

test('a message counts each word once, in order of first appearance', (t) => {
  t.deepEqual(wordsOf('spam SPAM Spam eggs spam 北京 北京'), ['spam', 'eggs', '北京']);
});

test('full-width letters and curly apostrophes count as their plain forms', (t) => {
  t.is(normalizeHotWord('ＺＫ'), 'zk');
  t.deepEqual(wordsOf('ＲＥＤＩＳ redis'), ['redis']);
  t.deepEqual(wordsOf('don’t stop'), ['stop']);
});

test('a message adds a bounded number of words, none of them too long', (t) => {
  const many = Array.from({ length: 100 }, (_, i) => `word${i}x`).join(' ');
  const words = wordsOf(many);
  t.is(words.length, MAX_HOT_WORDS_PER_MESSAGE);
  t.is(words[0], 'word0x');
  t.deepEqual(wordsOf(many, undefined, 3), ['word0x', 'word1x', 'word2x']);
  t.deepEqual(wordsOf(`${'a'.repeat(MAX_HOT_WORD_LENGTH + 1)} fine ${'b'.repeat(MAX_HOT_WORD_LENGTH)}`), ['fine', 'b'.repeat(MAX_HOT_WORD_LENGTH)]);
});

test('only the start of a long message is read, and a word cut there is not counted', (t) => {
  // "ab" over and over, then a word that starts 4 characters before the cut.
  const head = 'ab '.repeat(Math.floor((MAX_HOT_WORDS_SCAN_CHARS - 4) / 3));
  t.is(head.length, MAX_HOT_WORDS_SCAN_CHARS - 4);
  const text = `${head}elephant tail`;
  t.deepEqual(wordsOf(text), ['ab'], '"elephant" crosses the cut, "tail" is past it');
  t.deepEqual(wordsOf('x'.repeat(100_000)), []);
});

test('masked text adds no words for what was masked', (t) => {
  const filter = new WordFilter(['傻逼', 'spam']);
  t.deepEqual(wordsOf(filter.mask('你是傻逼 SPAM offer 北京')), ['offer', '北京']);
});

test('the period key is the same for every leader within a period and moves at its end', (t) => {
  const reset = 60_000;
  const start = 1_700_000_040_000; // a multiple of 60 s
  t.is(hotWordsPeriodKey(start, reset), start / reset);
  t.is(hotWordsPeriodKey(start + 1, reset), hotWordsPeriodKey(start + reset - 1, reset));
  t.is(hotWordsPeriodKey(start + reset, reset), start / reset + 1);
  t.is(msUntilNextHotWordsPeriod(start, reset), reset);
  t.is(msUntilNextHotWordsPeriod(start + 15_000, reset), 45_000);
  t.throws(() => hotWordsPeriodKey(start, 0), { instanceOf: RangeError });
  t.throws(() => hotWordsPeriodKey(start, 1.5), { instanceOf: RangeError });
});
