import { PassThrough, Writable } from 'node:stream';
import type { Terminal } from '../../client/terminal.js';

/**
 * A small terminal emulator: what a person would see after the bytes written to it. Rows are
 * `columns` wide and wrap the way xterm does (a character in the last column leaves the cursor
 * there until the next one); "\n" also returns the carriage, as a tty's output processing
 * (ONLCR) does in raw mode. It knows the cursor moves, erasures and colours that readline,
 * inquirer and chalk write; the scrollback has no limit, so nothing scrolls out of view.
 */
export class TerminalScreen {
  readonly #rows: string[][] = [[]];
  #row = 0;
  #col = 0;
  #pendingWrap = false;
  #escape = '';

  constructor(readonly columns: number) {}

  get cursor(): { row: number; col: number } {
    return { row: this.#row, col: this.#col };
  }

  /** Every row, trailing blanks trimmed, up to the last one that holds something or the cursor. */
  lines(): string[] {
    const lines = this.#rows.map((cells) => cells.map((c) => c || ' ').join('').trimEnd());
    let last = lines.length - 1;
    while (last > this.#row && lines[last] === '') last--;
    return lines.slice(0, last + 1);
  }

  /** The screen as one string, for failure messages. */
  dump(): string {
    return this.lines()
      .map((line, i) => `${String(i).padStart(3)}${i === this.#row ? '>' : '|'}${line}`)
      .join('\n');
  }

  write(text: string): void {
    for (const ch of text) {
      if (this.#escape !== '') this.#continueEscape(ch);
      else if (ch === '\x1b') this.#escape = ch;
      else this.#control(ch) || this.#put(ch);
    }
  }

  #control(ch: string): boolean {
    switch (ch) {
      case '\r':
        this.#moveTo(this.#row, 0);
        return true;
      case '\n':
        this.#moveTo(this.#row + 1, 0);
        return true;
      case '\b':
        this.#moveTo(this.#row, Math.max(0, this.#col - 1));
        return true;
      case '\t':
        this.#moveTo(this.#row, Math.min(this.columns - 1, (Math.floor(this.#col / 8) + 1) * 8));
        return true;
      case '\x07':
        return true;
      default:
        return false;
    }
  }

  #put(ch: string): void {
    if (this.#pendingWrap) this.#moveTo(this.#row + 1, 0);
    this.#rowCells(this.#row)[this.#col] = ch;
    if (this.#col === this.columns - 1) this.#pendingWrap = true;
    else this.#col++;
  }

  #continueEscape(ch: string): void {
    this.#escape += ch;
    const seq = this.#escape;
    if (seq.length === 2 && ch !== '[' && ch !== ']') {
      this.#escape = ''; // two-character sequences (keypad modes and such) change nothing visible
      return;
    }
    if (seq.startsWith('\x1b]')) {
      if (ch === '\x07' || seq.endsWith('\x1b\\')) this.#escape = '';
      return;
    }
    if (seq.length > 2 && ch >= '@' && ch <= '~') {
      this.#escape = '';
      this.#csi(seq.slice(2, -1), ch);
    }
  }

  #csi(params: string, final: string): void {
    if (params.startsWith('?')) return; // cursor visibility, bracketed paste and other modes
    const args = params.split(';').map((p) => (p === '' ? NaN : Number(p)));
    const n = Number.isNaN(args[0] ?? NaN) ? 1 : args[0]!;
    switch (final) {
      case 'A':
        return this.#moveTo(Math.max(0, this.#row - n), this.#col);
      case 'B':
        return this.#moveTo(this.#row + n, this.#col);
      case 'C':
        return this.#moveTo(this.#row, Math.min(this.columns - 1, this.#col + n));
      case 'D':
        return this.#moveTo(this.#row, Math.max(0, this.#col - n));
      case 'E':
        return this.#moveTo(this.#row + n, 0);
      case 'F':
        return this.#moveTo(Math.max(0, this.#row - n), 0);
      case 'G':
        return this.#moveTo(this.#row, Math.min(this.columns - 1, n - 1));
      case 'J':
        return this.#eraseDisplay(Number.isNaN(args[0] ?? NaN) ? 0 : args[0]!);
      case 'K':
        return this.#eraseLine(Number.isNaN(args[0] ?? NaN) ? 0 : args[0]!);
      default:
        return; // colours (m) and anything else that does not move or erase
    }
  }

  #eraseLine(mode: number): void {
    const cells = this.#rowCells(this.#row);
    if (mode === 0) cells.length = Math.min(cells.length, this.#col);
    else if (mode === 1) for (let i = 0; i <= this.#col && i < cells.length; i++) cells[i] = ' ';
    else cells.length = 0;
  }

  #eraseDisplay(mode: number): void {
    if (mode === 0) {
      this.#eraseLine(0);
      this.#rows.length = this.#row + 1;
    } else if (mode === 2 || mode === 3) {
      for (const cells of this.#rows) cells.length = 0;
    }
  }

  #moveTo(row: number, col: number): void {
    this.#pendingWrap = false;
    this.#row = row;
    this.#col = col;
    this.#rowCells(row);
  }

  #rowCells(row: number): string[] {
    while (this.#rows.length <= row) this.#rows.push([]);
    return this.#rows[row]!;
  }
}

/** Keys as a terminal sends them. */
export const KEY = {
  enter: '\r',
  tab: '\t',
  up: '\x1b[A',
  down: '\x1b[B',
  right: '\x1b[C',
  left: '\x1b[D',
  home: '\x1b[H',
  ctrlA: '\x01',
  ctrlC: '\x03',
  ctrlE: '\x05',
} as const;

class FakeKeyboard extends PassThrough {
  readonly isTTY = true;
  isRaw = false;

  setRawMode(mode: boolean): this {
    this.isRaw = mode;
    return this;
  }
}

class FakeScreenStream extends Writable {
  readonly isTTY = true;
  readonly rows = 50;
  bytes = 0;

  constructor(
    readonly columns: number,
    private readonly onText: (text: string) => void,
  ) {
    super({ decodeStrings: false });
  }

  /** Like process.stdout, a stream piped into it does not end it (inquirer pipes each prompt's output here). */
  override end(): this {
    return this;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const text = typeof chunk === 'string' ? chunk : chunk.toString('utf8');
    this.bytes += Buffer.byteLength(text);
    this.onText(text);
    done();
  }
}

/**
 * A terminal for the client's prompts and chat line: a keyboard to type on and a screen that
 * shows what the client wrote, `columns` wide.
 */
export class FakeTerminal implements Terminal {
  readonly screen: TerminalScreen;
  readonly input: FakeKeyboard;
  readonly output: FakeScreenStream;
  readonly #watchers = new Set<() => void>();

  constructor(columns = 80) {
    this.screen = new TerminalScreen(columns);
    this.input = new FakeKeyboard();
    this.output = new FakeScreenStream(columns, (text) => {
      this.screen.write(text);
      for (const watcher of [...this.#watchers]) watcher();
    });
  }

  /** Types `text` as one chunk, as a fast paste or a key sequence arrives. */
  type(text: string): void {
    this.input.write(text);
  }

  /** Types `text` one character per chunk, as a person types (and as some terminals pass a paste on). */
  typeSlowly(text: string): void {
    for (const ch of text) this.input.write(ch);
  }

  lines(): string[] {
    return this.screen.lines();
  }

  /** The row the cursor is on. */
  cursorLine(): string {
    return this.screen.lines()[this.screen.cursor.row] ?? '';
  }

  /**
   * Resolves with the screen once `check` held for it (checked after every write) and the code
   * that wrote it finished its turn; rejects with the screen after `timeoutMs`, which only bounds
   * a test that would otherwise hang.
   */
  waitFor(check: (lines: string[]) => boolean, what: string, timeoutMs = 10_000): Promise<string[]> {
    const seen = new Promise<void>((resolve, reject) => {
      const test = () => {
        if (!check(this.screen.lines())) return;
        done();
        resolve();
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`the screen never showed ${what}:\n${this.screen.dump()}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.#watchers.delete(test);
      };
      this.#watchers.add(test);
      test();
    });
    // Read once the code that wrote it has finished its turn (a redraw may follow in the same one).
    return seen.then(() => this.screen.lines());
  }

  /** Waits for a row that matches `pattern`. */
  waitForLine(pattern: RegExp | string, timeoutMs?: number): Promise<string[]> {
    const matches = (line: string) => (typeof pattern === 'string' ? line.includes(pattern) : pattern.test(line));
    return this.waitFor((lines) => lines.some(matches), `a line matching ${String(pattern)}`, timeoutMs);
  }
}
