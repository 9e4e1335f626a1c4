/** The keyboard side of a terminal: process.stdin, or a stand-in in tests. */
export interface TerminalInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  setRawMode?(mode: boolean): unknown;
}

/** The screen side: process.stdout, or a stand-in in tests. `columns` is how wide a row is. */
export interface TerminalOutput extends NodeJS.WritableStream {
  isTTY?: boolean;
  columns?: number;
}

/** Where prompts and the chat line read and write; one value so that tests can hand in a fake one. */
export interface Terminal {
  input: TerminalInput;
  output: TerminalOutput;
}

export function processTerminal(): Terminal {
  return { input: process.stdin, output: process.stdout };
}
