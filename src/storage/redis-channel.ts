import type { Redis } from 'ioredis';
import type { Logger } from '../../core/logger.js';

export interface ChannelHandlers {
  message(text: string): void;
  /** The connection came (back) up: anything published while it was down was missed. */
  ready?(): void;
}

/**
 * Listens to a Redis pub/sub channel on a connection of its own (a subscribed connection can send
 * nothing else). It reconnects and resubscribes by itself; the main connection's failures are what
 * requests report, so its errors are only logged at debug. The connection is returned at once (a
 * stop during start can disconnect it), with the subscription that settles later.
 */
export function listenToChannel(redis: Redis, channel: string, logger: Logger, handlers: ChannelHandlers): { connection: Redis; subscribed: Promise<unknown> } {
  const subscriber = redis.duplicate();
  subscriber.on('error', (err: Error) => logger.debug('channel connection error', { channel, err: err.message }));
  subscriber.on('message', (_channel: string, text: string) => handlers.message(text));
  const { ready } = handlers;
  if (ready) subscriber.on('ready', () => ready());
  return { connection: subscriber, subscribed: subscriber.subscribe(channel) };
}
