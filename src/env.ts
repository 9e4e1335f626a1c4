import { isLogLevel, type LogLevel } from '../core/logger.js';
/** Typed readers for environment variables; a bad value stops start-up with a clear message. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

export function envString(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value === '' ? fallback : value;
}

export function envInt(env: Env, name: string, fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

/** `1`/`true`/`on`/`yes` or `0`/`false`/`off`/`no`. */
export function envFlag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|on|yes)$/i.test(raw)) return true;
  if (/^(0|false|off|no)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be on or off (1/0, true/false), got "${raw}"`);
}

export function envLogLevel(env: Env): LogLevel {
  const value = envString(env, 'LOG_LEVEL', 'info');
  if (!isLogLevel(value)) throw new ConfigError(`LOG_LEVEL must be debug, info, warn, error or silent, got "${value}"`);
  return value;
}
