/** Operations measures (issue 13): idle memory, login and resume rates, reconnect storm, failover under load. */
import type { Measure } from './measure.js';
import { failover } from './ops-failover.js';
import { idleMemory } from './ops-idle-memory.js';
import { loginRate } from './ops-login-rate.js';
import { reconnectStorm } from './ops-reconnect-storm.js';
import { resumeRate } from './ops-resume-rate.js';

export const OPS_MEASURES: readonly Measure[] = [idleMemory, loginRate, resumeRate, reconnectStorm, failover];
