import { badRequest } from '../../../core/errors.js';
import type { ReplyData, RequestData } from '../../../protocol/actions.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';

/**
 * The device processed its inbox up to `seq`. Its position is kept (per named device), and the
 * senders of private messages up to there that no device had acknowledged get `delivered`: stored
 * in their inboxes, then sent live to the devices connected now.
 */
export async function ack(services: NodeServices, ctx: RequestContext, data: RequestData<'ack'>): Promise<ReplyData['ack']> {
  const result = await services.log.ack(ctx.user, ctx.conn.device, data.seq);
  if (result.status === 'ahead') throw badRequest(`data.seq (${data.seq}) is ahead of the inbox head (${result.head})`);
  for (const { id, sender, to, senderSeq, senderNodes } of result.receipts) {
    services.router.deliver(`delivered:${id}`, { action: 'delivered', data: { id, to } }, [{ user: sender, seq: senderSeq, nodes: senderNodes }]);
  }
  return { seq: data.seq };
}
