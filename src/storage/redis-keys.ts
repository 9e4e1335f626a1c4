/**
 * Every Redis key zkchat uses, under one prefix (so several clusters or test runs can share one
 * Redis). User names in keys are always keys (`userKey`: case-folded), never spellings.
 *
 * All of them live on one Redis primary: the message scripts touch several users' keys at once,
 * which Redis Cluster would refuse across hash slots. The script that stores messages builds the
 * names it needs from the prefix itself (src/inbox/scripts.ts): the inboxes below, and two only it
 * uses, `recent:<conversation>` (list: the newest messages of a conversation, newest first) and
 * `cmid:<user>:<clientMsgId>` (the first attempt of a client's message id); the room scripts likewise
 * build `room-log:<room>`, `room-meta:<room>`, `recent:r:<room>` and `rcmid:<user>:<clientMsgId>`
 * (src/rooms/room-scripts.ts); and `hot-words` (sorted set word → count) and
 * `hot-words:cleared:<period>` (claim of one period's clear) are built in src/hot-words/hot-words-board.ts.
 */
export class RedisKeys {
  /** Hash: user key → stored spelling of every known user (a cache of MongoDB's users). */
  readonly users: string;
  /** Hash: node id → ZooKeeper session that last registered it (fences the clean-up of dead nodes). */
  readonly nodeFences: string;
  /** Stream: every stored message, waiting for the archive writer to put it into MongoDB. */
  readonly archive: string;
  /** Hash: the live server list the gateway reads. */
  readonly servers: string;

  constructor(readonly prefix: string) {
    this.users = `${prefix}users`;
    this.nodeFences = `${prefix}node-fences`;
    this.archive = `${prefix}archive`;
    this.servers = `${prefix}servers`;
  }

  /** Hash: the user's global session (`nodeId`, `loginAt`, `dev:<node>` = `<count>@<fence>`). */
  session(user: string): string {
    return `${this.prefix}session:${user}`;
  }

  /** Set: users with a session share on the node. */
  nodeUsers(nodeId: string): string {
    return `${this.prefix}node-users:${nodeId}`;
  }

  /** Stream: the user's inbox, entry ids `<seq>-0`. */
  inbox(user: string): string {
    return `${this.prefix}inbox:${user}`;
  }

  /** Hash: the inbox's `epoch` and `seq` (its head); outlives the stream's trimming. */
  inboxMeta(user: string): string {
    return `${this.prefix}inbox-meta:${user}`;
  }
}
