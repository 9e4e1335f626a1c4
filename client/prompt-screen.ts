import * as readline from 'node:readline';
import type { TerminalOutput } from './terminal.js';

/**
 * Output of the chat line while readline edits the input below it. On a terminal the input may
 * wrap over several rows; printing only clears the row the cursor is on would leave copies of
 * the others behind, and readline's redraw (which starts as many rows up as the cursor is into
 * the input) would then overwrite the text just printed. So every row of the prompt and input is
 * cleared first, the text printed, and the prompt and input drawn again with the cursor where it was.
 */
export class PromptScreen {
  #open = true;

  constructor(
    private readonly rl: readline.Interface,
    private readonly output: TerminalOutput,
  ) {
    // Closed from the keyboard (Ctrl-D) or by the end of input: what follows starts on a line of its own.
    rl.once('close', () => {
      if (!this.#open) return;
      this.#open = false;
      if (this.#isTerminal) this.output.write('\n');
    });
  }

  get #isTerminal(): boolean {
    return this.output.isTTY === true;
  }

  /** Prints `text` (one or more lines) above the prompt; the partial input stays as it was. */
  print(text: string): void {
    if (!this.#open || !this.#isTerminal) {
      this.output.write(`${text}\n`);
      return;
    }
    const rows = this.#clearInput();
    // readline redraws from `rows` rows above where it believes the cursor is: blank rows below
    // the text put that start right under it (on the last screen row they scroll, which is the same).
    this.output.write(`${text}\n${'\n'.repeat(rows)}`);
    this.rl.prompt(true);
  }

  /** Shows a new prompt at once, keeping the input and cursor. */
  setPrompt(prompt: string): void {
    this.rl.setPrompt(prompt);
    if (this.#open && this.#isTerminal) this.rl.prompt(true);
  }

  /** Leaves the input on screen as typed and moves below it, so what is printed next has its own line. */
  leave(): void {
    if (!this.#open) return;
    this.#open = false;
    if (!this.#isTerminal) return;
    // readline's own "end of line" key moves the cursor past the last row of the input.
    this.rl.write(null, { ctrl: true, name: 'e' });
    this.output.write('\n');
  }

  /** Removes the prompt and input from the screen; later text starts where the prompt was. */
  close(): void {
    if (!this.#open) return;
    this.#open = false;
    if (this.#isTerminal) this.#clearInput();
  }

  /** Clears every row of the prompt and input; the cursor ends at the start of the first. Returns how many rows the cursor was below it. */
  #clearInput(): number {
    const { rows } = this.rl.getCursorPos();
    readline.moveCursor(this.output, 0, -rows);
    readline.cursorTo(this.output, 0);
    readline.clearScreenDown(this.output);
    return rows;
  }
}
