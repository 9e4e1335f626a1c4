import type { ExecutionContext } from 'ava';
import { createLogger, isLogLevel, silentLogger } from '../../core/logger.js';
import { loadNodeConfig, type NodeConfig } from '../../src/config.js';
import { ChatNode } from '../../src/node/chat-node.js';
import { nodeEnv, testServices, type TestServices } from './services-env.js';

/** Starts an in-process chat node on free ports against the real services; stopped at teardown. */
export async function startTestNode(
  t: ExecutionContext,
  overrides: Record<string, string> = {},
  services: TestServices = testServices(),
): Promise<{ node: ChatNode; port: number; config: NodeConfig; services: TestServices }> {
  const config = loadNodeConfig(nodeEnv(services, { NODE_ID: `node-${Math.random().toString(36).slice(2, 8)}`, ...overrides }));
  // TEST_LOG=debug (or info…) shows the nodes' logs on stderr while debugging a test.
  const level = process.env.TEST_LOG;
  const logger = level && isLogLevel(level) ? createLogger(level, { nodeId: config.nodeId }, (line) => process.stderr.write(line)) : silentLogger;
  const node = new ChatNode(config, logger);
  t.teardown(() => node.stop());
  await node.start();
  return { node, port: node.clientPort, config, services };
}
