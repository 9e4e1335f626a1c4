/** Number formats and statistics shared by the push measures' reports. */

/** ms with two decimals below 10, one above; '-' for none. */
export function ms(x: number | null): string {
  return x === null ? '-' : x < 10 ? x.toFixed(2) : x.toFixed(1);
}

export function pct(x: number | null): string {
  return x === null ? 'n/a' : `${x.toFixed(1)}%`;
}

export function round(x: number | null, digits = 2): number | null {
  return x === null ? null : Number(x.toFixed(digits));
}

/** The median of some values (the lower middle for an even count); null for none. */
export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export function worst(values: readonly number[]): number | null {
  return values.length === 0 ? null : Math.max(...values);
}

/** 100 × reference ÷ value, or 100 × value ÷ reference (`higherIsBetter`); null when either is missing. */
export function ratioPct(value: number | null, reference: number | null, higherIsBetter: boolean): number | null {
  if (value === null || reference === null || value === 0 || reference === 0) return null;
  return higherIsBetter ? (100 * value) / reference : (100 * reference) / value;
}
