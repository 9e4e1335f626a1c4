/**
 * Ordered interceptor chain run around a handler, stopping at the first that throws
 * or does not call `next` (Socket.IO middleware style).
 */
export type Next = () => Promise<void>;
export type Interceptor<Ctx> = (ctx: Ctx, next: Next) => Promise<void>;

export function compose<Ctx>(interceptors: readonly Interceptor<Ctx>[], last: (ctx: Ctx) => Promise<void>): (ctx: Ctx) => Promise<void> {
  return (ctx) => {
    const run = (index: number): Promise<void> => {
      if (index === interceptors.length) return last(ctx);
      let called = false;
      return interceptors[index]!(ctx, () => {
        if (called) return Promise.reject(new Error('next() called twice'));
        called = true;
        return run(index + 1);
      });
    };
    return run(0);
  };
}
