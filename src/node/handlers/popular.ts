import { POPULAR_LIMIT_DEFAULT, type ReplyData, type RequestData } from '../../../protocol/actions.js';
import type { RequestContext } from '../request-context.js';
import type { NodeServices } from '../services.js';

/** The hot-words board: the most used words since the last reset, with their counts. */
export async function popular(services: NodeServices, _ctx: RequestContext, data: RequestData<'popular'>): Promise<ReplyData['popular']> {
  return { words: await services.hotWords.top(data.limit ?? POPULAR_LIMIT_DEFAULT) };
}
