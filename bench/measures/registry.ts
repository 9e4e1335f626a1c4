/** Every measure of `npm run bench`, in the order they run (after the throughput scenarios). */
import { LATENCY_MEASURES } from './latency-measures.js';
import type { Measure } from './measure.js';
import { OPS_MEASURES } from './ops-measures.js';
import { PUSH_MEASURES } from './push-measures.js';

export const MEASURES: readonly Measure[] = [...PUSH_MEASURES, ...OPS_MEASURES, ...LATENCY_MEASURES];
