/**
 * Counters and latency histograms of one load window. Generators fill them; main merges the ones of
 * every generator. Histograms (not raw samples) keep memory fixed and cross IPC cheaply.
 */

/** Smallest latency told apart (ms) and relative width of a bucket: percentiles are within ~1%. */
const MIN_MS = 0.01;
const STEP = 0.01;
const LOG_STEP = Math.log1p(STEP);

export class Histogram {
  /** counts[b]: samples in bucket b; bucket 0 holds everything up to MIN_MS. */
  readonly counts: number[];

  constructor(counts: number[] = []) {
    this.counts = counts;
  }

  record(ms: number): void {
    const b = ms <= MIN_MS ? 0 : 1 + Math.floor(Math.log(ms / MIN_MS) / LOG_STEP);
    while (this.counts.length <= b) this.counts.push(0);
    this.counts[b]! += 1;
  }

  merge(other: Histogram): void {
    while (this.counts.length < other.counts.length) this.counts.push(0);
    other.counts.forEach((n, b) => (this.counts[b]! += n));
  }

  get total(): number {
    return this.counts.reduce((a, b) => a + b, 0);
  }

  /** The q-quantile (0..1) in ms, the middle of its bucket; null without samples. */
  quantile(q: number): number | null {
    const total = this.total;
    if (total === 0) return null;
    const rank = Math.max(1, Math.ceil(q * total));
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return b === 0 ? MIN_MS : MIN_MS * Math.exp((b - 0.5) * LOG_STEP);
    }
    return null;
  }
}

/**
 * What a generator counted over the load window. The warm-up before it (BENCH_WARMUP_SECONDS) counts
 * towards what would show a fault, never towards a rate: its messages are checked for loss and
 * duplicates, and its 503, 429 and other error replies are counted.
 */
export interface Counts {
  /** Messages first sent in the window (resends not counted again). */
  sent: number;
  /** Messages sent in the window that got a non-error reply (also after the window ended). */
  acked: number;
  /** Chat events received by their recipient within the window: what deliveries/s counts. */
  delivered: number;
  /** Of `delivered`: messages sent in the warm-up that arrived in the window. */
  deliveredOfWarmup: number;
  /** Events of window messages that arrived after the window ended (during the grace period). */
  deliveredLate: number;
  /** Acked but never delivered, after the grace period (warm-up messages included). */
  lost: number;
  /** Deliveries of a message id that had arrived already (warm-up messages included). */
  duplicated: number;
  unavailable503: number;
  rateLimited429: number;
  /** Any other error reply (counted, then the next message is sent). */
  otherErrors: number;
  /** Requests still unanswered when the generator gave up waiting. */
  unanswered: number;
}

export function zeroCounts(): Counts {
  return { sent: 0, acked: 0, delivered: 0, deliveredOfWarmup: 0, deliveredLate: 0, lost: 0, duplicated: 0, unavailable503: 0, rateLimited429: 0, otherErrors: 0, unanswered: 0 };
}

export function addCounts(into: Counts, other: Counts): void {
  for (const key of Object.keys(into) as (keyof Counts)[]) into[key] += other[key];
}

/** One generator's (or, merged, the whole scenario's) measurements. */
export interface LoadResult {
  counts: Counts;
  /** Send (first attempt) → delivery, ms, for deliveries within the window. */
  deliveryLatency: Histogram;
  /** Request → reply, ms, per attempt, for attempts made and answered within the window. */
  replyLatency: Histogram;
  /** How long the grace period after the window lasted, ms (the longest of all generators). */
  graceMs: number;
}

/** The form of a LoadResult that crosses IPC (plain JSON). */
export interface LoadResultData {
  counts: Counts;
  deliveryLatency: number[];
  replyLatency: number[];
  graceMs: number;
}

export function toData(result: LoadResult): LoadResultData {
  return { counts: result.counts, deliveryLatency: result.deliveryLatency.counts, replyLatency: result.replyLatency.counts, graceMs: result.graceMs };
}

export function mergeResults(parts: readonly LoadResultData[]): LoadResult {
  const merged: LoadResult = { counts: zeroCounts(), deliveryLatency: new Histogram(), replyLatency: new Histogram(), graceMs: 0 };
  for (const part of parts) {
    addCounts(merged.counts, part.counts);
    merged.deliveryLatency.merge(new Histogram(part.deliveryLatency));
    merged.replyLatency.merge(new Histogram(part.replyLatency));
    merged.graceMs = Math.max(merged.graceMs, part.graceMs);
  }
  return merged;
}
