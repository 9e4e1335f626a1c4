/**
 * What the client port reports, called on every frame: implementations must stay cheap (a map
 * lookup and an add), and the no-op one is used while metrics are off.
 */
export interface ClientMetrics {
  /** A request was handled; null: it never parsed (rate-limited before parsing, malformed, binary). */
  frameIn(action: string | null): void;
  /** A frame built from an object with this action left for the socket. */
  frameOut(action: string): void;
  /** An already-encoded event (one text for many sockets) left for the socket. */
  encodedFrameOut(text: string): void;
  /** An `error` frame with this code was sent (or was meant for a socket that closed). */
  error(code: number): void;
  /** A client connection closed with this code (sent by either side). */
  closed(code: number): void;
}

export const NO_CLIENT_METRICS: ClientMetrics = {
  frameIn: () => undefined,
  frameOut: () => undefined,
  encodedFrameOut: () => undefined,
  error: () => undefined,
  closed: () => undefined,
};

/** Length of the fixed opening `{"v":1,"action":"` of every event frame (`eventFrame` puts `v` and `action` first). */
const ACTION_AT = 17;

/**
 * The action of an encoded event frame, read from its fixed opening so that counting it costs no
 * JSON parse; 'other' for anything else. Three characters of the opening are checked, not all of
 * it: a full `startsWith` costs several times more, and every text here comes from `eventFrame`.
 */
export function encodedAction(text: string): string {
  if (text.charCodeAt(0) !== 0x7b || text.charCodeAt(8) !== 0x61 || text.charCodeAt(ACTION_AT - 1) !== 0x22) return 'other'; // '{', 'a', '"'
  const end = text.indexOf('"', ACTION_AT);
  return end < 0 || end - ACTION_AT > 64 ? 'other' : text.slice(ACTION_AT, end);
}
