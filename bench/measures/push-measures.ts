/** Push measures (issue 12): broadcast time to N connections, push-to-user throughput. */
import type { Measure } from './measure.js';

export const PUSH_MEASURES: readonly Measure[] = [];
