// pm2 process file: `npm run up` starts it with PM2_HOME=.pm2 inside the project.
// ESM (the package is "type": "module"); pm2 reads the `apps` export.
const shared = {
  ZK_CONNECT: process.env.ZK_CONNECT ?? '127.0.0.1:2181',
  REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
  MONGO_URL: process.env.MONGO_URL ?? 'mongodb://127.0.0.1:27017',
  MONGO_DB: process.env.MONGO_DB ?? 'zkchat',
  LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
};

const common = {
  // The process says `ready` once its ports listen (wait_ready), and gets time to drain on stop.
  wait_ready: true,
  listen_timeout: 20_000,
  kill_timeout: 12_000,
  max_restarts: 20,
  restart_delay: 1000,
  merge_logs: true,
};

const NODE_COUNT = Number(process.env.NODE_COUNT ?? 1);

const nodes = Array.from({ length: NODE_COUNT }, (_, i) => ({
  ...common,
  name: `zkchat-node-${i + 1}`,
  script: 'dist/src/node/main.js',
  out_file: `logs/node-${i + 1}.out.log`,
  error_file: `logs/node-${i + 1}.err.log`,
  env: { ...shared, NODE_ID: `node-${i + 1}`, CLIENT_PORT: String(4101 + i), CLUSTER_PORT: String(4201 + i) },
}));

export const apps = [...nodes];
