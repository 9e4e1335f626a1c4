import { MongoClient, type Db } from 'mongodb';

export interface MongoHandle {
  client: MongoClient;
  db: Db;
}

export interface MongoOptions {
  /** How long to wait for a server: at start-up, and for each operation while none answers. */
  connectTimeoutMs: number;
  /** A socket silent for this long is dropped (the operation fails, the pool reconnects). */
  socketTimeoutMs?: number;
}

/**
 * Connects and checks the server answers, within `connectTimeoutMs`. Throws an Error whose message
 * says which URL could not be reached; callers print it and exit without a stack dump.
 */
export async function connectMongo(url: string, dbName: string, options: MongoOptions): Promise<MongoHandle> {
  const timeoutMs = options.connectTimeoutMs;
  const client = new MongoClient(url, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    ...(options.socketTimeoutMs ? { socketTimeoutMS: options.socketTimeoutMs } : {}),
    // The archive writes history in large insertMany batches; a small pool is enough.
    maxPoolSize: 20,
  });
  try {
    await client.connect();
    const db = client.db(dbName);
    await db.command({ ping: 1 });
    return { client, db };
  } catch (err) {
    await client.close().catch(() => undefined);
    throw new Error(`cannot reach MongoDB at ${redactUrl(url)} within ${timeoutMs} ms (${(err as Error).message})`);
  }
}

/** Hides a password in a connection URL before it is logged. */
export function redactUrl(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]+)@/, '//$1:***@');
}
