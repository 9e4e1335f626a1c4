import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** What the server accepts as a device name (login's `device`). */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/** Where the device id lives unless ZKCHAT_DEVICE_FILE names another file. */
export function defaultDeviceFile(): string {
  return join(homedir(), '.zkchat', 'device-id');
}

export interface DeviceId {
  id: string;
  file: string;
  /** False when the file could not be written: the id holds for this run only. */
  saved: boolean;
}

/**
 * The id of this client installation, sent with every login so that the server keeps the device's
 * acknowledged position across connections. Read from ZKCHAT_DEVICE_FILE (default
 * ~/.zkchat/device-id); a missing or unreadable file gets a new random id (128 bits, base64url),
 * written there (mode 600).
 */
export function loadDeviceId(env: Record<string, string | undefined> = process.env): DeviceId {
  const file = env.ZKCHAT_DEVICE_FILE?.trim() || defaultDeviceFile();
  try {
    const id = readFileSync(file, 'utf8').trim();
    if (DEVICE_ID_PATTERN.test(id)) return { id, file, saved: true };
  } catch {
    // No file yet (or unreadable): a new id follows.
  }
  const id = randomBytes(16).toString('base64url');
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${id}\n`, { mode: 0o600 });
    return { id, file, saved: true };
  } catch {
    return { id, file, saved: false };
  }
}
