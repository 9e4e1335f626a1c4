import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry of its own for each node or gateway, never prom-client's global one: tests run several
 * nodes in one process, and each must export only its own series. Each also gets the standard
 * `process_*` and `nodejs_*` series (CPU, memory, event-loop lag, GC).
 */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/** Seconds, for latencies from a fraction of a millisecond (loopback Redis) to seconds (a stall). */
export const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Seconds, for latencies measured with millisecond timestamps (`Date.now()`). */
export const MS_LATENCY_BUCKETS = [0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
