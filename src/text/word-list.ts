/**
 * The word-list file format: one word or phrase per line, UTF-8. Lines are trimmed; blank lines and
 * lines starting with `#` are ignored (a `#` later in a line is part of the word); repeated words
 * count once.
 */

/** Longest accepted word, in code points; a longer line is skipped (and reported), not fatal. */
export const MAX_WORD_LENGTH = 64;
/** Most words in one list; a longer list is rejected whole rather than cut at an arbitrary line. */
export const MAX_WORD_COUNT = 100_000;
/** Largest file read; anything bigger is not a word list (a wrong path, a log file). */
export const MAX_WORD_LIST_BYTES = 8 * 1024 * 1024;

export interface WordListLimits {
  maxWordLength: number;
  maxWords: number;
}

export const DEFAULT_WORD_LIST_LIMITS: Readonly<WordListLimits> = { maxWordLength: MAX_WORD_LENGTH, maxWords: MAX_WORD_COUNT };

/** A list that cannot be used at all; whoever loads it keeps the list it had. */
export class WordListError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WordListError';
  }
}

export interface SkippedLine {
  /** 1-based line number. */
  line: number;
  reason: string;
}

export interface ParsedWordList {
  words: string[];
  /** Lines that held something but were left out, to be logged. */
  skipped: SkippedLine[];
}

export function parseWordList(text: string, limits: Partial<WordListLimits> = {}): ParsedWordList {
  const { maxWordLength, maxWords } = { ...DEFAULT_WORD_LIST_LIMITS, ...limits };
  const seen = new Set<string>();
  const skipped: SkippedLine[] = [];
  const lines = text.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) {
    // The first line may start with a byte-order mark that trim() does not remove.
    const word = (i === 0 ? lines[i]!.replace(/^\uFEFF/, '') : lines[i]!).trim();
    if (word === '' || word.startsWith('#') || seen.has(word)) continue;
    if (codePoints(word) > maxWordLength) {
      skipped.push({ line: i + 1, reason: `longer than ${maxWordLength} characters` });
      continue;
    }
    if (seen.size === maxWords) throw new WordListError(`more than ${maxWords} words`);
    seen.add(word);
  }
  return { words: [...seen], skipped };
}

/** The file's bytes as text; bytes that are not UTF-8 mean a wrong or damaged file. */
export function decodeWordList(bytes: Uint8Array, maxBytes = MAX_WORD_LIST_BYTES): string {
  if (bytes.byteLength > maxBytes) throw new WordListError(`larger than ${maxBytes} bytes`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new WordListError('not UTF-8 text');
  }
}

function codePoints(text: string): number {
  let surrogatePairs = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        surrogatePairs++;
        i++;
      }
    }
  }
  return text.length - surrogatePairs;
}
