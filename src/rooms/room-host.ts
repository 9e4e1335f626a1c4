import { randomUUID } from 'node:crypto';
import { badRequest, conflict, notFound, unavailable, ZkchatError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { roomKey, type ReplyData, type RoomInfo } from '../../protocol/actions.js';
import { ErrorCode } from '../../protocol/codes.js';
import type { MemberMessage, PresenceMessage } from '../cluster/link-messages.js';
import type { Delivery } from '../delivery/delivery.js';
import type { RoomDoc, RoomStore } from '../storage/room-store.js';
import type { RoomEventBody } from './room-entries.js';
import type { RoomLog } from './room-log.js';
import { parseHostArgs, type HostCall } from './room-calls.js';

interface HostedRoom {
  key: string;
  name: string;
  title: string;
  world: boolean;
  members: Set<string>;
}

export interface RoomHostDeps {
  selfId: string;
  store: RoomStore;
  log: RoomLog;
  deliverLocal(delivery: Delivery): void;
  relay(target: string, id: string, delivery: Delivery): void;
  /** Live nodes, this one included. */
  liveNodes(): string[];
  /** Tells every node (this one included) that a user joined or left a room. */
  announceMember(message: MemberMessage): void;
  /** Pause between attempts to load the rooms while MongoDB is unreachable. */
  loadRetryMs: number;
  logger: Logger;
}

/**
 * The rooms, hosted by the leader (see room-hosting.ts): it loads every room and its members from
 * MongoDB when it takes over, is the only writer of memberships and room logs, and fans each room
 * event out with one relay per node that reports members online, never one per member.
 */
export class RoomHost {
  #rooms = new Map<string, HostedRoom>();
  /** room → node → users online there. */
  readonly #presence = new Map<string, Map<string, Set<string>>>();
  /** Nodes whose full presence report this host has (since it took over): the others may have members. */
  readonly #reported = new Set<string>();
  #loaded: Promise<void> | null = null;
  #generation = 0;

  constructor(private readonly deps: RoomHostDeps) {}

  get active(): boolean {
    return this.#loaded !== null;
  }

  /** This node leads now: load every room (retrying while MongoDB is unreachable). */
  activate(): void {
    if (this.#loaded) return;
    const generation = ++this.#generation;
    this.#loaded = this.#load(generation);
    this.#loaded.catch(() => undefined);
  }

  /** Not the leader any more: forget everything (the next host loads it again). */
  deactivate(): void {
    if (!this.#loaded) return;
    this.#generation++;
    this.#loaded = null;
    this.#rooms = new Map();
    this.#presence.clear();
    this.#reported.clear();
  }

  onPresence(node: string, { full, joined, left }: PresenceMessage): void {
    if (full) {
      this.onNodeGone(node);
      this.#reported.add(node);
    }
    for (const [room, users] of Object.entries(joined)) for (const user of users) this.#online(room, node, user, true);
    for (const [room, users] of Object.entries(left)) for (const user of users) this.#online(room, node, user, false);
  }

  #online(room: string, node: string, user: string, online: boolean): void {
    let nodes = this.#presence.get(room);
    if (!nodes) {
      if (!online) return;
      this.#presence.set(room, (nodes = new Map()));
    }
    let users = nodes.get(node);
    if (!users) {
      if (!online) return;
      nodes.set(node, (users = new Set()));
    }
    if (online) users.add(user);
    else users.delete(user);
    if (users.size === 0) nodes.delete(node);
    if (nodes.size === 0) this.#presence.delete(room);
  }

  onNodeGone(node: string): void {
    this.#reported.delete(node);
    for (const [room, nodes] of this.#presence) {
      nodes.delete(node);
      if (nodes.size === 0) this.#presence.delete(room);
    }
  }

  /** Serves one host call (from this node or another: `from`). */
  async handle(op: string, rawArgs: Record<string, unknown>, from: string): Promise<unknown> {
    const call = parseHostArgs(op, rawArgs);
    if (!this.#loaded) throw unavailable('this node does not host rooms (the leader changed): try again');
    await this.#loaded;
    switch (call.op) {
      case 'createRoom':
        return this.#create(call, from);
      case 'joinRoom':
        return this.#join(call.room, call.user, from);
      case 'leaveRoom':
        return this.#leave(call.room, call.user);
      case 'rooms':
        return [...this.#rooms.values()].map((room) => this.#info(room, call.user));
      case 'roomChat':
        return this.#chat(call);
    }
  }

  async #load(generation: number): Promise<void> {
    for (;;) {
      try {
        const docs = await this.deps.store.all();
        if (generation !== this.#generation) return;
        this.#rooms = new Map(docs.map((doc) => [keyOf(doc), hosted(doc)]));
        this.deps.logger.info('rooms loaded', { rooms: this.#rooms.size });
        return;
      } catch (err) {
        if (generation !== this.#generation) return;
        this.deps.logger.warn('cannot load rooms, retrying', { err: (err as Error).message });
        await new Promise((resolve) => setTimeout(resolve, this.deps.loadRetryMs).unref());
      }
    }
  }

  #room(name: string): HostedRoom {
    const room = this.#rooms.get(roomKey(name));
    if (!room) throw notFound(`no room named "${name}"`);
    return room;
  }

  #info(room: HostedRoom, user: string): RoomInfo {
    // Distinct users: someone with devices on two nodes is one member online.
    const users = new Set<string>();
    for (const here of this.#presence.get(room.key)?.values() ?? []) for (const u of here) users.add(u);
    const online = users.size;
    return {
      name: room.name,
      title: room.title,
      world: room.world,
      members: room.world ? online : room.members.size,
      online,
      joined: room.world || room.members.has(user),
    };
  }

  async #create(call: Extract<HostCall, { op: 'createRoom' }>, from: string): Promise<RoomInfo> {
    const key = roomKey(call.name);
    if (this.#rooms.has(key)) throw conflict(`room "${call.name}" exists already: join it`);
    const doc: RoomDoc = { key, name: call.name, title: call.title ?? call.name, members: [call.user], everyone: false, createdBy: call.user, createdAt: new Date() };
    if (!(await this.deps.store.create(doc))) throw conflict(`room "${call.name}" exists already: join it`);
    const room = hosted(doc);
    this.#rooms.set(key, room);
    this.#memberChanged(room, call.user, true, from);
    this.deps.logger.info('room created', { room: key, by: call.user });
    return this.#info(room, call.user);
  }

  async #join(name: string, user: string, from: string): Promise<RoomInfo> {
    const room = this.#room(name);
    if (room.world || room.members.has(user)) return this.#info(room, user); // joining twice changes nothing
    await this.deps.store.addMember(room.key, user);
    room.members.add(user);
    this.#memberChanged(room, user, true, from);
    await this.#announce(room, { action: 'roomJoin', data: { room: room.name, user, ts: Date.now() } }, user);
    return this.#info(room, user);
  }

  async #leave(name: string, user: string): Promise<ReplyData['leaveRoom']> {
    const room = this.#room(name);
    if (room.world) throw badRequest(`"${room.name}" is a world room: every user is in it`);
    if (!room.members.has(user)) return { room: room.name };
    await this.deps.store.removeMember(room.key, user);
    // Announced while the leaver still counts as a member, so their other devices see it too.
    await this.#announce(room, { action: 'roomLeave', data: { room: room.name, user, ts: Date.now() } }, user);
    room.members.delete(user);
    this.#memberChanged(room, user, false, null);
    return { room: room.name };
  }

  async #chat(call: Extract<HostCall, { op: 'roomChat' }>): Promise<ReplyData['roomChat']> {
    const room = this.#room(call.room);
    if (!room.world && !room.members.has(call.user)) throw new ZkchatError(ErrorCode.FORBIDDEN, `you are not a member of room "${room.name}": join it first`);
    const body: RoomEventBody = { action: 'roomChat', data: { id: randomUUID(), room: room.name, from: call.from, message: call.message, format: 'text', ts: Date.now() } };
    const stored = await this.deps.log.append({ room: room.key, body, user: call.user, ...(call.clientMsgId !== undefined ? { clientMsgId: call.clientMsgId } : {}) });
    if (stored.status === 'archive-full') throw unavailable('the history archive is behind: try again shortly');
    if (stored.status === 'duplicate') {
      // A resend (its answer was lost, e.g. while the host changed): delivered live again, as the
      // first attempt may have reached no one; devices drop what they have by seq.
      this.#fanOut(room, stored.seq, { action: 'roomChat', data: { ...body.data, id: stored.id, ts: stored.ts } }, call.device);
      return { id: stored.id, seq: stored.seq, ts: stored.ts };
    }
    this.#fanOut(room, stored.seq, body, call.device);
    return { id: body.data.id, seq: stored.seq, ts: body.data.ts };
  }

  /** A join or leave goes into the room's log (so devices that missed it sync it) and out to the members. */
  async #announce(room: HostedRoom, body: RoomEventBody, user: string): Promise<void> {
    const stored = await this.deps.log.append({ room: room.key, body, user });
    if (stored.status === 'stored') this.#fanOut(room, stored.seq, body);
  }

  #fanOut(room: HostedRoom, seq: number, event: RoomEventBody, except?: string): void {
    const delivery: Delivery = { audience: { kind: 'room', room: room.key, seq, ...(except !== undefined ? { except } : {}) }, event };
    this.deps.deliverLocal(delivery);
    const relayId = `r:${room.key}:${seq}:${event.data.ts}`;
    // Nodes reporting members online, and (right after a take-over) nodes that have not reported yet.
    const targets = new Set(this.#presence.get(room.key)?.keys() ?? []);
    for (const node of this.deps.liveNodes()) if (!this.#reported.has(node)) targets.add(node);
    for (const node of targets) if (node !== this.deps.selfId) this.deps.relay(node, relayId, delivery);
  }

  /**
   * Every node hears of the change (its connections of `user` join or leave the room). The node the
   * request came from counts as having a member online at once: its own report may come after the
   * room's next message.
   */
  #memberChanged(room: HostedRoom, user: string, joined: boolean, from: string | null): void {
    if (joined && from !== null) this.#online(room.key, from, user, true);
    this.deps.announceMember({ t: 'member', room: room.key, user, joined });
  }
}

function keyOf(doc: RoomDoc): string {
  return doc.key ?? roomKey(doc.name);
}

function hosted(doc: RoomDoc): HostedRoom {
  return { key: keyOf(doc), name: doc.name, title: doc.title ?? doc.name, world: doc.everyone === true, members: new Set(doc.everyone ? [] : (doc.members ?? [])) };
}
