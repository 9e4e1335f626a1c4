import { createLogger } from '../../core/logger.js';
import { loadNodeConfig } from '../config.js';
import { runUntilSignal } from '../process.js';
import { ChatNode } from './chat-node.js';

await runUntilSignal('chat node', async () => {
  const config = loadNodeConfig();
  const logger = createLogger(config.logLevel, { role: 'node', nodeId: config.nodeId });
  const node = new ChatNode(config, logger);
  await node.start();
  return () => node.stop();
});
