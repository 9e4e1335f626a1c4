import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import type { TerminalInput } from './terminal.js';

export interface InputGuardOptions {
  /** Longest line; characters that would make it longer are dropped. */
  maxChars: number;
  /** Length of the line being edited right now (readline's), or undefined to count here alone. */
  lineLength?: () => number;
  /** Called once when characters start being dropped, and again only after the line got shorter. */
  onOverflow: () => void;
}

type EscapeState = 'none' | 'start' | 'csi' | 'ss3';

/**
 * Stands between the keyboard and readline and keeps the line under `maxChars`. readline
 * measures the whole line on every key and redraws it on every row it grows by, so a long paste
 * that arrives a few characters at a time costs it time growing with the square of its length:
 * 70,000 characters froze the client for minutes, long enough to miss its heartbeats. Here every
 * character costs one comparison, and those past the limit never reach readline.
 *
 * Keys that are not text (Enter, Backspace, arrows and other escape sequences, Ctrl-…) always
 * pass. Within one chunk the length is followed here; between chunks it is read from readline,
 * which handles each chunk as it is pushed.
 */
export class InputGuard extends Transform {
  readonly isTTY: boolean;
  readonly #source: TerminalInput;
  readonly #decoder = new StringDecoder('utf8');
  readonly #options: InputGuardOptions;
  readonly #forward = (chunk: Buffer | string) => this.write(chunk);
  readonly #finish = () => this.end();
  #length = 0;
  #escape: EscapeState = 'none';
  #overflowing = false;

  constructor(source: TerminalInput, options: InputGuardOptions) {
    super();
    this.#source = source;
    this.#options = options;
    this.isTTY = source.isTTY === true;
    source.on('data', this.#forward);
    source.on('end', this.#finish);
    // A prompt before (or detach()) may have paused it: a 'data' listener alone does not resume it then.
    source.resume();
  }

  /** readline switches the terminal to raw mode through its input: pass that on. */
  setRawMode(mode: boolean): this {
    this.#source.setRawMode?.(mode);
    return this;
  }

  /** Lets go of the keyboard (paused, so that the next prompt can read it). */
  detach(): void {
    this.#source.off('data', this.#forward);
    this.#source.off('end', this.#finish);
    this.#source.pause();
  }

  override _transform(chunk: Buffer | string, _encoding: BufferEncoding, done: TransformCallback): void {
    const text = typeof chunk === 'string' ? chunk : this.#decoder.write(chunk);
    const kept = this.#cut(text);
    if (kept !== '') this.push(kept);
    done();
  }

  #cut(text: string): string {
    const { maxChars } = this.#options;
    let length = this.#options.lineLength?.() ?? this.#length;
    if (length < maxChars) this.#overflowing = false;
    let kept = '';
    let dropped = false;
    for (const ch of text) {
      if (this.#inEscape(ch)) {
        kept += ch;
        continue;
      }
      const code = ch.codePointAt(0) ?? 0;
      if (ch === '\r' || ch === '\n' || ch === '\x15' /* Ctrl-U */) length = 0;
      else if (ch === '\x7f' || ch === '\b') length = Math.max(0, length - 1);
      else if (code >= 0x20 || ch === '\t') {
        // Text, counted as JavaScript counts string length (as MESSAGE_MAX is).
        if (length + ch.length > maxChars) {
          dropped = true;
          continue;
        }
        length += ch.length;
      }
      kept += ch;
    }
    this.#length = length;
    if (dropped && !this.#overflowing) {
      this.#overflowing = true;
      // After readline has drawn what was kept, so the notice goes above the cut line.
      setImmediate(() => this.#options.onOverflow());
    }
    return kept;
  }

  /** Follows escape sequences (arrows, Home, F-keys, Alt-…), which are keys, not text. */
  #inEscape(ch: string): boolean {
    switch (this.#escape) {
      case 'none':
        if (ch !== '\x1b') return false;
        this.#escape = 'start';
        return true;
      case 'start':
        this.#escape = ch === '[' ? 'csi' : ch === 'O' ? 'ss3' : ch === '\x1b' ? 'start' : 'none';
        return true;
      case 'csi': {
        // Parameters and intermediates are 0x20-0x3f; one byte of 0x40-0x7e ends the sequence.
        const code = ch.codePointAt(0) ?? 0;
        if (code < 0x20 || code > 0x3f) this.#escape = 'none';
        return true;
      }
      case 'ss3':
        this.#escape = 'none';
        return true;
    }
  }
}
