import { isStopWord } from './stop-words.js';

/**
 * The words a chat message adds to the hot-words board. Intl.Segmenter splits the text into words
 * (ICU's dictionary splits Chinese, which has no spaces), and a message counts each of its words
 * once, so repeating a word in one message cannot push it up the board.
 *
 * Left out: stop words; anything without a letter (punctuation, emoji, numbers such as 2024 or
 * 3.14: dates, prices and codes would crowd the board without saying what people talk about); a
 * single character other than a Chinese one (single Latin letters, kana particles), while a single
 * Han character can be a word; and words longer than MAX_HOT_WORD_LENGTH (links, keyboard mashing).
 */

/** Distinct words one message adds at most. */
export const MAX_HOT_WORDS_PER_MESSAGE = 32;
/** Longest word counted, in code points. */
export const MAX_HOT_WORD_LENGTH = 32;
/**
 * UTF-16 units of a message that are looked at. V8's segmenter slows down more than linearly on
 * long strings (about 0.5 ms for 1 KiB, hundreds of ms for 64 KiB), and the first kilobyte of a
 * message holds more than enough words for the board.
 */
export const MAX_HOT_WORDS_SCAN_CHARS = 1024;

const segmenters = new Map<string, Intl.Segmenter>();

function segmenter(locale: string | undefined): Intl.Segmenter {
  const key = locale ?? '';
  let made = segmenters.get(key);
  if (made === undefined) {
    made = new Intl.Segmenter(locale, { granularity: 'word' });
    segmenters.set(key, made);
  }
  return made;
}

const HAS_LETTER = /\p{L}/u;
const HAN = /^\p{Script=Han}$/u;
const CURLY_APOSTROPHE = /[\u2018\u2019]/g;

/** The board's form of a word: lowercase, NFKC (full-width Ａ is A), straight apostrophes. */
export function normalizeHotWord(word: string): string {
  return word.normalize('NFKC').toLowerCase().replace(CURLY_APOSTROPHE, "'");
}

/** The distinct words `text` adds to the board, in order of first appearance. */
export function wordsOf(text: string, locale?: string, maxWords = MAX_HOT_WORDS_PER_MESSAGE): string[] {
  const cut = text.length > MAX_HOT_WORDS_SCAN_CHARS;
  const scanned = cut ? text.slice(0, MAX_HOT_WORDS_SCAN_CHARS) : text;
  const words = new Set<string>();
  for (const { segment, index, isWordLike } of segmenter(locale).segment(scanned)) {
    if (!isWordLike) continue;
    // The word the cut runs through may be only its first part.
    if (cut && index + segment.length === scanned.length) break;
    const word = normalizeHotWord(segment);
    if (!counts(word)) continue;
    words.add(word);
    if (words.size >= maxWords) break;
  }
  return [...words];
}

function counts(word: string): boolean {
  if (!HAS_LETTER.test(word) || isStopWord(word)) return false;
  const chars = [...word];
  if (chars.length > MAX_HOT_WORD_LENGTH) return false;
  return chars.length > 1 || HAN.test(word);
}

/**
 * Index of the board period `nowMs` falls in: the board is cleared once per period. Every leader
 * computes the same index for the same moment, so a clear claimed under a key made from it (e.g.
 * `SET <prefix>hot:cleared:<period> 1 NX`) happens once even when two leaders briefly overlap.
 */
export function hotWordsPeriodKey(nowMs: number, resetMs: number): number {
  if (!Number.isInteger(resetMs) || resetMs <= 0) throw new RangeError(`reset period must be a positive integer, got ${resetMs}`);
  return Math.floor(nowMs / resetMs);
}

/** Milliseconds from `nowMs` to the start of the next period: when the leader's timer should fire. */
export function msUntilNextHotWordsPeriod(nowMs: number, resetMs: number): number {
  return (hotWordsPeriodKey(nowMs, resetMs) + 1) * resetMs - nowMs;
}
