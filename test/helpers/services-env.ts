import { randomBytes } from 'node:crypto';

/**
 * Addresses of the real services the test run started (scripts/services.mjs run sets them).
 * Each caller gets its own MongoDB database and Redis key prefix, so test files running in
 * parallel never see each other's data.
 */
export interface TestServices {
  zkConnect: string;
  redisUrl: string;
  mongoUrl: string;
  mongoDb: string;
  redisPrefix: string;
  /** ZooKeeper root of this test's cluster. */
  zkRoot: string;
  clusterSecret: string;
}

export function testServices(): TestServices {
  const { ZK_CONNECT, REDIS_URL, MONGO_URL } = process.env;
  if (!ZK_CONNECT || !REDIS_URL || !MONGO_URL) {
    throw new Error('ZK_CONNECT, REDIS_URL and MONGO_URL must be set: run the tests with `npm test`');
  }
  const tag = randomBytes(4).toString('hex');
  return {
    zkConnect: ZK_CONNECT, redisUrl: REDIS_URL, mongoUrl: MONGO_URL, mongoDb: `test_${tag}`, redisPrefix: `test:${tag}:`, zkRoot: `/zkchat-test-${tag}`, clusterSecret: `test-secret-${tag}-0123456789` };
}

/** Environment of a chat node on free ports against `services`. */
export function nodeEnv(services: TestServices, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CLIENT_PORT: '0',
    CLUSTER_PORT: '0',
    ADMIN_PORT: '0',
    // Every test connects from 127.0.0.1: the per-address limits are tested on their own.
    LOGIN_ATTEMPTS_PER_IP: '1000000',
    LOGIN_ATTEMPTS_PER_USER: '1000000',
    MAX_CONNECTIONS_PER_IP: '100000',
    ZK_CONNECT: services.zkConnect,
    ZK_ROOT: services.zkRoot,
    ZK_SESSION_TIMEOUT_MS: '2000',
    CLUSTER_SECRET: services.clusterSecret,
    REDIS_URL: services.redisUrl,
    REDIS_PREFIX: services.redisPrefix,
    MONGO_URL: services.mongoUrl,
    MONGO_DB: services.mongoDb,
    ...overrides,
  };
}
