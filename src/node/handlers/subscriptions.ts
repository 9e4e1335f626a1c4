import type { ReplyData, RequestData } from '../../../protocol/actions.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';

/** The push types this user turned off (chat is not a push type: it cannot be turned off). */
export async function subscriptions(services: NodeServices, ctx: RequestContext): Promise<ReplyData['subscriptions']> {
  return { off: [...((await services.subscriptions.off(ctx.user)) ?? [])].sort() };
}

/** Turns push types on or off; every node applies it at once, for every device of the user. */
export async function setSubscriptions(services: NodeServices, ctx: RequestContext, data: RequestData<'setSubscriptions'>): Promise<ReplyData['setSubscriptions']> {
  return { off: await services.subscriptions.change(ctx.user, data.types) };
}
