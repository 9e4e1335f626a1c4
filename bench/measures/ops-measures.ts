/** Operations measures (issue 13): idle memory, login and resume rates, reconnect storm, failover under load, open-loop latency. */
import type { Measure } from './measure.js';

export const OPS_MEASURES: readonly Measure[] = [];
