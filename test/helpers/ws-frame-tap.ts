/**
 * Reads the WebSocket frames a client sends (masked, RFC 6455) out of a TCP byte stream, skipping
 * the HTTP requests before the upgrade: lets a test count what really crossed a cluster link.
 */
export class ClientFrameReader {
  #buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (opcode: number, payload: Buffer) => void) {}

  push(data: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, data]);
    for (;;) {
      if (/^[A-Z]+ /.test(this.#buffer.subarray(0, 8).toString('latin1'))) {
        const end = this.#buffer.indexOf('\r\n\r\n');
        if (end < 0) return;
        this.#buffer = this.#buffer.subarray(end + 4); // an HTTP request without a body (the handshake)
        continue;
      }
      if (!this.#readFrame()) return;
    }
  }

  #readFrame(): boolean {
    const b = this.#buffer;
    if (b.length < 2) return false;
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    let length = b[1]! & 0x7f;
    let offset = 2;
    if (length === 126) {
      if (b.length < 4) return false;
      length = b.readUInt16BE(2);
      offset = 4;
    } else if (length === 127) {
      if (b.length < 10) return false;
      length = Number(b.readBigUInt64BE(2));
      offset = 10;
    }
    const maskOffset = offset;
    if (masked) offset += 4;
    if (b.length < offset + length) return false;
    const payload = Buffer.from(b.subarray(offset, offset + length));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i]! ^= b[maskOffset + (i % 4)]!;
    this.#buffer = b.subarray(offset + length);
    this.onFrame(opcode, payload);
    return true;
  }
}

export const TEXT_FRAME = 1;
