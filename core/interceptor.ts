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
    // Interceptors may throw instead of rejecting (plain functions are cheaper than async ones);
    // the composed function still always answers with a promise.
    try {
      return run(0);
    } catch (err) {
      return Promise.reject(err);
    }
  };
}
