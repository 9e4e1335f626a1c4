import { MongoNetworkError, MongoServerError, MongoNotConnectedError, MongoOperationTimeoutError, MongoServerSelectionError, MongoTopologyClosedError } from 'mongodb';

/**
 * Whether `err` means Redis or MongoDB could not be reached (rather than a bug): the client
 * then gets 503 "try again", not 500.
 */
export function isBackendUnavailable(err: unknown): boolean {
  if (
    err instanceof MongoNetworkError ||
    err instanceof MongoServerSelectionError ||
    err instanceof MongoNotConnectedError ||
    err instanceof MongoTopologyClosedError ||
    err instanceof MongoOperationTimeoutError
  ) {
    return true;
  }
  // 50: MaxTimeMSExpired, a query that took longer than MONGO_MAX_TIME_MS.
  if (err instanceof MongoServerError && err.code === 50) return true;
  if (!(err instanceof Error)) return false;
  // ioredis has no exported class for these: it rejects with these names and messages.
  return err.name === 'MaxRetriesPerRequestError' || /Connection is closed|Stream isn't writeable|Command timed out|ECONNREFUSED|ECONNRESET/.test(err.message);
}
