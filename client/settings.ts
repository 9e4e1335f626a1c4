import { MESSAGE_MAX } from '../protocol/actions.js';

/**
 * Every limit of the terminal client: its environment variable, default and bounds. README's
 * terminal-client section lists them; `loadClientSettings` reads them when the client starts.
 */
interface SettingSpec {
  env: string;
  default: number;
  min: number;
  max: number;
}

/** Room for `/to USERNAME ` (at most 37 characters) in front of a message of MESSAGE_MAX characters. */
const COMMAND_ROOM = 40;

const SPECS = {
  /** How often the client pings its node. */
  pingIntervalMs: { env: 'ZKCHAT_PING_INTERVAL_MS', default: 3000, min: 100, max: 600_000 },
  /** Silence (no pong, no frame) after which the node counts as dead and the client reconnects through the gateway. */
  pongTimeoutMs: { env: 'ZKCHAT_PONG_TIMEOUT_MS', default: 8000, min: 200, max: 600_000 },
  /** Longest input line; typed or pasted characters beyond it are dropped at once, with a notice. */
  inputMaxChars: { env: 'ZKCHAT_INPUT_MAX_CHARS', default: MESSAGE_MAX + COMMAND_ROOM, min: 80, max: 100_000 },
  /** Typed lines kept for the up and down arrows, for as long as the client runs. */
  historySize: { env: 'ZKCHAT_HISTORY_SIZE', default: 500, min: 0, max: 100_000 },
  /** User names Tab offers after /to and /who (and room names after /join): the most recent ones the client saw. */
  recentNames: { env: 'ZKCHAT_RECENT_NAMES', default: 50, min: 1, max: 10_000 },
  /** Messages of the inbox shown at login, under "while you were away" (rooms start at their head). */
  backlog: { env: 'ZKCHAT_BACKLOG', default: 20, min: 0, max: 1000 },
} satisfies Record<string, SettingSpec>;

export type ClientSettings = { [K in keyof typeof SPECS]: number };

/** The variables, their defaults and meanings, in the order README lists them. */
export const CLIENT_SETTING_SPECS: Readonly<Record<keyof ClientSettings, SettingSpec>> = SPECS;

export const DEFAULT_CLIENT_SETTINGS: Readonly<ClientSettings> = Object.fromEntries(
  Object.entries(SPECS).map(([key, spec]) => [key, spec.default]),
) as ClientSettings;

export class ClientSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ClientSettingsError';
  }
}

/** Reads every setting from `env`; a value that is not an integer in its range throws, naming the variable. */
export function loadClientSettings(env: Record<string, string | undefined> = process.env): ClientSettings {
  const settings = { ...DEFAULT_CLIENT_SETTINGS };
  for (const [key, spec] of Object.entries(SPECS) as [keyof ClientSettings, SettingSpec][]) {
    const raw = env[spec.env];
    if (raw === undefined || raw.trim() === '') continue;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
      throw new ClientSettingsError(`${spec.env} must be an integer between ${spec.min} and ${spec.max}, got "${raw}"`);
    }
    settings[key] = value;
  }
  return settings;
}
