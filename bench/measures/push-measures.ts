/** Push measures (issue 12): broadcast time to N connections, push-to-user throughput through the API and the queue. */
import type { Measure } from './measure.js';
import { broadcastMeasure } from './push-broadcast.js';
import { pushUserApiMeasure, pushUserStreamMeasure } from './push-user.js';

export const PUSH_MEASURES: readonly Measure[] = [broadcastMeasure, pushUserApiMeasure, pushUserStreamMeasure];
