import { ZkchatError } from '../../core/errors.js';
import { ErrorCode } from '../../protocol/codes.js';

/**
 * The calls a node makes on the room host, as they travel (validated client requests plus who is
 * asking: `user` is the user key, `from` its spelling, `device` the id of the asking connection).
 */
export type HostCall =
  | { op: 'createRoom'; name: string; title?: string; user: string }
  | { op: 'joinRoom'; room: string; user: string }
  | { op: 'leaveRoom'; room: string; user: string }
  | { op: 'rooms'; user: string }
  | { op: 'roomChat'; room: string; user: string; from: string; message: string; clientMsgId?: string; device: string };

type Args = Record<string, unknown>;

const text = (args: Args, field: string): string => {
  const value = args[field];
  if (typeof value !== 'string') throw new ZkchatError(ErrorCode.INTERNAL, `host call without ${field}`);
  return value;
};

const optionalText = (args: Args, field: string): string | undefined => (args[field] === undefined ? undefined : text(args, field));

/** Peers are trusted, but a call from a node of another version must fail cleanly, not crash the host. */
export function parseHostArgs(op: string, args: Args): HostCall {
  switch (op) {
    case 'createRoom': {
      const title = optionalText(args, 'title');
      return { op, name: text(args, 'name'), user: text(args, 'user'), ...(title !== undefined ? { title } : {}) };
    }
    case 'joinRoom':
    case 'leaveRoom':
      return { op, room: text(args, 'room'), user: text(args, 'user') };
    case 'rooms':
      return { op, user: text(args, 'user') };
    case 'roomChat': {
      const clientMsgId = optionalText(args, 'clientMsgId');
      return {
        op,
        room: text(args, 'room'),
        user: text(args, 'user'),
        from: text(args, 'from'),
        message: text(args, 'message'),
        device: text(args, 'device'),
        ...(clientMsgId !== undefined ? { clientMsgId } : {}),
      };
    }
    default:
      throw new ZkchatError(ErrorCode.INTERNAL, `unknown host call "${op}"`);
  }
}
