/**
 * The bench's plain-text tables: a header and rows of cells, each column as wide as its widest
 * cell, the first left-aligned (names) and the rest right-aligned (numbers). Returns the lines.
 */
export function alignedColumns(head: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(head), ...rows.map(line)];
}
