/**
 * A case-insensitive multi-word matcher (Aho–Corasick): one pass over the text finds every
 * occurrence of every listed word, overlapping and nested ones included, in time linear in the text
 * plus the matches, whatever the length of the list.
 *
 * Text and words are folded one code point at a time with `toLowerCase`, so Chinese (which has no
 * case) matches as is, and a surrogate pair (an emoji) is one symbol that is never split. A code
 * point may fold to more than one ('İ' → 'i̇'); every folded symbol remembers the UTF-16 offset of
 * the original code point it came from, so a match always maps back onto whole original characters.
 * Words match anywhere, inside longer words too (Chinese has no word boundaries to go by), so the
 * list should not hold short English words that are parts of ordinary ones.
 */

/** Code points per state in the edge key: a state's edges are `state * CODE_POINTS + codePoint`. */
const CODE_POINTS = 0x110000;
const ROOT = 0;
const MASK_CHAR = '*';

/** One occurrence of a listed word, in UTF-16 offsets of the original text (`end` exclusive). */
export interface WordMatch {
  start: number;
  end: number;
  /** The word of the list, as it was given. */
  word: string;
}

// Non-ASCII folds are looked up once per distinct code point; the cap keeps hostile text that
// walks the whole code space from growing it without bound (beyond it, folds are recomputed).
const FOLD_CACHE_MAX = 1 << 16;
const foldCache = new Map<number, number | readonly number[]>();

/** The lowercase of one code point: one code point, or several for the few that expand. */
function foldCodePoint(cp: number): number | readonly number[] {
  if (cp < 0x80) return cp >= 0x41 && cp <= 0x5a ? cp + 0x20 : cp;
  const cached = foldCache.get(cp);
  if (cached !== undefined) return cached;
  const lower = String.fromCodePoint(cp).toLowerCase();
  const points: number[] = [];
  for (const ch of lower) points.push(ch.codePointAt(0)!);
  const folded = points.length === 1 ? points[0]! : points;
  if (foldCache.size < FOLD_CACHE_MAX) foldCache.set(cp, folded);
  return folded;
}

/** `text` folded the way the filter compares it (lowercase, one code point at a time). */
export function foldCase(text: string): string {
  let out = '';
  for (const ch of text) {
    const folded = foldCodePoint(ch.codePointAt(0)!);
    out += typeof folded === 'number' ? String.fromCodePoint(folded) : String.fromCodePoint(...folded);
  }
  return out;
}

export class WordFilter {
  /** A filter without words: `mask` returns its input. */
  static readonly EMPTY = new WordFilter([]);

  /** Distinct words (after folding) the filter matches. */
  readonly size: number;
  /** Folded symbols of the longest word: how far back a match can start. */
  private readonly maxDepth: number;
  private readonly edges = new Map<number, number>();
  private readonly fail: number[] = [0];
  private readonly depth: number[] = [0];
  /** Index in `words` of the word that ends at a state, or -1. */
  private readonly wordAt: number[] = [-1];
  /** Length of the longest word that is a suffix of a state's path (0: none); enough for masking. */
  private readonly longest: number[] = [0];
  /** The nearest state down the failure chain where a word ends (ROOT: none); for listing matches. */
  private readonly nextWord: number[] = [ROOT];
  private readonly words: string[] = [];

  constructor(words: Iterable<string>) {
    const children: number[][] = [[]];
    let maxDepth = 0;
    for (const word of words) {
      let state = ROOT;
      let length = 0;
      for (const ch of word) {
        const folded = foldCodePoint(ch.codePointAt(0)!);
        for (const cp of typeof folded === 'number' ? [folded] : folded) {
          state = this.child(state, cp, children);
          length++;
        }
      }
      if (length === 0 || this.wordAt[state]! >= 0) continue;
      this.wordAt[state] = this.words.length;
      this.words.push(word);
      maxDepth = Math.max(maxDepth, length);
    }
    this.size = this.words.length;
    this.maxDepth = maxDepth;
    this.link(children);
  }

  /** `text` with every character of every listed word (any case) replaced by `*`. */
  mask(text: string): string {
    if (this.size === 0) return text;
    // minStart[e]: earliest start of a match whose last UTF-16 unit is e. All matches ending at one
    // place are suffixes of the longest, so the longest alone covers them.
    // Made at the first match, so text without any costs no allocation.
    let starts = null as Int32Array | null;
    this.scan(text, (state, end, startOf) => {
      starts ??= new Int32Array(text.length).fill(text.length);
      const start = startOf(this.longest[state]!);
      if (start < starts[end - 1]!) starts[end - 1] = start;
    });
    if (starts === null) return text;
    // Backwards: a unit is masked when some match ending at or after it starts at or before it.
    const masked = new Uint8Array(text.length);
    let reach = text.length;
    for (let i = text.length - 1; i >= 0; i--) {
      if (starts[i]! < reach) reach = starts[i]!;
      if (reach <= i) masked[i] = 1;
    }
    const parts: string[] = [];
    let plainFrom = 0;
    for (let i = 0; i < text.length; ) {
      const width = text.codePointAt(i)! > 0xffff ? 2 : 1;
      if (masked[i] === 1) {
        if (plainFrom < i) parts.push(text.slice(plainFrom, i));
        parts.push(MASK_CHAR);
        plainFrom = i + width;
      }
      i += width;
    }
    if (plainFrom < text.length) parts.push(text.slice(plainFrom));
    return parts.join('');
  }

  /** Every occurrence of every listed word, by end then longest first. */
  matches(text: string): WordMatch[] {
    const out: WordMatch[] = [];
    if (this.size === 0) return out;
    this.scan(text, (state, end, startOf) => {
      for (let s = this.wordAt[state]! >= 0 ? state : this.nextWord[state]!; s !== ROOT; s = this.nextWord[s]!) {
        out.push({ start: startOf(this.depth[s]!), end, word: this.words[this.wordAt[s]!]! });
      }
    });
    return out;
  }

  /** Whether `text` holds any listed word. */
  test(text: string): boolean {
    if (this.size === 0) return false;
    let found = false;
    this.scan(text, () => {
      found = true;
    });
    return found;
  }

  /**
   * Runs the automaton over `text`, calling `visit` wherever a word ends: with the state, the UTF-16
   * offset just past the original character that ended it, and a function giving the offset where a
   * match of `length` folded symbols started.
   */
  private scan(text: string, visit: (state: number, end: number, startOf: (length: number) => number) => void): void {
    // The start offsets of the last maxDepth folded symbols, indexed by symbol number.
    const ring = new Int32Array(this.maxDepth);
    let symbols = 0;
    const startOf = (length: number) => ring[(symbols - length) % this.maxDepth]!;
    let state = ROOT;
    for (let i = 0; i < text.length; ) {
      const start = i;
      const cp = text.codePointAt(i)!;
      i += cp > 0xffff ? 2 : 1;
      const folded = foldCodePoint(cp);
      if (typeof folded === 'number') {
        state = this.step(state, folded);
        ring[symbols++ % this.maxDepth] = start;
        if (this.longest[state]! > 0) visit(state, i, startOf);
      } else {
        for (const f of folded) {
          state = this.step(state, f);
          ring[symbols++ % this.maxDepth] = start;
          if (this.longest[state]! > 0) visit(state, i, startOf);
        }
      }
    }
  }

  private step(state: number, cp: number): number {
    for (;;) {
      const next = this.edges.get(state * CODE_POINTS + cp);
      if (next !== undefined) return next;
      if (state === ROOT) return ROOT;
      state = this.fail[state]!;
    }
  }

  private child(state: number, cp: number, children: number[][]): number {
    const key = state * CODE_POINTS + cp;
    const existing = this.edges.get(key);
    if (existing !== undefined) return existing;
    const made = this.fail.length;
    this.edges.set(key, made);
    this.fail.push(ROOT);
    this.depth.push(this.depth[state]! + 1);
    this.wordAt.push(-1);
    this.longest.push(0);
    this.nextWord.push(ROOT);
    children.push([]);
    children[state]!.push(cp, made);
    return made;
  }

  /** Failure links breadth first, so a state's shorter suffixes are done before it. */
  private link(children: number[][]): void {
    const queue: number[] = [ROOT];
    for (let head = 0; head < queue.length; head++) {
      const parent = queue[head]!;
      const list = children[parent]!;
      for (let k = 0; k < list.length; k += 2) {
        const cp = list[k]!;
        const state = list[k + 1]!;
        queue.push(state);
        const fail = parent === ROOT ? ROOT : this.step(this.fail[parent]!, cp);
        this.fail[state] = fail;
        this.nextWord[state] = this.wordAt[fail]! >= 0 ? fail : this.nextWord[fail]!;
        this.longest[state] = this.wordAt[state]! >= 0 ? this.depth[state]! : this.longest[fail]!;
      }
    }
  }
}
