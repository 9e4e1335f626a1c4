import { ErrorCode } from './codes.js';
import { PROTOCOL_VERSION, type RequestFrame } from './frames.js';
import { CLUSTER_ONLY_ACTIONS, isClientAction, requestSchemas, type ClientAction, type RequestData } from './actions.js';
import { SchemaError, isPlainObject, string } from './schema.js';

/** A request that failed validation; `replyTo` is the request id when it could be read. */
export class FrameError extends Error {
  constructor(readonly code: number, message: string, readonly replyTo: string | null = null) {
    super(message);
    this.name = 'FrameError';
  }
}

export type ValidRequest = { [A in ClientAction]: RequestFrame<A, RequestData<A>> }[ClientAction];

const requestId = string({ min: 1, max: 64 });

/**
 * Turns one text frame from a client into a typed request, or throws FrameError.
 * Order matters: size before parsing (so a huge frame costs nothing), the id before
 * the rest (so the error can name the request it answers).
 */
export function parseRequest(raw: string, maxBytes: number): ValidRequest {
  if (Buffer.byteLength(raw, 'utf8') > maxBytes) {
    throw new FrameError(ErrorCode.TOO_LARGE, `frame is larger than ${maxBytes} bytes`);
  }
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new FrameError(ErrorCode.BAD_REQUEST, 'frame is not valid JSON');
  }
  if (!isPlainObject(value)) throw new FrameError(ErrorCode.BAD_REQUEST, 'frame must be a JSON object');

  if (value.id === undefined) throw new FrameError(ErrorCode.BAD_REQUEST, 'id is required');
  let id: string;
  try {
    id = requestId(value.id, 'id');
  } catch (err) {
    throw new FrameError(ErrorCode.BAD_REQUEST, describe(err));
  }
  if (value.v !== PROTOCOL_VERSION) {
    throw new FrameError(ErrorCode.BAD_REQUEST, `unsupported protocol version ${JSON.stringify(value.v)}, expected ${PROTOCOL_VERSION}`, id);
  }
  const { action } = value;
  if (typeof action !== 'string') throw new FrameError(ErrorCode.BAD_REQUEST, 'action must be a string', id);
  if (CLUSTER_ONLY_ACTIONS.has(action)) {
    throw new FrameError(ErrorCode.FORBIDDEN, `action "${action}" is not allowed on the client port`, id);
  }
  if (!isClientAction(action)) {
    throw new FrameError(ErrorCode.BAD_REQUEST, `unknown action "${action.slice(0, 64)}"`, id);
  }
  try {
    const data = requestSchemas[action](value.data ?? {}, 'data');
    return { v: PROTOCOL_VERSION, id, action, data } as ValidRequest;
  } catch (err) {
    throw new FrameError(ErrorCode.BAD_REQUEST, describe(err), id);
  }
}

function describe(err: unknown): string {
  return err instanceof SchemaError ? err.message : 'frame could not be read';
}

/**
 * The request id of a frame that was refused before validation (e.g. rate limited), so the
 * error can still name the request it answers. Null when there is none to read.
 */
export function peekRequestId(raw: string, maxBytes: number): string | null {
  if (raw.length > maxBytes) return null;
  try {
    const value: unknown = JSON.parse(raw);
    if (!isPlainObject(value)) return null;
    const { id } = value;
    return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : null;
  } catch {
    return null;
  }
}
