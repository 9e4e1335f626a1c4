import { badRequest } from '../../../core/errors.js';
import { SYNC_LIMIT_DEFAULT, type ReplyData, type RequestData } from '../../../protocol/actions.js';
import { epochBelongsTo } from '../../inbox/epoch.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';

/**
 * The device's missed events: everything in its user's inbox after seq `after`, oldest first, at
 * most `limit`. `complete: false` when the log no longer reaches back to the cursor (trimmed by
 * count or age), or the cursor is from an earlier epoch (the log was lost): then the device knows
 * it may have missed something, and takes the current epoch.
 */
export async function sync(services: NodeServices, ctx: RequestContext, data: RequestData<'sync'>): Promise<ReplyData['sync']> {
  const { after, epoch } = data;
  if (epoch !== undefined && !epochBelongsTo(epoch, ctx.user)) throw badRequest('data.epoch is not an epoch of your inbox: it belongs to another user');
  const read = await services.log.read(ctx.user, after, data.limit ?? SYNC_LIMIT_DEFAULT, epoch);
  if (epoch !== undefined && epoch !== read.epoch) return { events: [], complete: false, head: read.head, epoch: read.epoch };
  if (after > read.head) throw badRequest(`data.after (${after}) is ahead of the inbox head (${read.head})`);
  return { events: read.events, complete: read.firstSeq <= after + 1, head: read.head, epoch: read.epoch };
}
