// pm2 process file for the local cluster: a gateway and three chat nodes.
// `npm run up` starts it with PM2_HOME=.pm2 inside the project; the package is ESM, and pm2
// reads the `apps` export. Settings come from the environment `npm run up` sets (see README).
const shared = {
  ZK_CONNECT: process.env.ZK_CONNECT ?? '127.0.0.1:2181',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  MONGO_URL: process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017',
  MONGO_DB: process.env.MONGO_DB ?? 'zkchat',
  CLUSTER_SECRET: process.env.CLUSTER_SECRET ?? '',
  ADMIN_TOKEN: process.env.ADMIN_TOKEN ?? '',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
};

const common = {
  // The process says `ready` once its ports listen (wait_ready), and gets time to drain on stop
  // (its own shutdown gives up after 10 s).
  wait_ready: true,
  listen_timeout: 20_000,
  kill_timeout: 12_000,
  max_restarts: 20,
  restart_delay: 1000,
  merge_logs: true,
};

const NODE_COUNT = Number(process.env.NODE_COUNT ?? 3);

const nodes = Array.from({ length: NODE_COUNT }, (_, i) => ({
  ...common,
  name: `zkchat-node-${i + 1}`,
  script: 'dist/src/node/main.js',
  out_file: `logs/node-${i + 1}.out.log`,
  error_file: `logs/node-${i + 1}.err.log`,
  env: { ...shared, NODE_ID: `node-${i + 1}`, CLIENT_PORT: String(4101 + i), CLUSTER_PORT: String(4201 + i), ADMIN_PORT: String(4301 + i), METRICS_PORT: String(4401 + i) },
}));

const gateway = {
  ...common,
  name: 'zkchat-gateway',
  script: 'dist/src/gateway/main.js',
  out_file: 'logs/gateway.out.log',
  error_file: 'logs/gateway.err.log',
  env: { ...shared, GATEWAY_PORT: process.env.GATEWAY_PORT ?? '4000' },
};

export const apps = [gateway, ...nodes];
