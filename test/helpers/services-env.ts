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
