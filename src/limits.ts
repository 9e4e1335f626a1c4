import { envInt, type Env } from './env.js';

/**
 * Every limit of a chat node, in one place: its environment variable, default and bounds. README's
 * configuration table lists each of them (a test checks that), and `loadLimits` reads them at start-up.
 */
interface LimitSpec {
  env: string;
  default: number;
  min: number;
  max?: number;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

const SPECS = {
  client: {
    /** Largest accepted frame, in bytes; larger frames close the connection with 1009. */
    maxFrameBytes: { env: 'MAX_FRAME_BYTES', default: 64 * KiB, min: 256 },
    /** Unsent bytes per connection before it is closed as a slow consumer (4001). */
    maxBufferedBytes: { env: 'MAX_BUFFERED_BYTES', default: MiB, min: KiB },
    /** Requests of one connection waiting to be handled; beyond it the sender is a flood (4002). */
    maxPendingRequests: { env: 'MAX_PENDING_REQUESTS', default: 64, min: 1 },
    ratePerSecond: { env: 'RATE_LIMIT_PER_SEC', default: 20, min: 1 },
    rateBurst: { env: 'RATE_LIMIT_BURST', default: 40, min: 1 },
    /** Rejected requests beyond the burst before the connection is closed as a flood. */
    floodAllowance: { env: 'FLOOD_ALLOWANCE', default: 60, min: 0 },
    /** How often the server pings each client, and how long the client has to answer. */
    heartbeatIntervalMs: { env: 'HEARTBEAT_INTERVAL_MS', default: 25_000, min: 50 },
    heartbeatTimeoutMs: { env: 'HEARTBEAT_TIMEOUT_MS', default: 10_000, min: 50 },
    /** A connection that has not logged in this long after connecting is closed (4003). */
    loginTimeoutMs: { env: 'LOGIN_TIMEOUT_MS', default: 60_000, min: 100 },
    /** Connections one address may hold on a node; more are closed at once (4004). */
    maxConnectionsPerIp: { env: 'MAX_CONNECTIONS_PER_IP', default: 1000, min: 1 },
    /** Logged-in connections one user may hold on a node; another login answers 429. */
    maxConnectionsPerUser: { env: 'MAX_CONNECTIONS_PER_USER', default: 10, min: 1 },
  },
  login: {
    /** Login and register attempts per username, and per address, in each window (all nodes together, counted in Redis); more answer 429. */
    attemptsPerUser: { env: 'LOGIN_ATTEMPTS_PER_USER', default: 10, min: 1 },
    attemptsPerIp: { env: 'LOGIN_ATTEMPTS_PER_IP', default: 60, min: 1 },
    windowMs: { env: 'LOGIN_THROTTLE_WINDOW_MS', default: 60_000, min: 1000 },
    /** How long a resume token from a login stays good (each resume hands out a fresh one). */
    resumeTokenTtlMs: { env: 'RESUME_TOKEN_TTL_MS', default: 7 * DAY_MS, min: 1000 },
  },
  inbox: {
    /** Events each user's inbox keeps; older ones are trimmed (a device behind that gets `complete: false`). */
    maxEvents: { env: 'INBOX_MAX_EVENTS', default: 1000, min: 10 },
    /** How long an inbox event is kept, and how long a conversation's recent list lives after its last message. */
    maxAgeMs: { env: 'INBOX_MAX_AGE_MS', default: 7 * DAY_MS, min: 1000 },
    /** Messages of each conversation kept in Redis for history. */
    recentPerConversation: { env: 'RECENT_PER_CONVERSATION', default: 50, min: 1, max: 10_000 },
    /** How long a client's own message id is remembered, so a resend is stored once. */
    clientMsgIdTtlMs: { env: 'CLIENT_MSG_ID_TTL_MS', default: 10 * MINUTE_MS, min: 1000 },
  },
  archive: {
    /** Messages waiting for MongoDB beyond which chat answers 503 instead of growing Redis without bound. */
    maxBacklog: { env: 'ARCHIVE_MAX_BACKLOG', default: 1_000_000, min: 1 },
    /** Rows per insertMany. */
    batchSize: { env: 'ARCHIVE_BATCH_SIZE', default: 1000, min: 1, max: 100_000 },
    /** How long a dead writer's unfinished batch waits before another node's writer takes it over. */
    claimIdleMs: { env: 'ARCHIVE_CLAIM_IDLE_MS', default: 30_000, min: 100 },
    /** Pause before a failed write is tried again. */
    retryMs: { env: 'ARCHIVE_RETRY_MS', default: 1000, min: 10 },
    /** How often a growing backlog is logged. */
    lagLogIntervalMs: { env: 'ARCHIVE_LAG_LOG_MS', default: 10_000, min: 100 },
  },
  link: {
    /** Largest frame on a cluster link; every node of a cluster must use the same value. */
    maxFrameBytes: { env: 'CLUSTER_MAX_FRAME_BYTES', default: 16 * MiB, min: 64 * KiB },
    /** Bytes waiting to go to one peer (queued plus unsent); past it the link is dropped and redialled. */
    maxBufferedBytes: { env: 'CLUSTER_MAX_BUFFERED_BYTES', default: 64 * MiB, min: MiB },
    /** Link ping period, and the silence after which a link is closed (4410) and redialled. */
    pingIntervalMs: { env: 'CLUSTER_PING_INTERVAL_MS', default: 2000, min: 20 },
    pongTimeoutMs: { env: 'CLUSTER_PONG_TIMEOUT_MS', default: 6000, min: 50 },
    /**
     * How long a link message may wait for others to share its frame. A write on loopback or a LAN
     * costs a system call and a wake-up of the peer; under load a millisecond gathers dozens.
     */
    flushDelayMs: { env: 'CLUSTER_FLUSH_DELAY_MS', default: 1, min: 0, max: 100 },
    /** Time a peer gets to authenticate on the cluster port. */
    handshakeTimeoutMs: { env: 'CLUSTER_HANDSHAKE_TIMEOUT_MS', default: 5000, min: 100 },
    /** Cluster-port connections that have not authenticated yet; more are refused at once. */
    maxUnauthenticated: { env: 'CLUSTER_MAX_UNAUTHENTICATED', default: 32, min: 1 },
    /** HTTP header bytes a cluster-port request may send before it authenticated (more: 431 and closed); no frame gets in before that. */
    maxHandshakeBytes: { env: 'CLUSTER_MAX_HANDSHAKE_BYTES', default: 8 * KiB, min: KiB, max: 64 * KiB },
  },
  relay: {
    /** How long a relay is resent on every new path before the origin gives up on it (the message stays stored). */
    timeoutMs: { env: 'RELAY_TIMEOUT_MS', default: 10_000, min: 100 },
    /** Relays awaiting an ack, per node; more are not sent live (devices recover them with `sync`). */
    maxPending: { env: 'RELAY_MAX_PENDING', default: 100_000, min: 10 },
    /** Relay ids a target remembers, so a resent relay is not delivered twice. */
    dedupeSize: { env: 'RELAY_DEDUPE_SIZE', default: 100_000, min: 10 },
  },
  backend: {
    /** How long start-up waits for MongoDB / Redis. */
    connectTimeoutMs: { env: 'CONNECT_TIMEOUT_MS', default: 5000, min: 100 },
    /** A Redis command without an answer in this time fails (503 to the client). */
    redisCommandTimeoutMs: { env: 'REDIS_COMMAND_TIMEOUT_MS', default: 5000, min: 10 },
    /** MongoDB socket inactivity timeout, and the server-side time limit of each query. */
    mongoSocketTimeoutMs: { env: 'MONGO_SOCKET_TIMEOUT_MS', default: 30_000, min: 100 },
    mongoMaxTimeMs: { env: 'MONGO_MAX_TIME_MS', default: 5000, min: 10 },
  },
  rooms: {
    /** How long a node waits for the room host (the leader) to answer a room request (then 503). */
    callTimeoutMs: { env: 'ROOM_CALL_TIMEOUT_MS', default: 5000, min: 100 },
    /** Pause between attempts of a new room host to load the rooms while MongoDB is unreachable. */
    loadRetryMs: { env: 'ROOM_LOAD_RETRY_MS', default: 1000, min: 10 },
  },
  admin: {
    /** Largest request body the push API reads (larger: 413). */
    maxBodyBytes: { env: 'ADMIN_MAX_BODY_BYTES', default: 64 * KiB, min: 256 },
    /** Users per page of `GET /online` when the request names no `limit` (at most 1000). */
    onlinePageDefault: { env: 'ONLINE_PAGE_DEFAULT', default: 100, min: 1, max: 1000 },
  },
  pushQueue: {
    /** Queue entries one node takes at a time. */
    batchSize: { env: 'PUSH_QUEUE_BATCH_SIZE', default: 100, min: 1, max: 10_000 },
    /** How long a dead node's unfinished queue entries wait before another node takes them over. */
    claimIdleMs: { env: 'PUSH_QUEUE_CLAIM_IDLE_MS', default: 30_000, min: 100 },
    /** Pause after a failed read or push before the queue is read again. */
    retryMs: { env: 'PUSH_QUEUE_RETRY_MS', default: 1000, min: 10 },
  },
  online: {
    /** Each node sends its clients at most one `online` event per this period. */
    eventIntervalMs: { env: 'ONLINE_EVENT_INTERVAL_MS', default: 1000, min: 10 },
  },
  hotWords: {
    /** How often the leader clears the hot-words board. */
    resetMs: { env: 'HOT_WORDS_RESET_MS', default: 60 * MINUTE_MS, min: 1000 },
  },
  node: {
    /** How long clients get to close after the server says it is going away (SIGTERM). */
    shutdownGraceMs: { env: 'SHUTDOWN_GRACE_MS', default: 2000, min: 0 },
  },
} satisfies Record<string, Record<string, LimitSpec>>;

type Specs = typeof SPECS;
export type Limits = { [G in keyof Specs]: { [K in keyof Specs[G]]: number } };
export type ConnectionLimits = Limits['client'];

/** Reads every limit from the environment; an out-of-range value stops start-up with its name. */
export function loadLimits(env: Env = process.env): Limits {
  const out: Record<string, Record<string, number>> = {};
  for (const [group, specs] of Object.entries(SPECS)) {
    const values: Record<string, number> = {};
    for (const [name, spec] of Object.entries(specs as Record<string, LimitSpec>)) {
      values[name] = envInt(env, spec.env, spec.default, spec.min, spec.max);
    }
    out[group] = values;
  }
  return out as Limits;
}

export const DEFAULT_LIMITS: Limits = loadLimits({});

/** The environment variable of every limit, for the documentation check. */
export function limitVariables(): string[] {
  return Object.values(SPECS).flatMap((specs) => Object.values(specs as Record<string, LimitSpec>).map((spec) => spec.env));
}
