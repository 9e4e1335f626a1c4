/**
 * Action dispatcher: maps an action name to its handler, with a default handler for
 * names nobody registered. Used by the server for client requests and by the terminal
 * client for replies, events and typed commands alike.
 */
export type HandlerFn<Ctx, D = unknown> = (ctx: Ctx, data: D, action: string) => unknown | Promise<unknown>;

export class Handler<Ctx> {
  readonly #handlers = new Map<string, HandlerFn<Ctx>>();

  constructor(
    handlers: Record<string, HandlerFn<Ctx, never>>,
    private readonly fallback: HandlerFn<Ctx>,
  ) {
    for (const [action, fn] of Object.entries(handlers)) this.#handlers.set(action, fn as HandlerFn<Ctx>);
  }

  has(action: string): boolean {
    return this.#handlers.has(action);
  }

  dispatch(action: string, ctx: Ctx, data: unknown): unknown | Promise<unknown> {
    const fn = this.#handlers.get(action) ?? this.fallback;
    return fn(ctx, data, action);
  }
}
