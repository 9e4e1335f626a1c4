import { createLogger } from '../../core/logger.js';
import { runUntilSignal } from '../process.js';
import { loadGatewayConfig } from './config.js';
import { Gateway } from './http-server.js';

await runUntilSignal('gateway', async () => {
  const config = loadGatewayConfig();
  const logger = createLogger(config.logLevel, { role: 'gateway' });
  const gateway = new Gateway(config, logger);
  await gateway.start();
  return () => gateway.stop();
});
