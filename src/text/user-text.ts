import { badRequest } from '../../core/errors.js';
import { stripControls } from './control-chars.js';
import type { WordFilterSource } from './word-filter-source.js';

/**
 * What a user wrote, as it is stored, delivered and counted: terminal controls removed, dirty words
 * masked. Text that is nothing but controls is refused (400), not stored empty.
 */
export function cleanUserText(words: WordFilterSource, text: string, field: string): string {
  const stripped = stripControls(text);
  if (stripped.trim() === '') throw badRequest(`${field} has nothing left once control characters are removed`);
  return words.mask(stripped);
}
