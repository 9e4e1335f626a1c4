/**
 * Characters that let one user repaint another's terminal or reorder what it shows: C0 controls
 * (ESC starts every escape sequence; CR and BS overwrite) except newline and tab, DEL, C1 controls
 * (U+009B is a one-character CSI), and the Unicode bidi overrides and isolates.
 */
const UNSAFE_CHARS = '[\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]';
const HAS_UNSAFE = new RegExp(UNSAFE_CHARS);
const ALL_UNSAFE = new RegExp(UNSAFE_CHARS, 'g');

/** The text without terminal controls: what users write is stored and delivered as text only. */
export function stripControls(text: string): string {
  return HAS_UNSAFE.test(text) ? text.replace(ALL_UNSAFE, '') : text;
}
